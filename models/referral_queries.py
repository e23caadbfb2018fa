"""Reading the referrals of every case the user may see: the Referrals list, a page at a time.

Each row carries the case number, the institution's name in a chosen language, the
status, the dates and whether an answer is overdue: the letter was sent (or its receipt
acknowledged), the response date has passed and nobody has marked it "no response" yet.
Filters: status, institution, institution kind, overdue only. Pages are read by keyset
("the rows after this one"), in one of a few orders, each ending with the referral id so
that every position is unique. Read-only: status changes go through `models.referrals`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, tuple_
from sqlmodel import Session

from models.actor import Actor
from models.db import Database
from models.permissions import visible_cases
from models.tables import Case, Institution, Referral

# Statuses in which the organisation waits for the institution's answer.
AWAITING_RESPONSE = ("sent", "acknowledged")

SORT_CREATED = "created"
SORT_NUMBER = "number"
SORT_CASE = "case"
SORT_INSTITUTION = "institution"
SORT_STATUS = "status"
SORT_SENT = "sent"
SORT_DUE = "due"
SORTS = (
    SORT_CREATED, SORT_NUMBER, SORT_CASE, SORT_INSTITUTION, SORT_STATUS, SORT_SENT, SORT_DUE,
)  # fmt: skip
_NO_DATE = date(1, 1, 1)


@dataclass(frozen=True)
class ReferralFilter:
    """Which referrals to list, in what order; None / False means "any"."""

    status: str | None = None
    institution_id: uuid.UUID | None = None
    kind: str | None = None
    overdue: bool = False
    case_id: uuid.UUID | None = None
    sort: str = SORT_CREATED
    descending: bool = True


@dataclass(frozen=True)
class ReferralRow:
    """One line of the Referrals list; `key` is where the next page starts after it."""

    id: uuid.UUID
    version: int
    case_id: uuid.UUID
    case_number: str
    institution_id: uuid.UUID
    institution_name: str
    institution_kind: str
    register_number: str | None
    status: str
    language: str
    sent_on: date | None
    response_due_on: date | None
    has_letter: bool
    overdue: bool
    key: tuple[Any, ...]


def institution_name_column(language: str) -> ColumnElement:
    """SQL for an institution's name in `language`, else in the nearest language it has."""
    order = {
        "ky": (Institution.name_ky, Institution.name_ru, Institution.name_en),
        "ru": (Institution.name_ru, Institution.name_en, Institution.name_ky),
    }.get(language, (Institution.name_en, Institution.name_ru, Institution.name_ky))
    return func.coalesce(*(func.nullif(column, "") for column in order), "")


def overdue_condition(today: date) -> ColumnElement[bool]:
    """SQL: the referral waits for an answer whose response date is before `today`."""
    return and_(
        Referral.status.in_(AWAITING_RESPONSE),
        Referral.response_due_on.is_not(None),
        Referral.response_due_on < today,
    )


def is_overdue(status: str, response_due_on: date | None, today: date) -> bool:
    """The same test as `overdue_condition`, for one referral in Python."""
    return status in AWAITING_RESPONSE and response_due_on is not None and response_due_on < today


def _conditions(actor: Actor, query: ReferralFilter, today: date) -> list[ColumnElement]:
    conditions: list[ColumnElement] = list(visible_cases(actor))
    if query.status:
        conditions.append(Referral.status == query.status)
    if query.institution_id is not None:
        conditions.append(Referral.institution_id == query.institution_id)
    if query.kind:
        conditions.append(Institution.kind == query.kind)
    if query.case_id is not None:
        conditions.append(Referral.case_id == query.case_id)
    if query.overdue:
        conditions.append(overdue_condition(today))
    return conditions


def _sort_keys(sort: str, language: str) -> list[ColumnElement]:
    """ORDER BY expressions of a sort, the referral id last; nullable keys coalesced."""
    if sort == SORT_CREATED:
        keys: list[ColumnElement] = [Referral.created_at]
    elif sort == SORT_NUMBER:
        keys = [func.coalesce(Referral.register_number, "")]
    elif sort == SORT_CASE:
        keys = [Case.number]
    elif sort == SORT_INSTITUTION:
        keys = [institution_name_column(language)]
    elif sort == SORT_STATUS:
        keys = [Referral.status]
    elif sort == SORT_SENT:
        keys = [func.coalesce(Referral.sent_on, literal(_NO_DATE))]
    elif sort == SORT_DUE:
        keys = [func.coalesce(Referral.response_due_on, literal(_NO_DATE))]
    else:
        raise ValueError(f"unknown referral sort: {sort!r}")
    return [*keys, Referral.id]


