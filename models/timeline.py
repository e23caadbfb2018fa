"""Services for a case's timeline (notes, calls, meetings, documents) and its follow-ups."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from models import audit
from models.actor import Actor
from models.db import Database
from models.errors import ValidationFailed
from models.permissions import require_case
from models.records import get_or_404, load_for_update
from models.schemas import EventCreate, FollowUpCreate
from models.tables import Case, CaseEvent, FollowUp
from models.timeutil import utcnow
from models.validation import validate
from translations import _


def add_event(
    *, db: Database, actor: Actor, case_id: uuid.UUID, data: EventCreate | Mapping[str, Any]
) -> CaseEvent:
    """Add a note, call, meeting or document entry to a case's timeline."""
    values = validate(EventCreate, data)
    with db.write() as session:
        require_case(actor, get_or_404(session, Case, case_id))
        event = CaseEvent(
            case_id=case_id,
            kind=values.kind,
            occurred_at=values.occurred_at or utcnow(),
            author_id=actor.user_id,
            text=values.text,
        )
        session.add(event)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="event",
            entity_id=event.id,
            changes={"case_id": case_id, "kind": values.kind},
        )
    return event


def add_follow_up(
    *, db: Database, actor: Actor, case_id: uuid.UUID, data: FollowUpCreate | Mapping[str, Any]
) -> FollowUp:
    """Add something to do on a case by a date."""
    values = validate(FollowUpCreate, data)
    with db.write() as session:
        require_case(actor, get_or_404(session, Case, case_id))
        follow_up = FollowUp(case_id=case_id, **values.model_dump())
        session.add(follow_up)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="follow_up",
            entity_id=follow_up.id,
            changes={"case_id": case_id, "due_on": values.due_on, "rule": values.rule_code},
        )
    return follow_up


def complete_follow_up(
    *,
    db: Database,
    actor: Actor,
    follow_up_id: uuid.UUID,
    version: int,
    done_on: date | None = None,
) -> FollowUp:
    """Mark a follow-up as done (today unless a date is given)."""
    done_on = done_on or date.today()
    if done_on > date.today():
        raise ValidationFailed({"done_on": _("The date is in the future.")})
    with db.write() as session:
        follow_up = load_for_update(session, FollowUp, follow_up_id, version)
        require_case(actor, get_or_404(session, Case, follow_up.case_id))
        follow_up.done_on = done_on
        follow_up.version += 1
        follow_up.updated_at = utcnow()
        session.add(follow_up)
        audit.record(
            session,
            actor=actor,
            action="complete",
            entity="follow_up",
            entity_id=follow_up.id,
            changes={"done_on": done_on},
        )
    return follow_up
