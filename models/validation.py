"""Cleaning and checking of open input: names in any script, phone numbers, dates.

Used by the pydantic models in `models.schemas`; errors carry translated messages and
are turned into `ValidationFailed` (field → message) by `validate()`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.errors import ValidationFailed
from models.vocab import UnknownCode, default_vocabularies
from translations import _

EARLIEST_DATE = date(1900, 1, 1)
_PHONE_JUNK = re.compile(r"[\s\-\.\(\)/]")
_SPACES = re.compile(r"\s+")

M = TypeVar("M", bound=BaseModel)


def clean_text(value: str | None, *, max_length: int, multiline: bool = False) -> str:
    """NFC-normalise, strip, fold runs of spaces; refuse control characters and overlong text."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text):
        raise ValueError(_("Contains characters that cannot be stored (control characters)."))
    text = text.strip() if multiline else _SPACES.sub(" ", text).strip()
    if len(text) > max_length:
        raise ValueError(_("Too long: at most {n} characters.").format(n=max_length))
    return text


def clean_name(value: str | None) -> str:
    """A personal name part: any script, no digits-only or control characters, ≤ 100 chars."""
    text = clean_text(value, max_length=100)
    if text and not any(ch.isalpha() for ch in text):
        raise ValueError(_("A name must contain letters."))
    return text


def normalize_phone(value: str) -> str:
    """Turn a phone number typed in any common format into +<digits> (E.164).

    Understands +996 / 996 / 0 prefixes for Kyrgyzstan and +7 / 7 / 8 for Russia and
    Kazakhstan; refuses anything that is not 7–15 digits after cleaning.
    """
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    text = _PHONE_JUNK.sub("", raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(_("“{phone}” is not a phone number.").format(phone=raw))
    if not plus:
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits[0] == "0":
            digits = "996" + digits[1:]
        elif len(digits) == 9 and digits[0] in "2579":
            digits = "996" + digits
    if not 7 <= len(digits) <= 15 or digits[0] == "0":
        raise ValueError(_("“{phone}” is not a phone number.").format(phone=raw))
    return "+" + digits


def check_code(vocabulary: str, code: str | None) -> str | None:
    """Return `code` if it belongs to the vocabulary (None passes through)."""
    if code is None or code == "":
        return None
    try:
        default_vocabularies().require(vocabulary, code)
    except UnknownCode as exc:
        raise ValueError(_("Unknown value “{code}”.").format(code=code)) from exc
    return code


def check_past_date(value: date | None) -> date | None:
    """A date that is neither in the future nor before 1900."""
    if value is None:
        return None
    if value > date.today():
        raise ValueError(_("The date is in the future."))
    if value < EARLIEST_DATE:
        raise ValueError(_("The date is before 1900."))
    return value


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Not a valid date.")
    if kind.startswith("int") or kind.startswith("float") or kind.startswith("decimal"):
        return _("Not a valid number.")
    if kind.startswith("bool"):
        return _("Must be yes or no.")
    if kind == "string_too_long":
        return _("Too long: at most {n} characters.").format(n=ctx.get("max_length"))
    if kind in ("uuid_parsing", "uuid_type"):
        return _("Not a valid reference.")
    if kind == "extra_forbidden":
        return _("This field is not known.")
    if kind.startswith("list") or kind.startswith("too_"):
        return _("Not a valid list.")
    return _("Not a valid value.")


def validate(model: type[M], data: Any) -> M:
    """Validate `data` (a mapping or a model instance) into `model` or raise ValidationFailed."""
    if isinstance(data, model):
        data = data.model_dump(exclude_unset=True)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            fields.setdefault(loc, _message(err))
        raise ValidationFailed(fields) from None
