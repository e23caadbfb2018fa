"""Checking the signed-in user's password again, to unlock a locked window.

Throttled and audited exactly like signing in: the same wait record, and `unlock` or
`failed_login` entries in the audit log.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models import audit, keyslots
from models.keyslots import WrongPasswordError
from models.tables import User
from models.throttle import Throttle
from models.vault import OpenVault, sign_in_throttle


def throttle_for(opened: OpenVault) -> Throttle:
    """The wrong-password record that signing in to this database also uses."""
    if opened.keyring is not None:
        place = str(Path(opened.keyring.keys_dir).parent.resolve())
    else:
        place = opened.db.engine.url.render_as_string(hide_password=True)
    return sign_in_throttle(place, opened.actor.username)


def _check_password(opened: OpenVault, password: str) -> None:
    with opened.db.read() as session:
        user = session.get(User, opened.actor.user_id)
    if user is None or not user.active:
        raise WrongPasswordError()
    if opened.keyring is not None:
        slot = keyslots.read_slot(opened.keyring.keys_dir, user.username)
        keyslots.unwrap_key(slot, password)
        return
    try:
        PasswordHasher().verify(user.password_hash or "", password)
    except (VerificationError, InvalidHashError):
        raise WrongPasswordError() from None


def verify_password(opened: OpenVault, password: str) -> None:
    """Check the signed-in user's password to unlock; audited and throttled like a sign-in.

    Raises WrongPasswordError or LoginThrottled. Slow (Argon2): run it in the background.
    """
    throttle = throttle_for(opened)
    throttle.check()
    actor = opened.actor
    try:
        _check_password(opened, password)
    except WrongPasswordError:
        throttle.failed()
        with opened.db.write() as session:
            audit.record(
                session, actor=actor, action="failed_login", entity="user",
                entity_id=actor.user_id, changes={"attempts": 1, "at": "unlock"},
            )  # fmt: skip
        raise
    throttle.succeeded()
    with opened.db.write() as session:
        audit.record(session, actor=actor, action="unlock", entity="user", entity_id=actor.user_id)
