"""The People screen's reads: a count and one page of clients at a time, in any column's order.

Like the case list (`case_queries`), pages are read by keyset with the person id as the
last key, so no page overlaps another; the quick filter and what the signed-in user may
see are WHERE conditions beside the keyset bound. A volunteer sees the people they
recorded and those whose cases they may see, and each person's number of cases counts
only those cases. The quick filter matches the start of any name word (in the spelling
typed or capitalised, since SQLite compares non-Latin letters case-sensitively), a part of
the Latin spelling, or digits of a phone number. No Qt here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, exists, func, or_, select
from sqlmodel import Session

from desktop.case_queries import after_condition
from models.actor import Actor
from models.permissions import has, visible_cases
from models.tables import Case, Person

SORT_NAME = "name"
SORT_LATIN = "latin"
SORT_SEX = "sex"
SORT_BIRTH_YEAR = "birth_year"
SORT_OBLAST = "oblast"
SORT_CASES = "cases"
SORTS = (SORT_NAME, SORT_LATIN, SORT_SEX, SORT_BIRTH_YEAR, SORT_OBLAST, SORT_CASES)
MIN_PHONE_DIGITS = 3
PHONE_TEXT = re.compile(r"[\d\s+()\-]+")
MASK = "•••"
SHOWN_DIGITS = 4


@dataclass(frozen=True)
class PeopleQuery:
    """Which people the list shows (`text` is the quick filter) and in what order."""

    sort: str = SORT_NAME
    descending: bool = False
    text: str = ""
    viewer: Actor | None = None


@dataclass(frozen=True)
class PersonRow:
    """One line of the People list; `key` is where the next page starts after it."""

    id: uuid.UUID
    family_name: str
    given_name: str
    patronymic: str
    latin_name: str
    sex: str
    birth_year: int | None
    oblast: str | None
    phones: tuple[str, ...]
    cases: int
    key: tuple[Any, ...]

    @property
    def name(self) -> str:
        """Family name, given name and patronymic, as Kyrgyz and Russian forms list them."""
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)


def mask_phone(phone: str) -> str:
    """A phone number with all but its last digits hidden ("+996 ••• 2412")."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) <= SHOWN_DIGITS:
        return MASK
    prefix = ""
    for code in ("996", "7"):
        if phone.strip().startswith("+" + code):
            prefix = "+" + code + " "
            break
    return f"{prefix}{MASK} {digits[-SHOWN_DIGITS:]}"


def _case_conditions(viewer: Actor | None) -> list[ColumnElement[bool]]:
    """Cases of the person on the current row that the viewer may see."""
    return [Case.person_id == Person.id, *(visible_cases(viewer) if viewer else [])]


def case_count_column(viewer: Actor | None) -> ColumnElement[int]:
    """How many of a person's cases the viewer may see (a correlated subquery)."""
    return (
        select(func.count(Case.id))
        .where(*_case_conditions(viewer))
        .correlate(Person)
        .scalar_subquery()
    )


def _spellings(word: str) -> list[str]:
    """The forms a name word may be stored in: as typed, capitalised, upper and lower case."""
    forms = [word, word[:1].upper() + word[1:].lower(), word.upper(), word.lower()]
    return list(dict.fromkeys(forms))


def text_conditions(text: str) -> list[ColumnElement[bool]]:
    """Each word typed must match a name's start, part of the Latin spelling, or a phone.

    Text of digits alone (with spaces, dashes, brackets or "+") is one phone number.
    """
    digits = "".join(ch for ch in text if ch.isdigit())
    if PHONE_TEXT.fullmatch(text.strip()) and len(digits) >= MIN_PHONE_DIGITS:
        return [cast(Person.phones, String).contains(digits, autoescape=True)]
    conditions = []
    for word in text.split():
        alternatives: list[ColumnElement[bool]] = []
        for form in _spellings(word):
            for column in (Person.family_name, Person.given_name, Person.patronymic):
                alternatives.append(column.startswith(form, autoescape=True))
            alternatives.append(Person.latin_name.contains(form, autoescape=True))
        digits = "".join(ch for ch in word if ch.isdigit())
        if len(digits) >= MIN_PHONE_DIGITS and len(digits) == len(word.lstrip("+")):
            alternatives.append(cast(Person.phones, String).contains(digits, autoescape=True))
        conditions.append(or_(*alternatives))
    return conditions


