"""The shape of a form file: what `forms/*.yaml` may say, checked with pydantic.

A form file is a list of sections, each a list of fields. A field has a stable `key`
(where its value is kept), a `type`, labels and help in en/ru/ky, a `required` flag and
an optional `when` condition (shown and required only when the case's categories or
another field say so). Choices name a vocabulary from `resources/vocab` (`vocab: sector`)
or list their own `options`.

Where a value is kept follows from its key: the keys in `CORE_FIELDS` are real columns
of the person or the case; any other key is kept in the case's JSON `details`, so an
organisation adds a field by adding it to a YAML file, with no code change.

The objects here are what the rest of Komok uses at run time (the loader returns them,
the desktop renders them, `forms.values` validates data against them). No Qt here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_KEY_LENGTH = 64
FIELD_TYPES = (
    "text", "multiline", "date", "number", "money", "choice", "multi_choice", "yes_no", "phone",
)  # fmt: skip
FieldType = Literal[
    "text", "multiline", "date", "number", "money", "choice", "multi_choice", "yes_no", "phone"
]
DEFAULT_CURRENCIES = ("RUB", "KZT", "KGS", "USD", "EUR", "TRY", "KRW", "AED", "GBP")

Code = Annotated[
    str, StringConstraints(strict=True, pattern=CODE_PATTERN, max_length=MAX_KEY_LENGTH)
]
Label = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
Currency = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]


@dataclass(frozen=True)
class CoreField:
    """A form key that is a real column: on the person or the case, and the field types
    (and vocabulary) it may be declared with."""

    target: Literal["person", "case"]
    types: tuple[str, ...]
    vocab: str | None = None
    details_form: bool = True  # may appear in a details form (changed by `update_case`)


# Keys that name real columns. Any other key is kept in `Case.details`.
CORE_FIELDS: Mapping[str, CoreField] = {
    "family_name": CoreField("person", ("text",), details_form=False),
    "given_name": CoreField("person", ("text",), details_form=False),
    "patronymic": CoreField("person", ("text",), details_form=False),
    "latin_name": CoreField("person", ("text",), details_form=False),
    "sex": CoreField("person", ("choice",), "sex", details_form=False),
    "birth_date": CoreField("person", ("date",), details_form=False),
    "birth_year": CoreField("person", ("number",), details_form=False),
    "phones": CoreField("person", ("phone",), details_form=False),
    "oblast": CoreField("person", ("choice",), "oblast", details_form=False),
    "rayon": CoreField("person", ("text",), details_form=False),
    "opened_on": CoreField("case", ("date",), details_form=False),
    "categories": CoreField("case", ("multi_choice",), "category"),
    "destination_country": CoreField("case", ("choice",), "country"),
    "destination_region": CoreField("case", ("choice",), "region"),
    "destination_city": CoreField("case", ("text",)),
    "sector": CoreField("case", ("choice",), "sector"),
    "employer_name": CoreField("case", ("text",)),
    "entry_date": CoreField("case", ("date",)),
    "contract_end_date": CoreField("case", ("date",)),
    "risk_level": CoreField("case", ("choice",), "risk_level"),
    "consent_store": CoreField("case", ("yes_no",), details_form=False),
    "consent_refer": CoreField("case", ("yes_no",)),
    "consent_stats": CoreField("case", ("yes_no",)),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text3(_Strict):
    """A text in Komok's three languages."""

    en: Label
    ru: Label
    ky: Label

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to English."""
        return getattr(self, lang, None) or self.en


class Option(_Strict):
    """One choice of a field that lists its own options instead of naming a vocabulary."""

    code: Code
    labels: Text3


class Condition(_Strict):
    """When a section or field applies: every part given must hold.

    `categories`: the case has at least one of these categories.
    `field` with `equals`: another field of the form has this value (for a multi-choice
    field: includes it); `field` alone: the other field is filled in.
    """

    categories: Annotated[list[Code], Field(min_length=1)] | None = None
    field: Code | None = None
    equals: str | bool | int | None = None

    @model_validator(mode="after")
    def _whole(self) -> Condition:
        if self.categories is None and self.field is None:
            raise ValueError("a condition needs `categories` or `field`")
        if self.equals is not None and self.field is None:
            raise ValueError("`equals` needs `field`")
        return self


class FieldDef(_Strict):
    """One field: its key, type, labels, help and rules."""

    key: Code
    type: FieldType
    label: Text3
    help: Text3 | None = None
    required: bool = False
    required_message: Text3 | None = None
    when: Condition | None = None
    # choice / multi_choice
    vocab: Code | None = None
    options: Annotated[list[Option], Field(min_length=1)] | None = None
    filter_by: Code | None = None  # e.g. regions of the chosen country (vocab extra field)
    # text / multiline
    max_length: Annotated[int, Field(ge=1, le=20000)] | None = None
    # number / money (money always has 2 decimals)
    minimum: float | None = None
    maximum: float | None = None
    decimals: Annotated[int, Field(ge=0, le=6)] = 0
    # money
    currencies: Annotated[list[Currency], Field(min_length=1)] | None = None
    currency_key: Code | None = None
    # date
    not_future: bool = False
    # yes_no: False = a plain check box (yes or no, never "unknown")
    allow_unknown: bool = True

    @model_validator(mode="after")
    def _whole(self) -> FieldDef:
        choice = self.type in ("choice", "multi_choice")
        if choice and (self.vocab is None) == (self.options is None):
            raise ValueError("a choice field needs exactly one of `vocab` or `options`")
        if not choice and (self.vocab or self.options or self.filter_by):
            raise ValueError("`vocab`, `options` and `filter_by` are for choice fields only")
        if self.filter_by is not None and self.vocab is None:
            raise ValueError("`filter_by` needs `vocab`")
        if self.max_length is not None and self.type not in ("text", "multiline"):
            raise ValueError("`max_length` is for text fields only")
        if self.type not in ("number", "money") and (
            self.minimum is not None or self.maximum is not None
        ):
            raise ValueError("`minimum` and `maximum` are for number and money fields only")
        if self.decimals and self.type != "number":
            raise ValueError("`decimals` is for number fields only (money has 2)")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("`minimum` is larger than `maximum`")
        if self.type != "money" and (self.currencies or self.currency_key):
            raise ValueError("`currencies` and `currency_key` are for money fields only")
        if self.not_future and self.type != "date":
            raise ValueError("`not_future` is for date fields only")
        if not self.allow_unknown and self.type != "yes_no":
            raise ValueError("`allow_unknown` is for yes/no fields only")
        if self.required_message is not None and not self.required:
            raise ValueError("`required_message` needs `required: true`")
        if self.currency_key is not None and self.currency_key == self.key:
            raise ValueError("`currency_key` must differ from `key`")
        return self

    # --- derived ---------------------------------------------------------------------------

    @property
    def core(self) -> CoreField | None:
        """The column this field is, or None when it is kept in `details`."""
        return CORE_FIELDS.get(self.key)

    @property
    def max_chars(self) -> int:
        """The longest text the field takes."""
        if self.max_length is not None:
            return self.max_length
        return 5000 if self.type == "multiline" else 200

    @property
    def currency_list(self) -> tuple[str, ...]:
        """The currencies a money field offers, in display order."""
        return tuple(self.currencies) if self.currencies else DEFAULT_CURRENCIES

    @property
    def currency_field(self) -> str:
        """The `details` key a money field keeps its currency under."""
        return self.currency_key or f"{self.key}_currency"

    @property
    def storage_keys(self) -> tuple[str, ...]:
        """The keys the value is kept under (a money field uses two)."""
        if self.type == "money":
            return (self.key, self.currency_field)
        return (self.key,)


class Section(_Strict):
    """A titled group of fields, shown when its condition holds."""

    key: Code
    title: Text3
    help: Text3 | None = None
    when: Condition | None = None
    fields: Annotated[list[FieldDef], Field(min_length=1)]


class Form(_Strict):
    """A whole form: the intake or a details form (several details forms are combined)."""

    name: Code
    kind: Literal["intake", "details"]
    order: int = 100
    title: Text3
    description: Text3 | None = None
    sections: Annotated[list[Section], Field(min_length=1)]

    def all_fields(self) -> list[FieldDef]:
        """Every field of every section, in form order."""
        return [f for section in self.sections for f in section.fields]

    def field(self, key: str) -> FieldDef | None:
        """The field with `key`, or None."""
        for f in self.all_fields():
            if f.key == key:
                return f
        return None

    def section_of(self, key: str) -> Section | None:
        """The section holding the field `key`, or None."""
        for section in self.sections:
            if any(f.key == key for f in section.fields):
                return section
        return None


def field_default(field: FieldDef) -> Any:
    """The value of an empty field."""
    return [] if field.type == "multi_choice" else None
