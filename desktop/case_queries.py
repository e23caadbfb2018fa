"""The case list's reads: a count and one page of cases at a time, in any column's order.

Pages are read by keyset ("the rows after this one"), not OFFSET, so the thousandth page
costs what the first one does. Each order is a list of key expressions ending with the
case id, which makes every position unique. Nullable keys are coalesced so that the
comparison `(keys) > (last row's keys)` is exact. The default order, newest first by
`opened_on`, walks the `ix_cases_opened_on` index; number and status have indexes too.
Other orders make the database sort all keys, which on a million cases takes seconds:
the model runs these reads off the UI thread. Categories of a page come in one query
for all its cases. No Qt here: the model in `case_list_model` calls these.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, tuple_
from sqlmodel import Session

from models.tables import Case, CaseCategory, Person, User
from models.vocab import default_vocabularies

SORT_NUMBER = "number"
SORT_CLIENT = "client"
SORT_STATUS = "status"
SORT_CATEGORIES = "categories"
SORT_DESTINATION = "destination"
SORT_OPENED = "opened"
SORT_ASSIGNED = "assigned"
SORTS = (
    SORT_NUMBER, SORT_CLIENT, SORT_STATUS, SORT_CATEGORIES, SORT_DESTINATION, SORT_OPENED,
    SORT_ASSIGNED,
)  # fmt: skip


@dataclass(frozen=True)
class CaseListQuery:
    """Which cases the list shows and in what order (`only_assigned_to` limits a volunteer)."""

    sort: str = SORT_OPENED
    descending: bool = True
    only_assigned_to: uuid.UUID | None = None


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list; `key` is where the next page starts after it."""

    id: uuid.UUID
    number: str
    family_name: str
    given_name: str
    status: str
    opened_on: date
    destination_country: str | None
    destination_region: str | None
    assigned_name: str | None
    categories: tuple[str, ...]
    key: tuple[Any, ...]


def _sort_keys(sort: str) -> list[ColumnElement]:
    """The ORDER BY expressions of a sort, the case id last (unique, so pages never overlap)."""
    if sort == SORT_NUMBER:
        keys: list[ColumnElement] = [Case.number]
    elif sort == SORT_CLIENT:
        keys = [Person.family_name, Person.given_name]
    elif sort == SORT_STATUS:
        keys = [Case.status, Case.opened_on]  # by code: walks ix_cases_status_opened
    elif sort == SORT_CATEGORIES:
        first = (
            select(func.min(CaseCategory.code))
            .where(CaseCategory.case_id == Case.id)
            .scalar_subquery()
        )
        keys = [func.coalesce(first, "")]
    elif sort == SORT_DESTINATION:
        keys = [
            func.coalesce(Case.destination_country, ""),
            func.coalesce(Case.destination_region, ""),
        ]
    elif sort == SORT_OPENED:
        keys = [Case.opened_on]
    elif sort == SORT_ASSIGNED:
        keys = [func.coalesce(User.display_name, "")]
    else:
        raise ValueError(f"unknown case list sort: {sort!r}")
    return [*keys, Case.id]


def _visible(query: CaseListQuery) -> list[ColumnElement]:
    if query.only_assigned_to is not None:
        return [Case.assigned_user_id == query.only_assigned_to]
    return []


def count_cases(session: Session, query: CaseListQuery) -> int:
    """How many cases the list holds."""
    stmt = select(func.count()).select_from(Case).where(*_visible(query))
    return int(session.execute(stmt).scalar_one())


def _after(keys: list[ColumnElement], values: tuple[Any, ...], descending: bool) -> ColumnElement:
    """Rows strictly after `values` in the order of `keys`."""
    bound = [literal(v, type_=k.type) for k, v in zip(keys, values, strict=True)]
    if descending:
        # The redundant first-key bound lets the database range-scan an index on it.
        return and_(keys[0] <= bound[0], tuple_(*keys) < tuple_(*bound))
    return and_(keys[0] >= bound[0], tuple_(*keys) > tuple_(*bound))


def _categories(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    """Category codes of some cases (one query), each in vocabulary order."""
    if not ids:
        return {}
    rank = {c: i for i, c in enumerate(default_vocabularies()["category"].codes)}
    found: dict[uuid.UUID, list[str]] = {}
    stmt = select(CaseCategory.case_id, CaseCategory.code).where(CaseCategory.case_id.in_(ids))
    for case_id, code in session.execute(stmt):
        found.setdefault(case_id, []).append(code)
    return {
        case_id: tuple(sorted(codes, key=lambda c: (rank.get(c, len(rank)), c)))
        for case_id, codes in found.items()
    }


def _page_keys(
    session: Session, query: CaseListQuery, *, after: tuple[Any, ...] | None, limit: int
) -> list[tuple[Any, ...]]:
    """The sort keys (case id last) of the next page; joins only the table it sorts by."""
    keys = _sort_keys(query.sort)
    stmt = select(*keys).select_from(Case).where(*_visible(query))
    if query.sort == SORT_CLIENT:
        stmt = stmt.join(Person, Person.id == Case.person_id)
    elif query.sort == SORT_ASSIGNED:
        stmt = stmt.outerjoin(User, User.id == Case.assigned_user_id)
    if after is not None:
        stmt = stmt.where(_after(keys, after, query.descending))
    stmt = stmt.order_by(*[k.desc() if query.descending else k.asc() for k in keys]).limit(limit)
    return [tuple(row) for row in session.execute(stmt)]


def fetch_page(
    session: Session, query: CaseListQuery, *, after: tuple[Any, ...] | None, limit: int
) -> list[CaseRow]:
    """Up to `limit` cases in the query's order, starting after the row whose key is `after`.

    Two steps keep sorting cheap on large databases: the database orders only the sort
    keys, then the page's columns are read for its (at most `limit`) case ids.
    """
    keys = _page_keys(session, query, after=after, limit=limit)
    ids = [key[-1] for key in keys]
    if not ids:
        return []
    stmt = (
        select(
            Case.id,
            Case.number,
            Person.family_name,
            Person.given_name,
            Case.status,
            Case.opened_on,
            Case.destination_country,
            Case.destination_region,
            User.display_name,
        )
        .select_from(Case)
        .join(Person, Person.id == Case.person_id)
        .outerjoin(User, User.id == Case.assigned_user_id)
        .where(Case.id.in_(ids))
    )
    found = {row[0]: row for row in session.execute(stmt)}
    categories = _categories(session, ids)
    rows = []
    for key in keys:
        row = found.get(key[-1])
        if row is None:  # deleted between the two reads
            continue
        rows.append(
            CaseRow(
                id=row[0],
                number=row[1],
                family_name=row[2] or "",
                given_name=row[3] or "",
                status=row[4],
                opened_on=row[5],
                destination_country=row[6],
                destination_region=row[7],
                assigned_name=row[8],
                categories=categories.get(row[0], ()),
                key=key,
            )
        )
    return rows
