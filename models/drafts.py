"""Drafts: a user's unsaved editor state, kept in the encrypted database so nothing is lost.

An open case (or a new intake) saves what its editors hold but has not saved yet a few
seconds after each change and when the app locks. After a crash or a kill the next
opening of that case offers to restore it. A draft belongs to one user and is never
shown to anyone else; it is deleted when the work is saved or discarded.

Drafts are scratch copies, not records: saving one is not written to the audit log (it
happens every few seconds while typing); the change it leads to is audited when saved.
Personal text in a draft stays inside the database (SQLCipher or the office server),
never in a plain file.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models.actor import Actor
from models.db import Database
from models.errors import NotFoundError, PermissionDenied, ValidationFailed
from models.permissions import require_case
from models.records import get_or_404
from models.tables import Case, Draft
from models.timeutil import utcnow
from translations import _

INTAKE_KEY = "intake"
MAX_KEY_LENGTH = 80
MAX_DRAFT_BYTES = 2_000_000


def case_draft_key(case_id: uuid.UUID) -> str:
    """The draft key of an open case's editors."""
    return f"case:{case_id}"


@dataclass(frozen=True)
class DraftRecord:
    """A saved draft: which editor (`key`), for which case, its state and when it was kept."""

    key: str
    case_id: uuid.UUID | None
    data: dict[str, Any]
    updated_at: datetime


def _record(row: Draft) -> DraftRecord:
    return DraftRecord(key=row.key, case_id=row.case_id, data=row.data, updated_at=row.updated_at)


def _user(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise PermissionDenied(_("Only a signed-in user can keep drafts."))
    return actor.user_id


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed({"key": _("Not a valid value.")})
    return key


def _check_data(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed({"data": _("Not a valid value.")})
    try:
        encoded = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise ValidationFailed({"data": _("Not a valid value.")}) from None
    if len(encoded.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ValidationFailed(
            {"data": _("The unsaved changes are too large to keep as a draft; save them.")}
        )
    return json.loads(encoded)


def _find(session: Session, user_id: uuid.UUID, key: str) -> Draft | None:
    return session.exec(select(Draft).where(Draft.user_id == user_id, Draft.key == key)).first()


def save_draft(
    *,
    db: Database,
    actor: Actor,
    key: str,
    data: dict[str, Any],
    case_id: uuid.UUID | None = None,
) -> DraftRecord:
    """Keep (or replace) the actor's draft under `key`; `data` must be JSON-compatible."""
    user_id = _user(actor)
    key = _check_key(key)
    data = _check_data(data)
    with db.write() as session:
        if case_id is not None:
            require_case(actor, get_or_404(session, Case, case_id))
        row = session.exec(
            select(Draft).where(Draft.user_id == user_id, Draft.key == key).with_for_update()
        ).first()
        now = utcnow()
        if row is None:
            row = Draft(user_id=user_id, key=key, case_id=case_id, data=data)
        else:
            row.data, row.case_id = data, case_id
            row.updated_at, row.version = now, row.version + 1
        session.add(row)
        session.flush()
        return _record(row)


def load_draft(*, db: Database, actor: Actor, key: str) -> DraftRecord | None:
    """The actor's draft under `key`, or None (also when its case is no longer visible)."""
    user_id = _user(actor)
    with db.read() as session:
        row = _find(session, user_id, _check_key(key))
        if row is None:
            return None
        if row.case_id is not None:
            try:
                require_case(actor, get_or_404(session, Case, row.case_id))
            except NotFoundError:
                return None
        return _record(row)


def discard_draft(*, db: Database, actor: Actor, key: str) -> bool:
    """Delete the actor's draft under `key`; returns whether there was one."""
    user_id = _user(actor)
    with db.write() as session:
        row = _find(session, user_id, _check_key(key))
        if row is None:
            return False
        session.delete(row)
        return True


def list_drafts(*, db: Database, actor: Actor) -> list[DraftRecord]:
    """The actor's drafts, most recently kept first."""
    user_id = _user(actor)
    with db.read() as session:
        rows = session.exec(
            select(Draft).where(Draft.user_id == user_id).order_by(Draft.updated_at.desc())
        ).all()
        return [_record(row) for row in rows]
