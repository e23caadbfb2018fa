"""Who is acting: the signed-in user (or the system) on whose behalf a service runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

ROLES = ("volunteer", "caseworker", "coordinator")


@dataclass(frozen=True)
class Actor:
    """The user behind a change: recorded in the audit log and checked against roles."""

    user_id: uuid.UUID | None
    username: str
    role: str

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for jobs no person started (migrations, demo generation)."""
        return cls(user_id=None, username=name, role="coordinator")
