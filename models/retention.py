"""Retention: anonymize cases closed long ago, keeping only what the statistics need.

A coordinator first previews what would be anonymized (`preview_anonymization`), then
confirms with the previewed count (`anonymize_closed_cases`). Anonymizing removes every
name, phone number, free text and attachment of a case closed more than the given number
of months ago; the columns the statistics count (sex, birth year, oblast, destination,
sector, categories, status, closure reason, dates, consents) stay as they were, so past
monthly summaries can still be produced. A client's personal details are removed only
when all of their cases qualify (or were anonymized before). An anonymized case carries
`details["anonymized_on"]` and is skipped by later runs.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, not_, or_, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from models import audit, search_index
from models.actor import Actor
from models.db import Database
from models.errors import StaleEditError, ValidationFailed
from models.permissions import require
from models.records import apply_changes
from models.settings import valid_retention_months
from models.tables import Attachment, Case, CaseEvent, Draft, FollowUp, Person, Referral
from models.timeutil import utcnow
from translations import _

ANONYMIZED_KEY = "anonymized_on"
# Keys of `Case.details` that only hold statistical codes and numbers: kept.
STATISTICAL_DETAILS = (
    "forced_labour_indicators",
    "unpaid_currency",
    "unpaid_amount",
    "unpaid_months",
)
PREVIEW_NUMBERS = 50
_BATCH = 500


@dataclass(frozen=True)
class RetentionPreview:
    """What anonymizing would do: counts, and the first case numbers for the coordinator."""

    months: int
    cutoff: date  # cases closed before this day qualify
    case_count: int
    case_numbers: tuple[str, ...]  # the first PREVIEW_NUMBERS, oldest closure first
    people_count: int  # clients whose personal details would be removed
    attachment_count: int  # attachments that would be deleted
    event_count: int  # timeline entries whose text would be blanked


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_months(months: Any) -> int:
    if not valid_retention_months(months):
        raise ValidationFailed(
            {"months": _("Enter 0 to keep cases, or anonymize them after 6 to 1200 months.")}
        )
    return months


def _not_anonymized(table: Any = Case) -> ColumnElement[bool]:
    return table.details[ANONYMIZED_KEY].as_string().is_(None)


def _qualifying(cutoff: date) -> list[ColumnElement[bool]]:
    """WHERE conditions of the cases to anonymize: closed before `cutoff`, not yet done."""
    return [
        Case.status == "closed",
        Case.closed_on.is_not(None),
        Case.closed_on < cutoff,
        _not_anonymized(),
    ]


def _people_condition(cutoff: date) -> ColumnElement[bool]:
    """Whether a qualifying case's client has no other case that must keep their details."""
    other = aliased(Case)
    keeps_details = and_(
        other.person_id == Case.person_id,
        _not_anonymized(other),
        or_(other.status != "closed", other.closed_on.is_(None), other.closed_on >= cutoff),
    )
    return not_(exists().where(keeps_details))


def _batches(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), _BATCH):
        yield list(ids[start : start + _BATCH])


def _preview(session: Session, months: int, cutoff: date) -> RetentionPreview:
    where = _qualifying(cutoff)
    numbers = session.exec(
        select(Case.number).where(*where).order_by(Case.closed_on, Case.number)
    ).all()
    people = session.scalar(
        select(func.count(func.distinct(Case.person_id))).where(*where, _people_condition(cutoff))
    )
    attachments = session.scalar(
        select(func.count(Attachment.id)).join(Case, Attachment.case_id == Case.id).where(*where)
    )
    events = session.scalar(
        select(func.count(CaseEvent.id))
        .join(Case, CaseEvent.case_id == Case.id)
        .where(*where, CaseEvent.text != "")
    )
    return RetentionPreview(
        months=months,
        cutoff=cutoff,
        case_count=len(numbers),
        case_numbers=tuple(numbers[:PREVIEW_NUMBERS]),
        people_count=people or 0,
        attachment_count=attachments or 0,
        event_count=events or 0,
    )


def preview_anonymization(
    db: Database, actor: Actor, *, months: int, today: date | None = None
) -> RetentionPreview:
    """What `anonymize_closed_cases` would change for cases closed over `months` months ago."""
    require(actor, "retention")
    months = _check_months(months)
    cutoff = months_before(today or date.today(), months)
    with db.read() as session:
        return _preview(session, months, cutoff)


def _anonymize_case(row: Case, today: date) -> None:
    details = row.details or {}
    kept = {k: details[k] for k in STATISTICAL_DETAILS if k in details}
    apply_changes(
        row,
        {
            "employer_name": "",
            "destination_city": "",
            "details": {**kept, ANONYMIZED_KEY: today.isoformat()},
        },
    )


