"""What an open case shows: the case, its client, timeline, follow-ups, referrals, documents.

`load_case_snapshot` reads everything the case workspace needs in one go (one read
session after the audited `view_case`), as plain values the window can keep: the
workspace never holds a database session. Nothing here writes except the audit entry of
opening the case. No Qt here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from models.actor import Actor
from models.attachments import AttachmentInfo, list_attachments
from models.cases import case_categories, view_case
from models.db import Database
from models.permissions import require_case, visible_cases
from models.records import get_or_404
from models.tables import Case, CaseEvent, FollowUp, Institution, Person, Referral, User


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline, with its author's name."""

    id: uuid.UUID
    kind: str
    occurred_at: datetime
    author_name: str
    text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class FollowUpEntry:
    """A follow-up of the case."""

    id: uuid.UUID
    title: str
    due_on: date
    done_on: date | None
    rule_code: str | None
    note: str
    version: int
    assigned_name: str


@dataclass(frozen=True)
class ReferralEntry:
    """A referral of the case, with its institution's names in each language."""

    id: uuid.UUID
    register_number: str | None
    status: str
    institution_names: dict[str, str]
    language: str
    sent_on: date | None
    response_due_on: date | None
    created_at: datetime

    def institution(self, lang: str) -> str:
        """The institution's name in `lang`, else in any language it has."""
        names = self.institution_names
        return names.get(lang) or names.get("ru") or names.get("en") or names.get("ky") or ""


@dataclass(frozen=True)
class UserChoice:
    """A user a case can be assigned to."""

    id: uuid.UUID
    display_name: str
    role: str
    active: bool


@dataclass(frozen=True)
class CaseSnapshot:
    """Everything an open case shows, read at one moment."""

    case: Case
    person: Person
    categories: list[str]
    assigned_name: str
    events: list[TimelineEntry] = field(default_factory=list)
    follow_ups: list[FollowUpEntry] = field(default_factory=list)
    referrals: list[ReferralEntry] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)
    users: list[UserChoice] = field(default_factory=list)
    person_case_count: int = 1

    @property
    def next_follow_up(self) -> FollowUpEntry | None:
        """The earliest follow-up not yet done."""
        open_ones = [f for f in self.follow_ups if f.done_on is None]
        return min(open_ones, key=lambda f: f.due_on) if open_ones else None


def _names(session: Session) -> dict[uuid.UUID, str]:
    return {uid: name for uid, name in session.exec(select(User.id, User.display_name))}


def timeline(session: Session, case_id: uuid.UUID) -> list[TimelineEntry]:
    """A case's timeline, newest first."""
    names = _names(session)
    rows = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.occurred_at.desc(), CaseEvent.created_at.desc())
    ).all()
    return [
        TimelineEntry(
            id=e.id, kind=e.kind, occurred_at=e.occurred_at,
            author_name=names.get(e.author_id, "") if e.author_id else "",
            text=e.text, data=dict(e.data or {}),
        )
        for e in rows
    ]


def follow_ups(session: Session, case_id: uuid.UUID) -> list[FollowUpEntry]:
    """A case's follow-ups: open ones by due date, then done ones, latest done first."""
    names = _names(session)
    rows = session.exec(select(FollowUp).where(FollowUp.case_id == case_id)).all()
    entries = [
        FollowUpEntry(
            id=f.id, title=f.title, due_on=f.due_on, done_on=f.done_on, rule_code=f.rule_code,
            note=f.note, version=f.version,
            assigned_name=names.get(f.assigned_user_id, "") if f.assigned_user_id else "",
        )
        for f in rows
    ]
    open_ones = sorted((f for f in entries if f.done_on is None), key=lambda f: f.due_on)
    done = sorted(
        (f for f in entries if f.done_on is not None), key=lambda f: f.done_on, reverse=True
    )
    return open_ones + done


def referrals(session: Session, case_id: uuid.UUID) -> list[ReferralEntry]:
    """A case's referrals, newest first."""
    rows = session.exec(
        select(Referral, Institution)
        .join(Institution, Institution.id == Referral.institution_id)
        .where(Referral.case_id == case_id)
        .order_by(Referral.created_at.desc())
    ).all()
    return [
        ReferralEntry(
            id=r.id, register_number=r.register_number, status=r.status,
            institution_names={"en": i.name_en, "ru": i.name_ru, "ky": i.name_ky},
            language=r.language, sent_on=r.sent_on, response_due_on=r.response_due_on,
            created_at=r.created_at,
        )
        for r, i in rows
    ]


def user_choices(session: Session) -> list[UserChoice]:
    """Every user, active ones first, by name (for the assignee pick-list)."""
    rows = session.exec(select(User).order_by(User.display_name)).all()
    users = [UserChoice(u.id, u.display_name, u.role, u.active) for u in rows]
    return sorted(users, key=lambda u: not u.active)


def load_case_snapshot(
    *, db: Database, actor: Actor, case_id: uuid.UUID, audit_view: bool = True
) -> CaseSnapshot:
    """Read an open case's whole picture; with `audit_view` the opening is audited."""
    if audit_view:
        view_case(db=db, actor=actor, case_id=case_id)
    with db.read() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        person = get_or_404(session, Person, case.person_id)
        assigned = session.get(User, case.assigned_user_id) if case.assigned_user_id else None
        count = session.exec(
            select(func.count()).select_from(Case).where(Case.person_id == person.id)
        ).one()
        snapshot = CaseSnapshot(
            case=case,
            person=person,
            categories=case_categories(session, case.id),
            assigned_name=assigned.display_name if assigned is not None else "",
            events=timeline(session, case.id),
            follow_ups=follow_ups(session, case.id),
            referrals=referrals(session, case.id),
            users=user_choices(session),
            person_case_count=int(count),
        )
    attachments = list_attachments(db=db, actor=actor, case_id=case_id)
    return replace(snapshot, attachments=attachments)


def latest_case_of(*, db: Database, actor: Actor, person_id: uuid.UUID) -> uuid.UUID | None:
    """The most recently opened case of a client that the actor may see, if any."""
    with db.read() as session:
        return session.exec(
            select(Case.id)
            .where(Case.person_id == person_id, *visible_cases(actor))
            .order_by(Case.opened_on.desc(), Case.created_at.desc())
            .limit(1)
        ).first()
