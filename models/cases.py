"""Services for cases: open, update, and move through the status workflow.

Each function validates its input, runs in one transaction, writes an audit entry in
that transaction, and refuses a stale `version`. Status changes follow the transitions
in `resources/vocab/case_status.yaml` and leave an entry on the case's timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session, delete, select

from models import audit, search_index
from models.actor import Actor
from models.db import Database
from models.errors import InvalidTransition, ValidationFailed
from models.numbering import next_case_number
from models.permissions import require_case
from models.records import apply_changes, audit_changes, get_or_404, load_for_update
from models.schemas import CaseCreate, CaseUpdate, StatusChange
from models.settings import get_setting
from models.tables import Case, CaseCategory, CaseEvent, Person
from models.timeutil import utcnow
from models.validation import validate
from models.vocab import default_vocabularies
from translations import _

ADULT_AGE = 18


def is_minor(person: Person, on: date) -> bool:
    """Whether the client is under 18 on a date (by birth date, else by birth year)."""
    if person.birth_date is not None:
        b = person.birth_date
        age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
        return age < ADULT_AGE
    if person.birth_year is not None:
        return on.year - person.birth_year < ADULT_AGE
    return False


def case_categories(session: Session, case_id: uuid.UUID) -> list[str]:
    """The category codes of a case, in vocabulary order."""
    codes = set(session.exec(select(CaseCategory.code).where(CaseCategory.case_id == case_id)))
    return [c for c in default_vocabularies()["category"].codes if c in codes]


def _set_categories(session: Session, case_id: uuid.UUID, codes: list[str]) -> None:
    session.exec(delete(CaseCategory).where(CaseCategory.case_id == case_id))
    for code in codes:
        session.add(CaseCategory(case_id=case_id, code=code))


def open_case(*, db: Database, actor: Actor, data: CaseCreate | Mapping[str, Any]) -> Case:
    """Open a new case for an existing person; returns it with its new case number."""
    values = validate(CaseCreate, data)
    fields = values.model_dump(exclude={"categories", "assigned_user_id"})
    now = utcnow()
    opened_on = fields.pop("opened_on") or date.today()
    with db.write() as session:
        person = get_or_404(session, Person, values.person_id)
        prefix = get_setting(session, "case_number_prefix")
        case = Case(
            **fields,
            opened_on=opened_on,
            number=next_case_number(session, prefix, opened_on.year),
            minor=is_minor(person, opened_on),
            created_by=actor.user_id,
            assigned_user_id=values.assigned_user_id or actor.user_id,
            consent_store_at=now,
            consent_refer_at=now if values.consent_refer else None,
            consent_stats_at=now if values.consent_stats else None,
        )
        session.add(case)
        session.flush()
        _set_categories(session, case.id, values.categories)
        search_index.index_person(session, person)  # the client's entry gets the number
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="case",
            entity_id=case.id,
            changes={"number": case.number, "categories": values.categories},
        )
    return case


def update_case(
    *,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    version: int,
    data: CaseUpdate | Mapping[str, Any],
) -> Case:
    """Change a case's fields (not its status); refuses a stale `version`."""
    values = validate(CaseUpdate, data)
    changes = values.model_dump(exclude_unset=True)
    categories = changes.pop("categories", None)
    for key in ("destination_city", "employer_name"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "risk_level" in changes and changes["risk_level"] is None:
        changes["risk_level"] = "low"
    if "details" in changes and changes["details"] is None:
        changes["details"] = {}
    with db.write() as session:
        case = load_for_update(session, Case, case_id, version)
        require_case(actor, case)
        country = changes.get("destination_country", case.destination_country)
        region = changes.get("destination_region", case.destination_region)
        try:
            values._check_region(country, region)
        except ValueError as exc:
            raise ValidationFailed({"destination_region": str(exc)}) from None
        now = utcnow()
        for consent in ("consent_refer", "consent_stats"):
            if consent in changes and changes[consent] != getattr(case, consent):
                changes[f"{consent}_at"] = now if changes[consent] else None
        diff = apply_changes(case, changes)
        if categories is not None:
            before = case_categories(session, case.id)
            if set(before) != set(categories):  # the same set in another order is no change
                _set_categories(session, case.id, categories)
                diff["categories"] = [before, categories]
                if len(diff) == 1:
                    case.version += 1
                    case.updated_at = now
        if diff:
            session.add(case)
            if "assigned_user_id" in diff:  # the new assignee's searches find the client
                session.flush()
                search_index.index_person(session, get_or_404(session, Person, case.person_id))
            audit.record(
                session,
                actor=actor,
                action="update",
                entity="case",
                entity_id=case.id,
                changes=audit_changes(diff),
            )
    return case


def view_case(*, db: Database, actor: Actor, case_id: uuid.UUID) -> Case:
    """Open a case for reading; the view is recorded in the audit log."""
    with db.write() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        audit.record(session, actor=actor, action="view", entity="case", entity_id=case.id)
    return case


def allowed_statuses(current: str) -> tuple[str, ...]:
    """The statuses a case in `current` may move to."""
    return default_vocabularies()["case_status"].transitions(current)


def change_status(
    *,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    version: int,
    data: StatusChange | Mapping[str, Any],
) -> Case:
    """Move a case to a new status (closing needs a reason; reopening is audited)."""
    values = validate(StatusChange, data)
    with db.write() as session:
        case = load_for_update(session, Case, case_id, version)
        require_case(actor, case)
        old = case.status
        if values.status not in allowed_statuses(old):
            vocab = default_vocabularies()["case_status"]
            from translations import current_language

            lang = current_language()
            raise InvalidTransition(
                _("A case cannot go from “{old}” to “{new}”.").format(
                    old=vocab.label(old, lang), new=vocab.label(values.status, lang)
                )
            )
        changes: dict[str, Any] = {"status": values.status}
        if values.status == "closed":
            changes.update(closure_reason=values.closure_reason, closed_on=date.today())
        elif old == "closed":
            changes.update(closure_reason=None, closed_on=None)
        apply_changes(case, changes)
        session.add(case)
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="status_change",
                occurred_at=utcnow(),
                author_id=actor.user_id,
                text=values.note,
                data={"from": old, "to": values.status, "reason": values.closure_reason},
            )
        )
        action = "reopen" if old == "closed" else "status"
        audit.record(
            session,
            actor=actor,
            action=action,
            entity="case",
            entity_id=case.id,
            changes={"status": [old, values.status], "closure_reason": values.closure_reason},
        )
    return case