def people_conditions(query: PeopleQuery) -> list[ColumnElement[bool]]:
    """What the viewer may see and what the quick filter keeps."""
    where: list[ColumnElement[bool]] = []
    viewer = query.viewer
    if viewer is not None and not has(viewer, "all_cases"):
        theirs = exists().where(*_case_conditions(viewer))
        where.append(or_(Person.created_by == viewer.user_id, theirs))
    return where + text_conditions(query.text)


def _blank_last(column: Any, blank: Any, descending: bool) -> list[ColumnElement]:
    """Keys that order a nullable column with its empty values after the others, in
    either direction."""
    missing = or_(column.is_(None), column == blank)
    last, first = (0, 1) if descending else (1, 0)
    return [case((missing, last), else_=first), func.coalesce(column, blank)]


def _sort_keys(query: PeopleQuery) -> list[ColumnElement]:
    """The ORDER BY expressions of a sort, the person id last (unique)."""
    name = [Person.family_name, Person.given_name]
    if query.sort == SORT_NAME:
        keys: list[ColumnElement] = name
    elif query.sort == SORT_LATIN:
        keys = [*_blank_last(Person.latin_name, "", query.descending), *name]
    elif query.sort == SORT_SEX:
        keys = [Person.sex, *name]
    elif query.sort == SORT_BIRTH_YEAR:
        keys = [*_blank_last(Person.birth_year, 0, query.descending), *name]
    elif query.sort == SORT_OBLAST:
        keys = [*_blank_last(Person.oblast, "", query.descending), *name]
    elif query.sort == SORT_CASES:
        keys = [case_count_column(query.viewer), *name]
    else:
        raise ValueError(f"unknown people sort: {query.sort!r}")
    return [*keys, Person.id]


def count_people(session: Session, query: PeopleQuery) -> int:
    """How many people the list holds."""
    stmt = select(func.count()).select_from(Person).where(*people_conditions(query))
    return int(session.execute(stmt).scalar_one())


def fetch_people_page(
    session: Session, query: PeopleQuery, *, after: tuple[Any, ...] | None, limit: int
) -> list[PersonRow]:
    """Up to `limit` people in the query's order, starting after the row whose key is `after`.

    The database orders only the sort keys; the page's columns and case counts are then
    read for its (at most `limit`) people.
    """
    keys = _sort_keys(query)
    stmt = select(*keys).select_from(Person).where(*people_conditions(query))
    if after is not None:
        stmt = stmt.where(after_condition(keys, after, query.descending))
    order = [k.desc() if query.descending else k.asc() for k in keys]
    found_keys = [tuple(row) for row in session.execute(stmt.order_by(*order).limit(limit))]
    ids = [key[-1] for key in found_keys]
    if not ids:
        return []
    columns = select(
        Person.id, Person.family_name, Person.given_name, Person.patronymic, Person.latin_name,
        Person.sex, Person.birth_year, Person.oblast, Person.phones,
        case_count_column(query.viewer),
    ).where(Person.id.in_(ids))  # fmt: skip
    found = {row[0]: row for row in session.execute(columns)}
    rows = []
    for key in found_keys:
        row = found.get(key[-1])
        if row is None:  # removed between the two reads
            continue
        rows.append(
            PersonRow(
                id=row[0],
                family_name=row[1] or "",
                given_name=row[2] or "",
                patronymic=row[3] or "",
                latin_name=row[4] or "",
                sex=row[5],
                birth_year=row[6],
                oblast=row[7],
                phones=tuple(str(p) for p in row[8] or ()),
                cases=int(row[9] or 0),
                key=key,
            )
        )
    return rows
