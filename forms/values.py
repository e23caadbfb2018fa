"""Form data: which fields apply, and checking and converting the values people enter.

The value of each field type, as the form view gives it and the services take it:

| type | value |
|---|---|
| text, multiline, phone | `str` (a phone in +E.164 form) or None |
| date | `datetime.date` (an ISO string is accepted) or None |
| number | `int` (no decimals) or `Decimal`, or None |
| money | `{"amount": Decimal, "currency": "RUB"}` or None |
| choice | a code (`str`) or None |
| multi_choice | a list of codes (empty when none) |
| yes_no | True, False or None (unknown) |

`clean_values()` checks a whole form's values and raises `ValidationFailed` mapping each
field key to a translated message. `to_storage()` / `from_storage()` convert a value to
and from the JSON kept in `Case.details` (dates as ISO text, a money field as a number
under its key and a currency code under its `currency_field`). No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.schema import Condition, FieldDef, Form
from models.errors import ValidationFailed
from models.validation import clean_text, normalize_phone
from models.vocab import default_vocabularies
from translations import _, current_language

MONEY_PLACES = Decimal("0.01")
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 1, 1)
MAX_NUMBER = Decimal("1e12")
_TRUE = ("yes", "true", "1", "да", "ооба")
_FALSE = ("no", "false", "0", "нет", "жок")


# --- choices -------------------------------------------------------------------------------


def choice_items(fdef: FieldDef, lang: str) -> list[tuple[str, str]]:
    """The (code, label) pairs a choice field offers, in display order."""
    if fdef.options is not None:
        return [(o.code, o.labels.get(lang)) for o in fdef.options]
    assert fdef.vocab is not None
    return default_vocabularies()[fdef.vocab].choices(lang)


def choice_codes(fdef: FieldDef) -> tuple[str, ...]:
    """The codes a choice field accepts, in display order."""
    if fdef.options is not None:
        return tuple(o.code for o in fdef.options)
    assert fdef.vocab is not None
    return default_vocabularies()[fdef.vocab].codes


def choice_filter(fdef: FieldDef, form: Form, other_value: Any) -> set[str] | None:
    """The codes allowed by the field's `filter_by` field's value (None: no filter)."""
    if fdef.filter_by is None or fdef.vocab is None or other_value in (None, ""):
        return None
    other = form.field(fdef.filter_by)
    if other is None or other.vocab is None:
        return None
    vocab = default_vocabularies()[fdef.vocab]
    return {item.code for item in vocab.items if item.extra.get(other.vocab) == other_value}


# --- conditions ----------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """Whether a field value counts as not filled in."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset)):
        return not value
    if isinstance(value, Mapping):
        return is_empty(value.get("amount"))
    return False


def form_categories(form: Form, values: Mapping[str, Any], context: Mapping[str, Any]) -> list:
    """The categories conditions look at: the form's own `categories` field if it has one,
    else the context's."""
    if form.field("categories") is not None:
        found = values.get("categories")
    else:
        found = context.get("categories")
    return list(found or [])


def condition_holds(
    when: Condition | None, values: Mapping[str, Any], categories: Iterable[str]
) -> bool:
    """Whether a section's or field's `when` holds for these values and categories."""
    if when is None:
        return True
    if when.categories is not None and not set(when.categories) & set(categories):
        return False
    if when.field is not None:
        value = values.get(when.field)
        if when.equals is None:
            return not is_empty(value) and value is not False
        if isinstance(value, (list, tuple, set)):
            return when.equals in value
        if isinstance(when.equals, bool) or isinstance(value, bool):
            return value is when.equals
        return value == when.equals
    return True


