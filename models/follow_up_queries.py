"""Read-only lists of open follow-ups for the Follow-ups screen: overdue, today, this week,
later.

Only follow-ups not yet done, on cases that are not closed and that the signed-in user may
see (`models.permissions.visible_cases`), optionally only those assigned to them (the
follow-up's own assignee, else the case's). "This week" runs from tomorrow to Sunday of the
current week; each bucket holds at most `limit` rows (the earliest), with its full count
beside it. Rows come with the case number, the client's name and the assignee's name, so
the screen needs no further reads. No Qt here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from models.actor import Actor
from models.db import Database
from models.permissions import visible_cases
from models.tables import Case, FollowUp, Person, User

OVERDUE = "overdue"
TODAY = "today"
THIS_WEEK = "this_week"
LATER = "later"
BUCKETS = (OVERDUE, TODAY, THIS_WEEK, LATER)
DEFAULT_LIMIT = 500


@dataclass(frozen=True)
class FollowUpRow:
    """One open follow-up as the list shows it."""

    id: uuid.UUID
    version: int
    case_id: uuid.UUID
    case_number: str
    family_name: str
    given_name: str
    title: str
    due_on: date
    rule_code: str | None
    assignee: str
    note: str

    @property
    def client(self) -> str:
        """The client's name as lists show it: family name, then given name."""
        return " ".join(part for part in (self.family_name, self.given_name) if part)


@dataclass(frozen=True)
class FollowUpLists:
    """Open follow-ups by bucket (each earliest first) and the full count of each bucket."""

    today: date
    rows: dict[str, list[FollowUpRow]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def bucket(self, name: str) -> list[FollowUpRow]:
        """The rows of one bucket (see BUCKETS)."""
        return self.rows.get(name, [])


def week_end(today: date) -> date:
    """The Sunday that ends `today`'s week (Monday to Sunday)."""
    return today + timedelta(days=6 - today.weekday())


def bucket_of(due_on: date, today: date) -> str:
    """Which bucket a due date falls in on `today`."""
    if due_on < today:
        return OVERDUE
    if due_on == today:
        return TODAY
    if due_on <= week_end(today):
        return THIS_WEEK
    return LATER


def _ranges(today: date) -> dict[str, tuple[date | None, date | None]]:
    return {
        OVERDUE: (None, today - timedelta(days=1)),
        TODAY: (today, today),
        THIS_WEEK: (today + timedelta(days=1), week_end(today)),
        LATER: (week_end(today) + timedelta(days=1), None),
    }


def _row(r) -> FollowUpRow:
    ident, version, case_id, number, family, given, title, due, rule, who, note = r
    return FollowUpRow(
        ident, version, case_id, number, family or "", given or "", title, due, rule, who or "",
        note or "",
    )  # fmt: skip


def open_follow_ups(
    *,
    db: Database,
    actor: Actor,
    today: date | None = None,
    mine_only: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> FollowUpLists:
    """The open follow-ups the actor may see, by bucket (see the module docstring)."""
    today = today or date.today()
    assignee = aliased(User)
    assignee_id = func.coalesce(FollowUp.assigned_user_id, Case.assigned_user_id)
    conditions = [FollowUp.done_on.is_(None), Case.status != "closed", *visible_cases(actor)]
    if mine_only:
        conditions.append(assignee_id == actor.user_id)
    rows: dict[str, list[FollowUpRow]] = {}
    counts: dict[str, int] = {}
    with db.read() as session:
        for name, (low, high) in _ranges(today).items():
            where = list(conditions)
            if low is not None:
                where.append(FollowUp.due_on >= low)
            if high is not None:
                where.append(FollowUp.due_on <= high)
            base = select(FollowUp.id).join(Case, Case.id == FollowUp.case_id).where(and_(*where))
            counts[name] = session.execute(
                select(func.count()).select_from(base.subquery())
            ).scalar_one()
            if not counts[name]:
                rows[name] = []
                continue
            columns = (
                FollowUp.id, FollowUp.version, FollowUp.case_id, Case.number,
                Person.family_name, Person.given_name, FollowUp.title, FollowUp.due_on,
                FollowUp.rule_code, assignee.display_name, FollowUp.note,
            )  # fmt: skip
            query = (
                select(*columns)
                .join(Case, Case.id == FollowUp.case_id)
                .join(Person, Person.id == Case.person_id)
                .outerjoin(assignee, assignee.id == assignee_id)
                .where(and_(*where))
                .order_by(FollowUp.due_on, Case.number, FollowUp.id)
                .limit(limit)
            )
            rows[name] = [_row(r) for r in session.execute(query)]
    return FollowUpLists(today=today, rows=rows, counts=counts)


def overdue_count(*, db: Database, actor: Actor, today: date | None = None) -> int:
    """How many open follow-ups the actor may see are past their due date."""
    today = today or date.today()
    with db.read() as session:
        return session.execute(
            select(func.count())
            .select_from(FollowUp)
            .join(Case, Case.id == FollowUp.case_id)
            .where(
                FollowUp.done_on.is_(None),
                FollowUp.due_on < today,
                Case.status != "closed",
                *visible_cases(actor),
            )
        ).scalar_one()


__all__ = [
    "BUCKETS",
    "LATER",
    "OVERDUE",
    "THIS_WEEK",
    "TODAY",
    "FollowUpLists",
    "FollowUpRow",
    "bucket_of",
    "open_follow_ups",
    "overdue_count",
    "week_end",
]
