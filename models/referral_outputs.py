"""A referral's stored letter: reading it back, and recording each time it leaves the app.

The PDF is kept in the `attachments` table with the case (encrypted with the database);
reading it is audited, and so is every copy that leaves the app — saved as a file,
printed, written by the command line — with the parameters used.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from models import audit
from models.actor import Actor
from models.db import Database
from models.errors import CorruptDatabaseError, NotFoundError
from models.permissions import require_case
from models.records import get_or_404
from models.tables import Attachment, Case, Referral
from translations import _


def _stored(session: Session, actor: Actor, referral_id: uuid.UUID) -> tuple[Referral, bytes]:
    referral = get_or_404(session, Referral, referral_id)
    require_case(actor, get_or_404(session, Case, referral.case_id))
    row = session.get(Attachment, referral.attachment_id) if referral.attachment_id else None
    if row is None:
        raise NotFoundError(_("This referral has no stored letter."))
    content = bytes(row.content)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise CorruptDatabaseError(
            _("The stored letter is damaged; restore the database from a backup.")
        )
    return referral, content


def stored_letter(*, db: Database, actor: Actor, referral_id: uuid.UUID) -> bytes:
    """The PDF stored with a referral; the reading is recorded in the audit log."""
    with db.write() as session:
        referral, content = _stored(session, actor, referral_id)
        audit.record(
            session,
            actor=actor,
            action="view",
            entity="referral",
            entity_id=referral.id,
            changes={"case_id": referral.case_id, "what": "letter"},
        )
    return content


LETTER_OUTPUTS = ("save_pdf", "print", "cli")


def record_letter_output(
    *,
    db: Database,
    actor: Actor,
    referral_id: uuid.UUID,
    output: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Record in the audit log that a stored letter left the app (saved as a file,
    printed, written by the command line), with the parameters used."""
    if output not in LETTER_OUTPUTS:
        raise ValueError(output)
    with db.write() as session:
        referral = get_or_404(session, Referral, referral_id)
        require_case(actor, get_or_404(session, Case, referral.case_id))
        audit.record(
            session,
            actor=actor,
            action="export",
            entity="referral",
            entity_id=referral.id,
            changes={
                "case_id": referral.case_id,
                "output": output,
                "register_number": referral.register_number,
                **dict(params or {}),
            },
        )