def applicable_fields(
    form: Form, values: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> list[FieldDef]:
    """The fields shown for these values: their section's and their own conditions hold.

    `context` gives what the form does not hold itself, e.g. `{"categories": [...]}` of
    the case for a details form. A field whose condition names a hidden field is hidden.
    """
    context = context or {}
    categories = form_categories(form, values, context)
    shown = [
        fdef
        for section in form.sections
        if condition_holds(section.when, values, categories)
        for fdef in section.fields
    ]
    while True:  # drop fields whose condition fails, until what is left is stable
        visible = {f.key: values.get(f.key) for f in shown}
        kept = [f for f in shown if condition_holds(f.when, visible, categories)]
        if len(kept) == len(shown):
            return kept
        shown = kept


# --- cleaning ------------------------------------------------------------------------------


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("Not a valid number."))
    try:
        text = raw if isinstance(raw, Decimal) else str(raw).strip().replace(" ", "")
        value = Decimal(text.replace(",", ".")) if isinstance(text, str) else text
    except (InvalidOperation, ValueError):
        raise ValueError(_("Not a valid number.")) from None
    if not value.is_finite() or abs(value) >= MAX_NUMBER:
        raise ValueError(_("Not a valid number."))
    return value


def _bounds(fdef: FieldDef, value: Decimal, floor: float | None) -> None:
    low = fdef.minimum if fdef.minimum is not None else floor
    if low is not None and value < Decimal(str(low)):
        raise ValueError(_("The number must be at least {n}.").format(n=_plain(low)))
    if fdef.maximum is not None and value > Decimal(str(fdef.maximum)):
        raise ValueError(_("The number must be at most {n}.").format(n=_plain(fdef.maximum)))


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(raw: Any) -> date:
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        value = raw
    elif isinstance(raw, str):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(_("Not a valid date.")) from None
    else:
        raise ValueError(_("Not a valid date."))
    if not EARLIEST <= value <= LATEST:
        raise ValueError(_("Not a plausible date."))
    return value


