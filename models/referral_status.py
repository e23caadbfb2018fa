"""Where a referral stands: moving it through its statuses, and finding unanswered letters.

The transitions are those of `resources/vocab/referral_status.yaml` (draft → sent →
acknowledged → accepted / declined → done; revoked; no_response once a sent letter's
answer is overdue). Every change is checked, refuses a stale `version`, goes on the
case's timeline and into the audit log, in one transaction. Marking a letter sent sets
its sent date and the date an answer is due (`referral_response_days` later).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from models import audit
from models.actor import Actor
from models.db import Database
from models.errors import InvalidTransition, ValidationFailed
from models.permissions import require_case, visible_cases
from models.records import apply_changes, get_or_404, load_for_update
from models.settings import get_setting
from models.tables import Case, CaseEvent, Referral
from models.timeutil import utcnow
from models.validation import check_code, clean_text
from models.vocab import default_vocabularies
from translations import _, current_language

WAITING_STATUSES = ("sent", "acknowledged")


def allowed_referral_statuses(current: str) -> tuple[str, ...]:
    """The statuses a referral in `current` may move to."""
    return default_vocabularies()["referral_status"].transitions(current)


def move_referral(
    session: Session, actor: Actor, referral: Referral, status: str, *, note: str, on: date
) -> None:
    """Move a loaded referral to `status` in the caller's transaction (checked, recorded)."""
    old = referral.status
    vocab = default_vocabularies()["referral_status"]
    lang = current_language()
    if status not in allowed_referral_statuses(old):
        raise InvalidTransition(
            _("A referral cannot go from “{old}” to “{new}”.").format(
                old=vocab.label(old, lang), new=vocab.label(status, lang)
            )
        )
    changes: dict[str, Any] = {"status": status}
    if status == "sent":
        if not referral.register_number:
            raise InvalidTransition(_("Save the letter with a number before marking it as sent."))
        if referral.issued_on is not None and on < referral.issued_on:
            raise ValidationFailed({"on": _("The letter cannot be sent before its date.")})
        days = int(get_setting(session, "referral_response_days"))
        changes.update(sent_on=on, response_due_on=on + timedelta(days=days))
    elif referral.sent_on is not None and on < referral.sent_on:
        raise ValidationFailed({"on": _("The date is before the letter was sent.")})
    diff = apply_changes(referral, changes)
    session.add(referral)
    text = note or _("Referral № {number}: {old} → {new}").format(
        number=referral.register_number or "—",
        old=vocab.label(old, lang),
        new=vocab.label(status, lang),
    )
    session.add(
        CaseEvent(
            case_id=referral.case_id,
            kind="referral",
            occurred_at=utcnow(),
            author_id=actor.user_id,
            text=text,
            data={
                "referral_id": str(referral.id),
                "register_number": referral.register_number,
                "institution_id": str(referral.institution_id),
                "from": old,
                "to": status,
                "on": on.isoformat(),
            },
        )
    )
    audit.record(
        session,
        actor=actor,
        action="status",
        entity="referral",
        entity_id=referral.id,
        changes={**diff, "on": on, "note": bool(note)},
    )


def change_referral_status(
    *,
    db: Database,
    actor: Actor,
    referral_id: uuid.UUID,
    version: int,
    status: str,
    note: str = "",
    on: date | None = None,
) -> Referral:
    """Move a referral to another status on a date (today by default); refuses a stale
    `version` and a move the workflow does not allow. Marking it sent sets the sent date
    and the date an answer is due (`referral_response_days` later)."""
    on = on or date.today()
    fields: dict[str, str] = {}
    if not status:
        fields["status"] = _("This field is required.")
    else:
        try:
            check_code("referral_status", status)
        except ValueError as exc:
            fields["status"] = str(exc)
    try:
        note = clean_text(note, max_length=5000, multiline=True)
    except ValueError as exc:
        fields["note"] = str(exc)
    if on > date.today():
        fields["on"] = _("The date is in the future.")
    if fields:
        raise ValidationFailed(fields)
    with db.write() as session:
        referral = load_for_update(session, Referral, referral_id, version)
        require_case(actor, get_or_404(session, Case, referral.case_id))
        move_referral(session, actor, referral, status, note=note, on=on)
    return referral


def mark_no_response(*, db: Database, actor: Actor, today: date) -> int:
    """Mark sent (or acknowledged) letters whose answer was due before `today` as
    "no response", on the cases the actor may see; return how many changed."""
    with db.write() as session:
        rows = session.exec(
            select(Referral)
            .join(Case, Case.id == Referral.case_id)
            .where(
                Referral.status.in_(WAITING_STATUSES),
                Referral.response_due_on.is_not(None),
                Referral.response_due_on < today,
                *visible_cases(actor),
            )
            .order_by(Referral.response_due_on)
            .with_for_update(of=Referral)
        ).all()
        for referral in rows:
            move_referral(session, actor, referral, "no_response", note="", on=today)
    return len(rows)
