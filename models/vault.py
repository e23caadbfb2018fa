"""A vault: the data folder holding the encrypted database and the users' key slots.

`create_vault` makes a new organisation (database key, schema, first coordinator, slot);
`unlock_vault` turns a user name and password into an open, up-to-date database. The
real vault lives in the user data folder (`KOMOK_DATA_DIR` overrides it); the demo vault
lives in its own `demo` folder beside it so demo data never mixes with real cases.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlmodel import select

from models import audit, errors, keyslots, migrate
from models.actor import Actor
from models.db import Database, open_sqlcipher, open_url
from models.instance_lock import InstanceLock
from models.instance_lock import acquire as acquire_instance_lock
from models.institutions import sync_shipped_institutions
from models.keyslots import DEFAULT_KDF, KdfParams, WrongPasswordError
from models.settings import put_setting
from models.tables import User
from models.throttle import Throttle
from models.timeutil import utcnow
from translations import _

DB_NAME = "komok.db"
KEYS_DIR = "keys"
DEMO_DIR = "demo"


def data_dir() -> Path:
    """The folder that holds Komok's data (KOMOK_DATA_DIR, else the platform's user data dir)."""
    override = os.environ.get("KOMOK_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("komok", appauthor=False))


def demo_dir() -> Path:
    """The folder of the demo vault."""
    return data_dir() / DEMO_DIR


def database_path(vault: Path) -> Path:
    """The database file of a vault."""
    return Path(vault) / DB_NAME


def vault_exists(vault: Path) -> bool:
    """Whether a vault folder holds a database."""
    return database_path(vault).is_file()


@dataclass(frozen=True, repr=False)
class KeyRing:
    """Where the key slots of an SQLCipher vault live, and the unwrapped database key
    (kept in memory only, to write new users' slots and backups)."""

    keys_dir: Path
    key: bytes


@dataclass
class OpenVault:
    """An unlocked database with the signed-in user; `upgrade_copy` if the schema was upgraded.

    `keyring` is set for an SQLCipher vault and None for a PostgreSQL server.
    """

    db: Database
    actor: Actor
    keyring: KeyRing | None = None
    upgrade_copy: Path | None = None
    upgraded_from: str | None = None
    instance_lock: InstanceLock | None = None

    def close(self) -> None:
        """Close the database, then give up the vault's one-app lock if this app held it."""
        try:
            self.db.close()
        finally:
            if self.instance_lock is not None:
                self.instance_lock.release()


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role)


def create_vault(
    vault: Path,
    *,
    organisation: str,
    case_prefix: str,
    username: str,
    display_name: str,
    password: str,
    language: str = "ky",
    kdf: KdfParams = DEFAULT_KDF,
    demo: bool = False,
) -> OpenVault:
    """Create a new encrypted database with its first coordinator; refuse to overwrite one."""
    vault = Path(vault)
    if vault_exists(vault):
        raise errors.StoreError(_("A database already exists in {folder}.").format(folder=vault))
    try:
        vault.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise errors.DataDirError(
            _("Cannot create the data folder {folder}: {reason}").format(
                folder=vault, reason=exc.strerror
            )
        ) from exc
    key = keyslots.new_database_key()
    slot = keyslots.wrap_key(key, username=username, password=password, params=kdf)
    db = open_sqlcipher(database_path(vault), key, create=True)
    try:
        migrate.upgrade(db, backup=False)
        user = User(
            id=uuid.uuid4(),
            username=username,
            display_name=display_name,
            role="coordinator",
            language=language,
        )
        actor = _actor(user)
        with db.write() as session:
            session.add(user)
            session.flush()
            audit.record(session, actor=actor, action="create", entity="user", entity_id=user.id)
            put_setting(session, actor=actor, key="organisation_name", value=organisation)
            put_setting(session, actor=actor, key="case_number_prefix", value=case_prefix)
            if demo:
                put_setting(session, actor=actor, key="demo", value=True)
            else:  # a new organisation starts with the shipped directory (names only)
                sync_shipped_institutions(session, actor=actor)
        keyslots.write_slot(vault / KEYS_DIR, slot)
    except BaseException:
        db.close()
        shutil.rmtree(vault / KEYS_DIR, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(database_path(vault)) + suffix).unlink(missing_ok=True)
        raise
    return OpenVault(db=db, actor=actor, keyring=KeyRing(vault / KEYS_DIR, key))