def _after(keys: list[ColumnElement], values: tuple[Any, ...], descending: bool) -> ColumnElement:
    """Rows strictly after `values` in the order of `keys`."""
    bound = [literal(v, type_=k.type) for k, v in zip(keys, values, strict=True)]
    if descending:
        return tuple_(*keys) < tuple_(*bound)
    return tuple_(*keys) > tuple_(*bound)


def _joined(stmt):
    return stmt.join(Case, Case.id == Referral.case_id).join(
        Institution, Institution.id == Referral.institution_id
    )


def count_referrals(session: Session, actor: Actor, query: ReferralFilter, today: date) -> int:
    """How many referrals the list holds with these filters (joins only what they need)."""
    stmt = select(func.count()).select_from(Referral)
    if visible_cases(actor):
        stmt = stmt.join(Case, Case.id == Referral.case_id)
    if query.kind:
        stmt = stmt.join(Institution, Institution.id == Referral.institution_id)
    return int(session.execute(stmt.where(*_conditions(actor, query, today))).scalar_one())


def count_overdue(session: Session, actor: Actor, today: date) -> int:
    """How many referrals the actor may see wait for an answer past their response date."""
    return count_referrals(session, actor, ReferralFilter(overdue=True), today)


def _page_keys(
    session: Session,
    actor: Actor,
    query: ReferralFilter,
    *,
    today: date,
    language: str,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """The sort keys (referral id last) of the next page; joins only what the order and the
    filters need, so the database sorts narrow rows."""
    keys = _sort_keys(query.sort, language)
    stmt = select(*keys).select_from(Referral)
    if visible_cases(actor) or query.sort == SORT_CASE:
        stmt = stmt.join(Case, Case.id == Referral.case_id)
    if query.kind or query.sort == SORT_INSTITUTION:
        stmt = stmt.join(Institution, Institution.id == Referral.institution_id)
    stmt = stmt.where(*_conditions(actor, query, today))
    if after is not None:
        stmt = stmt.where(_after(keys, after, query.descending))
    order = [k.desc() if query.descending else k.asc() for k in keys]
    return [tuple(row) for row in session.execute(stmt.order_by(*order).limit(limit))]


def fetch_referrals(
    session: Session,
    actor: Actor,
    query: ReferralFilter,
    *,
    today: date,
    language: str,
    after: tuple[Any, ...] | None = None,
    limit: int = 200,
) -> list[ReferralRow]:
    """Up to `limit` referrals in the filter's order, starting after the row keyed `after`.

    Two reads: the page's sort keys, then the page's rows with their case and institution.
    """
    page = _page_keys(
        session, actor, query, today=today, language=language, after=after, limit=limit
    )
    if not page:
        return []
    key_of = {key[-1]: key for key in page}
    stmt = _joined(
        select(
            Referral.id, Referral.version, Referral.case_id, Case.number, Referral.institution_id,
            institution_name_column(language), Institution.kind, Referral.register_number,
            Referral.status, Referral.language, Referral.sent_on, Referral.response_due_on,
            Referral.attachment_id,
        ).select_from(Referral)
    ).where(Referral.id.in_(list(key_of)))  # fmt: skip
    rows = {
        r[0]: ReferralRow(
            id=r[0],
            version=r[1],
            case_id=r[2],
            case_number=r[3],
            institution_id=r[4],
            institution_name=r[5],
            institution_kind=r[6],
            register_number=r[7],
            status=r[8],
            language=r[9],
            sent_on=r[10],
            response_due_on=r[11],
            has_letter=r[12] is not None,
            overdue=is_overdue(r[8], r[11], today),
            key=key_of[r[0]],
        )
        for r in session.execute(stmt)
    }
    return [rows[key[-1]] for key in page if key[-1] in rows]


def list_referrals(
    *,
    db: Database,
    actor: Actor,
    query: ReferralFilter | None = None,
    today: date,
    language: str,
    after: tuple[Any, ...] | None = None,
    limit: int = 200,
) -> tuple[int, list[ReferralRow]]:
    """The total with these filters and one page of referrals (what the list shows)."""
    query = query or ReferralFilter()
    with db.read() as session:
        total = count_referrals(session, actor, query, today)
        rows = fetch_referrals(
            session, actor, query, today=today, language=language, after=after, limit=limit
        )
    return total, rows
