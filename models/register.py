"""The organisation's outgoing register: the number format and taking the next number.

Each letter gets the next serial of its year from the counter `register:<year>` (the
same counter the demo fills), inside the transaction that stores the letter: two people
saving at the same moment get different serials, and a rolled-back save gives its serial
back, so the register has no gaps and never repeats a number. The visible number is
built from the `register_number_format` setting, e.g. `12/{year}-{serial:04d}` gives
`12/2026-0045`: text outside braces is a fixed prefix or separator; `{serial}` (with an
optional width such as `{serial:04d}`), `{year}` (2026) and `{yy}` (26) are filled in.
"""

from __future__ import annotations

import string

from sqlmodel import Session, select

from models.numbering import next_value
from models.tables import Referral
from translations import _

DEFAULT_REGISTER_FORMAT = "{serial}/{year}"
REGISTER_FIELDS = ("serial", "year", "yy")
MAX_FORMAT_LENGTH = 40
MAX_NUMBER_LENGTH = 64
# Serials tried when a formatted number is already taken (after a format change).
MAX_SKIPS = 1000


def register_counter(year: int) -> str:
    """The name of the counter that numbers a year's letters."""
    return f"register:{year}"


def format_register_number(fmt: str, *, year: int, serial: int) -> str:
    """The visible outgoing number of a serial in a year, per the format setting."""
    return fmt.format(serial=serial, year=year, yy=f"{year % 100:02d}")


def check_register_format(value: object) -> str:
    """Return the format if it is usable; raise ValueError (translated) when it is not.

    It must contain `{serial}` and the year (`{year}` or `{yy}`, since serials restart
    every year), no other fields, and give a number of at most 64 characters.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FORMAT_LENGTH:
        raise ValueError(
            _("Enter a number format of up to {n} characters.").format(n=MAX_FORMAT_LENGTH)
        )
    value = value.strip()
    if any(not ch.isprintable() for ch in value):
        raise ValueError(_("The number format contains characters that cannot be printed."))
    try:
        fields = [field for _text, field, _spec, _conv in string.Formatter().parse(value)]
        used = {f for f in fields if f is not None}
        conversions = [c for _t, f, _s, c in string.Formatter().parse(value) if c]
        if conversions or not used <= set(REGISTER_FIELDS):
            raise ValueError
        sample = format_register_number(value, year=2026, serial=12345)
    except (ValueError, IndexError, KeyError):
        raise ValueError(_("The number format may only use {serial}, {year} and {yy}.")) from None
    if "serial" not in used or not used & {"year", "yy"}:
        raise ValueError(_("The number format must contain {serial} and {year} (or {yy})."))
    if len(sample) > MAX_NUMBER_LENGTH:
        raise ValueError(_("The number format makes numbers that are too long."))
    return value


def next_register_number(session: Session, *, year: int, fmt: str) -> tuple[int, str]:
    """Take the next serial of `year` in the caller's transaction; return (serial, number).

    A serial whose number already exists (possible only after the format was changed to
    one that can produce an older number) is skipped, never reused.
    """
    for _attempt in range(MAX_SKIPS):
        serial = next_value(session, register_counter(year))
        number = format_register_number(fmt, year=year, serial=serial)
        taken = session.exec(select(Referral.id).where(Referral.register_number == number)).first()
        if taken is None:
            return serial, number
    raise ValueError(_("The outgoing register cannot make a new number with this format."))
