"""Organisation settings stored in the database (name, case-number prefix, …)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from models import audit
from models.actor import Actor
from models.errors import ValidationFailed
from models.numbering import DEFAULT_CASE_PREFIX
from models.tables import Setting
from models.timeutil import utcnow
from translations import _

DEFAULTS: dict[str, Any] = {
    "organisation_name": "",
    "case_number_prefix": DEFAULT_CASE_PREFIX,
    "demo": False,
    "lock_minutes": 5,
}
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")


def get_setting(session: Session, key: str) -> Any:
    """A setting's value, or its default."""
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def _check(key: str, value: Any) -> Any:
    if key == "case_number_prefix" and (not isinstance(value, str) or not _PREFIX.match(value)):
        raise ValidationFailed(
            {key: _("Use 1–10 capital Latin letters or digits, starting with a letter.")}
        )
    if key == "lock_minutes" and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120
    ):
        raise ValidationFailed({key: _("Choose between 1 and 120 minutes.")})
    if key == "organisation_name":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValidationFailed(
                {key: _("Enter the organisation's name (up to 200 characters).")}
            )
        value = value.strip()
    return value


def put_setting(session: Session, *, actor: Actor, key: str, value: Any) -> None:
    """Set a setting in the caller's transaction, audited."""
    value = _check(key, value)
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
