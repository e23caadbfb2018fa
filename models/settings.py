"""Organisation settings stored in the database (name, case-number prefix, …)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from models import audit
from models.actor import Actor
from models.errors import ValidationFailed
from models.letter_settings import LETTER_DEFAULTS, check_letter_setting
from models.numbering import DEFAULT_CASE_PREFIX
from models.tables import Setting
from models.timeutil import utcnow
from translations import _

DEFAULTS: dict[str, Any] = {
    "organisation_name": "",
    "case_number_prefix": DEFAULT_CASE_PREFIX,
    "demo": False,
    "lock_minutes": 5,
    # Largest document a case may hold (see models.attachments), in megabytes.
    "attachment_max_mb": 20,
    # Scheduled backups (see models.backup): target folder ("" = none), hours between
    # backups (0 = off) and how many backup files to keep in the folder.
    "backup_folder": "",
    "backup_interval_hours": 24,
    "backup_keep": 10,
    # Anonymize cases closed this many months ago (see models.retention); 0 = off.
    "retention_months": 0,
    # Referral letters (checked in models.letter_settings): outgoing-register number format,
    # days before a sent letter counts as unanswered, letterhead and signer.
    **LETTER_DEFAULTS,
}
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
MIN_RETENTION_MONTHS = 6
MAX_RETENTION_MONTHS = 1200


def get_setting(session: Session, key: str) -> Any:
    """A setting's value, or its default."""
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def check_setting(key: str, value: Any) -> Any:
    """Validate (and normalise) a setting value; ValidationFailed when it does not fit."""
    if key == "case_number_prefix" and (not isinstance(value, str) or not _PREFIX.match(value)):
        raise ValidationFailed(
            {key: _("Use 1–10 capital Latin letters or digits, starting with a letter.")}
        )
    if key == "lock_minutes" and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120
    ):
        raise ValidationFailed({key: _("Choose between 1 and 120 minutes.")})
    if key == "attachment_max_mb" and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 200
    ):
        raise ValidationFailed({key: _("Choose between 1 and 200 MB.")})
    if key == "organisation_name":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValidationFailed(
                {key: _("Enter the organisation's name (up to 200 characters).")}
            )
        value = value.strip()
    if key == "backup_folder":
        if not isinstance(value, str) or len(value) > 1000 or "\x00" in value:
            raise ValidationFailed({key: _("Enter a folder path, or leave it empty.")})
        value = value.strip()
    if key in ("backup_interval_hours", "backup_keep"):
        least = 0 if key == "backup_interval_hours" else 1
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= 100_000:
            raise ValidationFailed(
                {key: _("Enter a whole number of at least {least}.").format(least=least)}
            )
    if key in LETTER_DEFAULTS:
        try:
            value = check_letter_setting(key, value)
        except ValueError as exc:
            raise ValidationFailed({key: str(exc)}) from None
    if key == "retention_months" and not (
        valid_retention_months(value) or (type(value) is int and value == 0)
    ):
        raise ValidationFailed(
            {key: _("Enter 0 to keep cases, or anonymize them after 6 to 1200 months.")}
        )
    return value


def valid_retention_months(value: Any) -> bool:
    """Whether `value` is a retention period in months (6 up to 1200)."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and MIN_RETENTION_MONTHS <= value <= MAX_RETENTION_MONTHS
    )


def put_setting(session: Session, *, actor: Actor, key: str, value: Any) -> None:
    """Set a setting in the caller's transaction, audited."""
    value = check_setting(key, value)
    row = session.get(Setting, key)
    old = row.value if row is not None else None
    if row is None:
        row = Setting(key=key, value=value)
    else:
        row.value, row.updated_at, row.version = value, utcnow(), row.version + 1
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="setting",
        entity_id=key,
        changes={"value": [old, value]},
    )


def change_setting(*, db, actor: Actor, key: str, value: Any) -> None:
    """Change one organisation setting (coordinators only), validated and audited."""
    from models.permissions import require

    require(actor, "settings")
    if key not in DEFAULTS or key == "demo":
        raise ValidationFailed({key: _("This setting is not known.")})
    with db.write() as session:
        put_setting(session, actor=actor, key=key, value=value)
