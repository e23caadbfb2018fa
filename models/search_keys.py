"""What the search index holds for a client, and how a typed query is read.

The index (`models.search_index`) keeps, per client, the phonetic keys of every word of
their names (`models.translit`), their phone numbers as digits, the numbers of their
cases in two forms, and the users who may see them as volunteers. `person_terms`,
`numbers_terms` and `users_terms` make those strings; `read_query`
splits what someone typed into name words, digits and a case-number pattern. Pure
functions, shared by the services, the demo loader and the migration that fills the index.
Existing databases hold what these functions made when their rows were written: a change
to what they produce needs a migration that fills the index again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.translit import name_tokens

# Country codes tried in front of a national number, so "555 12 34 56" finds +996555123456.
KYRGYZSTAN, RUSSIA_KAZAKHSTAN = "996", "7"
MIN_PHONE_DIGITS = 3
MAX_SERIAL_DIGITS = 7
SERIAL_WIDTH = 5  # KG-2026-00042
USER_DIGITS = 12
_PHONE_JUNK = re.compile(r"[\s\-\.\(\)/+]")
# A case number as typed: optional prefix (as the setting allows: a Latin letter, then
# letters or digits), the year, the serial.
_NUMBER = re.compile(
    r"^\s*(?:([A-Za-z][A-Za-z0-9]{0,9}?)[\s\-/]*)?((?:19|20)\d\d)(?:[\s\-/]+(\d{0,7}))?\s*$"
)
_COMPACT = re.compile(r"[\W_]+")
_STANDARD_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}\Z")
_STANDARD_TAIL = re.compile(r".*-(?:19|20)\d\d-\d{1,7}\Z")
_NOT_DIGIT = re.compile(r"[^0-9]+")


def person_terms(
    family_name: str | None,
    given_name: str | None,
    patronymic: str | None = None,
    latin_name: str | None = None,
    phones: Iterable[str] | None = (),
) -> tuple[str, str]:
    """(name terms, phone terms) of a client, each a space-separated string."""
    names: list[str] = []
    for part in (family_name, given_name, patronymic, latin_name):
        for token in name_tokens(part):
            if token not in names:
                names.append(token)
    return " ".join(names), " ".join(phone_tokens(phones or ()))


def phone_tokens(phones: Iterable[str]) -> list[str]:
    """The digits of each stored (E.164) phone number, without the "+"."""
    out: list[str] = []
    for phone in phones:
        digits = _NOT_DIGIT.sub("", str(phone))
        if digits and digits not in out:
            out.append(digits)
    return out


def phone_prefixes(query: Query) -> list[str]:
    """The beginnings of stored phone digits that a typed number may be: as typed, and
    with the country code for a national number (0555… and 555… → 996555…, 8916… → 7916…)."""
    digits = query.digits
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    if query.international:
        return [digits]
    if digits.startswith("0"):
        forms = [KYRGYZSTAN + digits[1:]]
    else:
        forms = [digits, KYRGYZSTAN + digits, RUSSIA_KAZAKHSTAN + digits]
        if digits.startswith("8"):
            forms.append(RUSSIA_KAZAKHSTAN + digits[1:])
    return [f for f in dict.fromkeys(forms) if len(f) >= MIN_PHONE_DIGITS]


def case_terms(number: str) -> str:
    """Number terms of a case "KG-2026-00042": its compact form and serial, "kg202600042 42"."""
    parts = number.split("-")
    if len(parts) == 3 and _STANDARD_PREFIX.match(parts[0]) and _STANDARD_TAIL.match(number):
        compact = f"{parts[0]}{parts[1]}{parts[2]}".lower()  # the usual shape, made quickly
        serial = str(int(parts[2]))
        return compact if serial == compact else f"{compact} {serial}"
    compact = _COMPACT.sub("", number.casefold())
    match = _NUMBER.match(number)
    if match and match.group(3):
        serial = str(int(match.group(3)))
        if serial != compact:
            return f"{compact} {serial}"
    return compact


def numbers_terms(numbers: Iterable[str]) -> str:
    """Number terms of all of a client's cases (see `case_terms`)."""
    tokens: list[str] = []
    for number in numbers:
        for token in case_terms(number).split():
            if token not in tokens:
                tokens.append(token)
    return " ".join(tokens)