def _anonymize_person(person: Person) -> None:
    apply_changes(
        person,
        {
            "family_name": "",
            "given_name": "",
            "patronymic": "",
            "latin_name": "",
            "phones": [],
            "birth_date": None,  # the birth year stays, for age bands
            "rayon": "",
        },
    )


def _blank_case_records(session: Session, case_ids: list[uuid.UUID]) -> None:
    """Remove the free text and documents recorded on these cases."""
    now = utcnow()
    quiet = {"synchronize_session": False}
    session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.text != "")
        .values(text="", version=CaseEvent.version + 1, updated_at=now)
        .execution_options(**quiet)
    )
    session.execute(
        update(FollowUp)
        .where(FollowUp.case_id.in_(case_ids))
        .values(
            note="",
            # A hand-written title is free text; a rule's title only names the rule.
            title=case((FollowUp.rule_code.is_(None), ""), else_=FollowUp.title),
            version=FollowUp.version + 1,
            updated_at=now,
        )
        .execution_options(**quiet)
    )
    documents = select(Attachment.id).where(Attachment.case_id.in_(case_ids))
    session.execute(
        update(Referral)
        .where(or_(Referral.case_id.in_(case_ids), Referral.attachment_id.in_(documents)))
        .values(
            reason="",
            # An empty reason still shows that a missing consent was overridden.
            consent_override_reason=case(
                (Referral.consent_override_reason.is_(None), None), else_=""
            ),
            attachment_id=None,
            version=Referral.version + 1,
            updated_at=now,
        )
        .execution_options(**quiet)
    )
    session.execute(
        delete(Attachment).where(Attachment.case_id.in_(case_ids)).execution_options(**quiet)
    )
    session.execute(  # unsaved editor text (drafts) is personal too
        delete(Draft).where(Draft.case_id.in_(case_ids)).execution_options(**quiet)
    )


def _secure_delete(session: Session, on: bool | None) -> bool | None:
    """Overwrite freed SQLite space with zeros while anonymizing; returns the old setting."""
    if session.get_bind().dialect.name == "postgresql":
        return None
    conn = session.connection()
    before = bool(conn.exec_driver_sql("PRAGMA secure_delete").scalar())
    conn.exec_driver_sql(f"PRAGMA secure_delete = {1 if on else 0}")
    return before


def anonymize_closed_cases(
    db: Database,
    actor: Actor,
    *,
    months: int,
    expected_count: int,
    today: date | None = None,
) -> int:
    """Anonymize the previewed cases in one transaction; returns how many were anonymized.

    Refuses (changing nothing) when the number of qualifying cases is no longer the
    previewed `expected_count`: someone changed cases since the preview.
    """
    require(actor, "retention")
    months = _check_months(months)
    today = today or date.today()
    cutoff = months_before(today, months)
    with db.write() as session:
        rows = session.exec(
            select(Case).where(*_qualifying(cutoff)).order_by(Case.id).with_for_update()
        ).all()
        if len(rows) != expected_count:
            raise StaleEditError(
                _(
                    "The cases to anonymize changed since the preview ({expected} then, "
                    "{count} now). Nothing was changed; preview again."
                ).format(expected=expected_count, count=len(rows))
            )
        if not rows:
            return 0
        case_ids = [row.id for row in rows]
        candidates = sorted({row.person_id for row in rows})
        kept_secure_delete = _secure_delete(session, True)
        # Lock the clients (PostgreSQL): a case being opened for one of them meanwhile
        # either committed before (and is seen below) or waits until this is done.
        people: list[Person] = []
        for batch in _batches(candidates):
            people += session.exec(
                select(Person).where(Person.id.in_(batch)).with_for_update()
            ).all()
        keep: set[uuid.UUID] = set()
        qualifying = set(case_ids)
        for batch in _batches(candidates):
            for person_id, case_id, details in session.exec(
                select(Case.person_id, Case.id, Case.details).where(Case.person_id.in_(batch))
            ):
                if case_id in qualifying or ANONYMIZED_KEY in (details or {}):
                    continue
                keep.add(person_id)  # an open or recent case still needs their details
        for row in rows:
            _anonymize_case(row, today)
            session.add(row)
        for person in people:
            if person.id not in keep:
                _anonymize_person(person)
                session.add(person)
        session.flush()
        for person in people:  # names and phones leave the search index; numbers stay
            if person.id not in keep:
                search_index.index_person(session, person)
        search_index.purge_forgotten(session)
        for batch in _batches(case_ids):
            _blank_case_records(session, batch)
        audit.record(
            session,
            actor=actor,
            action="anonymize",
            entity="case",
            changes={
                "months": months,
                "count": len(rows),
                "people": len(people) - len(keep),
            },
        )
        _secure_delete(session, kept_secure_delete)
    _drop_old_page_images(db)
    return len(rows)


def _drop_old_page_images(db: Database) -> None:
    """Empty SQLite's write-ahead log, which still holds the pages as they were before."""
    if db.kind != "sqlcipher":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