def _signed_in(db: Database, username: str, failures: int = 0) -> User:
    with db.write() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise WrongPasswordError()
        user.last_login_at = utcnow()
        session.add(user)
        actor = _actor(user)
        if failures:
            audit.record(
                session,
                actor=actor,
                action="failed_login",
                entity="user",
                entity_id=user.id,
                changes={"attempts": failures},
            )
        audit.record(session, actor=actor, action="login", entity="user", entity_id=user.id)
    return user


def sign_in_throttle(place: str, username: str) -> Throttle:
    """The wait record of a user of one vault or server, kept apart from the database."""
    tag = hashlib.sha256(place.encode("utf-8")).hexdigest()[:12]
    return Throttle.for_user(data_dir() / "sign-in-waits" / tag, username)


def _unwrap(vault: Path, username: str, password: str) -> bytes:
    throttle = sign_in_throttle(str(vault.resolve()), username)
    throttle.check()
    try:
        return keyslots.unwrap_key(keyslots.read_slot(vault / KEYS_DIR, username), password)
    except WrongPasswordError:
        throttle.failed()
        raise


def unlock_vault(
    vault: Path, *, username: str, password: str, upgrade: bool = True, lock: bool = False
) -> OpenVault:
    """Open a vault with a user's password, upgrading an older schema (after a copy).

    With `lock` (the desktop app), the vault's one-app lock is taken before the database
    is opened and kept on the result until `OpenVault.close()`; AlreadyOpenError if held.
    """
    vault = Path(vault)
    if not vault_exists(vault):
        raise errors.DataDirError(_("There is no database at {path}.").format(path=vault))
    key = _unwrap(vault, username, password)
    held = acquire_instance_lock(vault) if lock else None
    try:
        try:
            db = open_sqlcipher(database_path(vault), key)
        except errors.WrongKeyError as exc:
            raise errors.CorruptDatabaseError() from exc
        try:
            before, copy = _bring_up_to_date(db, upgrade)
            failures = sign_in_throttle(str(vault.resolve()), username).succeeded()
            user = _signed_in(db, username, failures)
        except BaseException:
            db.close()
            raise
    except BaseException:
        if held is not None:
            held.release()
        raise
    return OpenVault(
        db=db,
        actor=_actor(user),
        keyring=KeyRing(vault / KEYS_DIR, key),
        upgrade_copy=copy,
        upgraded_from=before,
        instance_lock=held,
    )


def _bring_up_to_date(db: Database, upgrade: bool) -> tuple[str | None, Path | None]:
    state = migrate.schema_state(db)
    if state.state == "current":
        return None, None
    if state.state == "newer":
        raise errors.NewerSchemaError()
    if not upgrade:
        raise errors.StoreError(_("The database needs an upgrade: run “komok db upgrade”."))
    return state.revision or "-", migrate.upgrade(db)


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash for server (PostgreSQL) accounts, which have no key slot."""
    return _hasher.hash(password)


def connect_server(url: str, *, username: str, password: str, upgrade: bool = True) -> OpenVault:
    """Open a PostgreSQL database and sign in against the users table's password hashes."""
    db = open_url(url)
    try:
        before, _copy = _bring_up_to_date(db, upgrade)
        with db.read() as session:
            user = session.exec(select(User).where(User.username == username)).first()
        throttle = sign_in_throttle(db.engine.url.render_as_string(hide_password=True), username)
        throttle.check()
        try:
            if user is None or not user.password_hash or not user.active:
                raise WrongPasswordError()
            try:
                _hasher.verify(user.password_hash, password)
            except VerificationError:
                raise WrongPasswordError() from None
        except WrongPasswordError:
            throttle.failed()
            if user is not None:
                with db.write() as session:
                    audit.record(
                        session,
                        actor=_actor(user),
                        action="failed_login",
                        entity="user",
                        entity_id=user.id,
                        changes={"attempts": 1},
                    )
            raise
        throttle.succeeded()
        user = _signed_in(db, username)
    except BaseException:
        db.close()
        raise
    return OpenVault(db=db, actor=_actor(user), upgraded_from=before)