def user_token(user_id: object) -> str:
    """The index word for a user: "u" and the first USER_DIGITS hex digits of their id.
    (Two users sharing a word would only make a search check more rows: every result is
    checked against the permissions again.)"""
    if isinstance(user_id, str) and len(user_id) == 32:  # as SQLite stores it
        return "u" + user_id[:USER_DIGITS].lower()
    return "u" + str(getattr(user_id, "hex", user_id)).replace("-", "")[:USER_DIGITS].lower()


def users_terms(user_ids: Iterable[object]) -> str:
    """User terms of a client: who recorded them and who recorded or works on their cases."""
    return " ".join(sorted({user_token(u) for u in user_ids if u}))


@dataclass(frozen=True)
class Query:
    """What someone typed, read for the index.

    `names`: phonetic keys of the words with letters; `digits`: the digits when the whole
    text is a phone number or a serial (`international` when it began with + or 00);
    `number`: the compact case-number prefix when the text looks like a case number
    ("KG-2026-00042" and "kg 2026 42" give "kg202600042"; "2026-00042" gives "202600042"
    and `number_needs_prefix`, to be completed with the organisation's prefix). For when no
    case has that number, a number with a prefix keeps the prefix as a name word, and one
    without keeps its digits.
    """

    text: str
    names: tuple[str, ...] = ()
    digits: str = ""
    international: bool = False
    number: str = ""
    number_needs_prefix: bool = False

    @property
    def empty(self) -> bool:
        """Whether there is nothing to look for."""
        return not (self.names or self.digits or self.number)

    @property
    def serial(self) -> str:
        """The digits read as a case's serial number without leading zeros, or "" when they
        cannot be one (too long, international, or zero-padded beyond five digits)."""
        digits = self.digits
        if not digits or self.international or len(digits) > MAX_SERIAL_DIGITS:
            return ""
        if digits.startswith("0") and len(digits) > SERIAL_WIDTH:
            return ""  # serials are padded to five digits: 055512 is a phone
        return str(int(digits))


def read_query(text: str) -> Query:
    """Read a typed query; see `Query`."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()[:200]
    if not text:
        return Query(text)
    number = _NUMBER.match(text)
    if number and number.group(3):  # "KG-2026" alone would be every case of the year
        letters, year, serial = number.group(1) or "", number.group(2), number.group(3) or ""
        if serial and not serial.startswith("0") and len(serial) < 5:
            serial = serial.zfill(5)  # "KG-2026-42" is KG-2026-00042
        compact = _COMPACT.sub("", f"{letters}{year}{serial}".casefold())
        # When no case has that number, "Asan 2026" may be a name and "2026 12" a phone.
        names = tuple(name_tokens(letters)) if letters else ()
        digits = "" if letters else _PHONE_JUNK.sub("", text)
        return Query(
            text, names=names, digits=digits, number=compact, number_needs_prefix=not letters
        )
    bare = _PHONE_JUNK.sub("", text)
    if bare.isascii() and bare.isdigit():
        dialled = bare.startswith("00") and len(bare) > MAX_SERIAL_DIGITS  # 00 996 …
        international = text.startswith("+") or dialled
        digits = bare[2:] if dialled else bare
        return Query(text, digits=digits, international=international)
    return Query(text, names=tuple(name_tokens(text)))


__all__ = [
    "Query", "case_terms", "numbers_terms", "person_terms", "phone_prefixes", "phone_tokens",
    "read_query", "user_token", "users_terms",
]  # fmt: skip
