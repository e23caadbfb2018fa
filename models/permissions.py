"""Who may do what: the role rules, enforced in the services (the UI only mirrors them).

volunteer — own cases (created by or assigned to them) only; caseworker — all cases;
coordinator — all cases plus users, settings, statistics exports, the audit log and
overriding a missing consent.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement

from models.actor import Actor
from models.errors import NotFoundError, PermissionDenied
from models.tables import Case
from translations import N_, _

# What each permission means, for messages (translated when shown).
PERMISSIONS: dict[str, str] = {
    "all_cases": N_("work on every case"),
    "manage_users": N_("manage users"),
    "settings": N_("change the organisation's settings"),
    "export_statistics": N_("export statistics"),
    "view_audit": N_("view the audit log"),
    "override_consent": N_("override a missing consent"),
    "retention": N_("anonymize old cases"),
    "backup": N_("make and restore backups"),
}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "volunteer": frozenset(),
    "caseworker": frozenset({"all_cases"}),
    "coordinator": frozenset(PERMISSIONS),
}


def has(actor: Actor, permission: str) -> bool:
    """Whether the actor's role grants `permission`."""
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor, permission: str) -> None:
    """Raise PermissionDenied unless the actor's role grants `permission`."""
    if not has(actor, permission):
        raise PermissionDenied(
            _("Your role does not allow you to {action}.").format(
                action=_(PERMISSIONS.get(permission, permission))
            )
        )


def can_see_case(actor: Actor, case: Case) -> bool:
    """Whether the actor may read and change this case."""
    if has(actor, "all_cases"):
        return True
    return actor.user_id is not None and actor.user_id in (case.assigned_user_id, case.created_by)


def require_case(actor: Actor, case: Case) -> None:
    """Refuse a case the actor may not see, as if it did not exist (no probing)."""
    if not can_see_case(actor, case):
        raise NotFoundError()


def visible_cases(actor: Actor) -> list[ColumnElement[bool]]:
    """WHERE conditions that limit a case query to what the actor may see."""
    if has(actor, "all_cases"):
        return []
    return [or_(Case.assigned_user_id == actor.user_id, Case.created_by == actor.user_id)]
