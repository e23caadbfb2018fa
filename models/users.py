"""Services for accounts: add users, change passwords, deactivate; with their key slots.

On an SQLCipher vault each user's password unlocks their own key slot (the database key
wrapped for them), so adding a user writes a slot, changing a password rewrites only that
slot, and removing a user deletes it. On a PostgreSQL server users sign in against an
Argon2id hash in the users table. Only coordinators manage other users.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from argon2.exceptions import VerificationError
from sqlmodel import select

from models import audit, keyslots
from models.errors import PermissionDenied, ValidationFailed
from models.permissions import require
from models.records import load_for_update
from models.tables import User
from models.timeutil import utcnow
from models.validation import check_code, clean_text
from models.vault import OpenVault, hash_password
from translations import LANGUAGES, _

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_COMMON = frozenset(
    {
        "password12",
        "1234567890",
        "0123456789",
        "qwertyuiop",
        "1q2w3e4r5t",
        "йцукенгшщз",
        "komokkomok",
        "passwordpassword",
        "qwerty1234",
        "1234512345",
        "asdfghjkl;",
    }
)


def check_password(password: str, *, username: str) -> None:
    """Refuse a password a thief could guess; length matters, symbols are not required."""
    text = unicodedata.normalize("NFC", password or "")
    problem = None
    if len(text) < MIN_PASSWORD_LENGTH:
        problem = _("Use at least {n} characters; a few words in a row work well.").format(
            n=MIN_PASSWORD_LENGTH
        )
    elif len(set(text)) < 4:
        problem = _("Use more different characters.")
    elif text.lower() in _COMMON:
        problem = _("This password is too common.")
    elif len(username) >= 3 and username.lower() in text.lower():
        problem = _("The password must not contain the user name.")
    if problem:
        raise ValidationFailed({"password": problem})


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise ValidationFailed(
            {"username": _("2–32 Latin letters, digits, dots, dashes or underscores.")}
        )
    return name


def create_user(
    *,
    opened: OpenVault,
    username: str,
    display_name: str,
    role: str,
    password: str,
    language: str = "ky",
) -> User:
    """Add an account (coordinators only) with its key slot or password hash."""
    actor = opened.actor
    require(actor, "manage_users")
    username = check_username(username)
    errors: dict[str, str] = {}
    try:
        display_name = clean_text(display_name, max_length=200)
        if not display_name:
            errors["display_name"] = _("This field is required.")
    except ValueError as exc:
        errors["display_name"] = str(exc)
    try:
        check_code("role", role)
    except ValueError as exc:
        errors["role"] = str(exc)
    if language not in LANGUAGES:
        errors["language"] = _("Not a valid value.")
    if errors:
        raise ValidationFailed(errors)
    check_password(password, username=username)
    slot_written = None
    try:
        with opened.db.write() as session:
            if session.exec(select(User.id).where(User.username == username)).first():
                raise ValidationFailed({"username": _("This user name is already taken.")})
            user = User(
                id=uuid.uuid4(),
                username=username,
                display_name=display_name,
                role=role,
                language=language,
                password_hash=None if opened.keyring else hash_password(password),
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="create",
                entity="user",
                entity_id=user.id,
                changes={"username": username, "role": role},
            )
            if opened.keyring:
                slot = keyslots.wrap_key(opened.keyring.key, username=username, password=password)
                slot_written = keyslots.write_slot(opened.keyring.keys_dir, slot)
    except BaseException:
        if slot_written is not None:
            slot_written.unlink(missing_ok=True)
        raise
    return user


def _verify_current(opened: OpenVault, user: User, password: str) -> None:
    if opened.keyring:
        slot = keyslots.read_slot(opened.keyring.keys_dir, user.username)
        keyslots.unwrap_key(slot, password)
        return
    from models.vault import _hasher

    try:
        _hasher.verify(user.password_hash or "", password)
    except VerificationError:
        raise keyslots.WrongPasswordError() from None


def change_password(
    *,
    opened: OpenVault,
    username: str,
    new_password: str,
    current_password: str | None = None,
) -> None:
    """Set a new password: one's own (with the current one) or, as coordinator, anyone's."""
    actor = opened.actor
    own = username == actor.username
    if not own:
        require(actor, "manage_users")
    check_password(new_password, username=username)
    with opened.db.write() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise ValidationFailed({"username": _("There is no such user.")})
        if own:
            _verify_current(opened, user, current_password or "")
        user.updated_at, user.version = utcnow(), user.version + 1
        if not opened.keyring:
            user.password_hash = hash_password(new_password)
        session.add(user)
        audit.record(
            session,
            actor=actor,
            action="password",
            entity="user",
            entity_id=user.id,
            changes={"reset_by_coordinator": not own},
        )
        if opened.keyring:
            slot = keyslots.wrap_key(opened.keyring.key, username=username, password=new_password)
            keyslots.write_slot(opened.keyring.keys_dir, slot)


def _active_coordinators(session) -> int:
    return len(session.exec(select(User.id).where(User.role == "coordinator", User.active)).all())


def set_active(*, opened: OpenVault, user_id: uuid.UUID, version: int, active: bool) -> User:
    """Deactivate (remove) or reactivate an account; a removed user's key slot is deleted,
    so that password no longer opens the database. Reactivating needs a new password."""
    actor = opened.actor
    require(actor, "manage_users")
    with opened.db.write() as session:
        user = load_for_update(session, User, user_id, version)
        if not active and user.id == actor.user_id:
            raise PermissionDenied(_("You cannot remove your own account."))
        if not active and user.role == "coordinator" and _active_coordinators(session) <= 1:
            raise PermissionDenied(_("The last coordinator cannot be removed."))
        user.active = active
        user.updated_at, user.version = utcnow(), user.version + 1
        session.add(user)
        audit.record(
            session,
            actor=actor,
            action="delete" if not active else "update",
            entity="user",
            entity_id=user.id,
            changes={"active": active},
        )
        if not active and opened.keyring:
            keyslots.slot_path(opened.keyring.keys_dir, user.username).unlink(missing_ok=True)
    return user