def _yes_no(raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text in ("", "unknown"):
            return None
    raise ValueError(_("Must be yes or no."))


def clean_field(fdef: FieldDef, raw: Any, *, today: date | None = None) -> Any:
    """Check and normalise one value; raises ValueError with a translated message.

    An empty value comes back as None (an empty list for a multi-choice field).
    """
    kind = fdef.type
    if kind == "multi_choice":
        if raw is None or raw == "":
            return []
        if isinstance(raw, str) or not isinstance(raw, (list, tuple, set, frozenset)):
            raise ValueError(_("Not a valid list."))
        codes = choice_codes(fdef)
        for code in raw:
            if code not in codes:
                raise ValueError(_("Unknown value “{code}”.").format(code=code))
        return [c for c in codes if c in set(raw)]
    if kind == "yes_no":
        value = _yes_no(raw)
        return False if value is None and not fdef.allow_unknown else value
    if is_empty(raw):
        return None
    if kind in ("text", "multiline"):
        if not isinstance(raw, str):
            raise ValueError(_("Not a valid value."))
        return clean_text(raw, max_length=fdef.max_chars, multiline=kind == "multiline") or None
    if kind == "phone":
        if not isinstance(raw, str):
            raise ValueError(_("Not a valid value."))
        return normalize_phone(raw)
    if kind == "date":
        value = _date(raw)
        if fdef.not_future and value > (today or date.today()):
            raise ValueError(_("The date is in the future."))
        return value
    if kind == "number":
        number = _number(raw)
        if fdef.decimals == 0:
            if number != number.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            _bounds(fdef, number, None)
            return int(number)
        places = Decimal(1).scaleb(-fdef.decimals)
        if number != number.quantize(places):
            problem = _("Too many decimal places: at most {n}.")
            raise ValueError(problem.format(n=fdef.decimals))
        _bounds(fdef, number, None)
        return number.quantize(places)
    if kind == "money":
        if not isinstance(raw, Mapping):
            raise ValueError(_("Not a valid amount."))
        amount = _number(raw.get("amount"))
        if amount != amount.quantize(MONEY_PLACES):
            raise ValueError(_("Too many decimal places: at most {n}.").format(n=2))
        _bounds(fdef, amount, 0)
        currency = raw.get("currency")
        if not currency:
            raise ValueError(_("Choose the currency."))
        if currency not in fdef.currency_list:
            raise ValueError(_("Unknown value “{code}”.").format(code=currency))
        return {"amount": amount.quantize(MONEY_PLACES), "currency": currency}
    if kind == "choice":
        if not isinstance(raw, str) or raw not in choice_codes(fdef):
            raise ValueError(_("Unknown value “{code}”.").format(code=raw))
        return raw
    raise ValueError(_("Not a valid value."))  # pragma: no cover - the schema lists the types


def required_message(fdef: FieldDef, lang: str | None = None) -> str:
    """The message for a required field left empty (the form's own wording, if it has one)."""
    if fdef.required_message is not None:
        return fdef.required_message.get(lang or current_language())
    if fdef.type == "yes_no" and not fdef.allow_unknown:
        return _("This must be confirmed.")
    return _("This field is required.")


def missing(fdef: FieldDef, value: Any) -> bool:
    """Whether a required field's cleaned value leaves it unanswered."""
    if fdef.type == "yes_no":
        return value is None or (value is False and not fdef.allow_unknown)
    return is_empty(value)


def clean_values(
    form: Form,
    values: Mapping[str, Any],
    *,
    context: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Check a form's values; return the cleaned values of the fields that apply.

    Every field that applies is in the result (an empty one as None or []), so saving it
    clears what was there; fields that do not apply are left out. Keys the form does not
    know, wrong values and empty required fields raise ValidationFailed({key: message}).
    """
    known = {f.key for f in form.all_fields()}
    errors: dict[str, str] = {}
    for key in values:
        if key not in known:
            errors[key] = _("This field is not known.")
    cleaned: dict[str, Any] = {}
    for fdef in form.all_fields():
        if fdef.key not in values:
            continue
        try:
            cleaned[fdef.key] = clean_field(fdef, values[fdef.key], today=today)
        except ValueError as exc:
            errors[fdef.key] = str(exc)
    result: dict[str, Any] = {}
    for fdef in applicable_fields(form, {**values, **cleaned}, context):
        value = cleaned.get(fdef.key, [] if fdef.type == "multi_choice" else None)
        if fdef.type == "yes_no" and not fdef.allow_unknown and value is None:
            value = False
        if fdef.key not in errors and fdef.required and missing(fdef, value):
            errors[fdef.key] = required_message(fdef)
        if fdef.filter_by is not None and isinstance(value, str):
            allowed = choice_filter(fdef, form, cleaned.get(fdef.filter_by))
            if allowed is not None and value not in allowed and fdef.key not in errors:
                errors[fdef.key] = _("This choice does not fit the value chosen above.")
        result[fdef.key] = value
    if errors:
        raise ValidationFailed(errors)
    return result


# --- storage in Case.details ---------------------------------------------------------------


def _json_number(value: Decimal | int) -> int | float:
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def to_storage(fdef: FieldDef, value: Any) -> dict[str, Any]:
    """The `details` entries for a cleaned value (None removes the entry)."""
    if fdef.type == "money":
        if value is None:
            return {fdef.key: None, fdef.currency_field: None}
        return {fdef.key: _json_number(value["amount"]), fdef.currency_field: value["currency"]}
    if value is None or value == []:
        return {fdef.key: None}
    if fdef.type == "date":
        return {fdef.key: value.isoformat()}
    if fdef.type == "number":
        return {fdef.key: _json_number(value)}
    return {fdef.key: value}


def from_storage(fdef: FieldDef, details: Mapping[str, Any]) -> Any:
    """A field's value read back from `details` (empty when absent or unreadable)."""
    raw = details.get(fdef.key)
    try:
        if fdef.type == "money":
            if raw is None:
                return None
            amount = Decimal(str(raw)).quantize(MONEY_PLACES)
            return {"amount": amount, "currency": details.get(fdef.currency_field)}
        if raw is None:
            return [] if fdef.type == "multi_choice" else None
        if fdef.type == "date":
            return date.fromisoformat(raw)
        if fdef.type == "number":
            if fdef.decimals == 0 and float(raw).is_integer():
                return int(raw)
            return Decimal(str(raw)).quantize(Decimal(1).scaleb(-fdef.decimals))
        if fdef.type == "multi_choice":
            return list(raw) if isinstance(raw, (list, tuple)) else []
    except (InvalidOperation, TypeError, ValueError):
        return [] if fdef.type == "multi_choice" else None
    return raw
