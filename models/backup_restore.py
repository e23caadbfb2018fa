"""Restoring a `.kbk` backup: decrypt, verify completely, then switch vaults.

The payload decrypts to the SQLCipher-encrypted database file (never plain on disk) in
a hidden folder beside the target. Only when the copy passes every check (integrity,
SQLCipher page MACs, schema revision, audit chain, the restoring user's permission) is
the vault in the target folder moved aside — kept, never deleted — and the restored
one moved in. Used through `models.backup`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlmodel import select

from models import audit, errors, keyslots, migrate
from models.actor import Actor
from models.backup_format import (
    PROGRESS_TOTAL,
    STAMP,
    BackupDamagedError,
    BackupInfo,
    Progress,
    Reporter,
    decrypt_backup,
    fsync_dir,
    os_error,
    private_file,
    read_header,
)
from models.db import Database, open_sqlcipher, translate_error
from models.permissions import require
from models.tables import User
from models.timeutil import utcnow
from models.vault import DB_NAME, KEYS_DIR, database_path
from translations import _

# What belongs to one vault inside its folder (the data folder also holds other things).
VAULT_ITEMS = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", KEYS_DIR)


def read_backup_header(path: Path) -> BackupInfo:
    """What a backup file holds (date, schema revision, user names, size), without a password.

    Raises BackupDamagedError (a CorruptDatabaseError) for a damaged or foreign file.
    """
    return read_header(Path(path))[1]


def _unpack(path: Path, key: bytes, header: dict, work: Path, report: Reporter) -> None:
    """Decrypt the payload into work/komok.db (an SQLCipher file) and write the slots."""
    total = header["payload"]["size"]
    private_file(work / DB_NAME)
    with path.open("rb") as source, (work / DB_NAME).open("r+b") as out:
        decrypt_backup(source, key, out, progress=lambda done: report(0, done, total))
        out.flush()
        os.fsync(out.fileno())
    for slot in header["slots"]:
        if slot.get("format") != keyslots.SLOT_FORMAT or not re.fullmatch(
            r"[^/\\\x00]{1,200}", slot["username"]
        ):
            raise BackupDamagedError()
        keyslots.write_slot(work / KEYS_DIR, slot)


def _check_database(db: Database) -> None:
    """Integrity, encryption MACs, schema (brought up to date) and the audit chain."""
    with db.engine.connect() as conn:
        if conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() != ["ok"]:
            raise BackupDamagedError(_("The database in the backup fails its integrity check."))
        try:
            pages = conn.exec_driver_sql("PRAGMA cipher_integrity_check").all()
        except sa_exc.DBAPIError:
            pages = []
        if pages:
            raise BackupDamagedError(_("The database in the backup has damaged pages."))
    state = migrate.schema_state(db)
    if state.state == "newer":
        raise errors.NewerSchemaError()
    if state.state == "empty":
        raise BackupDamagedError()
    if state.state == "behind":
        migrate.upgrade(db, backup=False)  # the backup file itself is the copy
    with db.read() as session:
        chain = audit.verify_chain(session)
    if not chain.ok:
        raise BackupDamagedError(
            _("The audit log in the backup is broken at entry #{seq} ({problem}).").format(
                seq=chain.first_bad_seq, problem=chain.problem
            )
        )


def _verify(work: Path, key: bytes, username: str) -> Actor:
    """Open the unpacked database, check it completely, and return the restoring user."""
    try:
        db = open_sqlcipher(work / DB_NAME, key)
    except errors.WrongKeyError as exc:
        raise BackupDamagedError() from exc
    try:
        _check_database(db)
        with db.read() as session:
            user = session.exec(select(User).where(User.username == username)).first()
    except sa_exc.DBAPIError as exc:
        error = translate_error(exc)
        if isinstance(error, errors.DiskFullError):
            raise error from exc
        raise BackupDamagedError(_("The database in the backup is damaged.")) from exc
    finally:
        db.close()
    if user is None or not user.active:
        raise keyslots.WrongPasswordError()
    actor = Actor(user_id=user.id, username=user.username, role=user.role)
    require(actor, "backup")
    return actor


def _move(items: list[str], source: Path, dest: Path) -> None:
    for item in items:
        os.replace(source / item, dest / item)


def _switch(work: Path, target: Path) -> Path | None:
    """Put the restored vault in `target`; the vault that was there goes aside, kept."""
    if not target.exists():
        os.replace(work, target)
        fsync_dir(target.parent)
        return None
    old = [item for item in VAULT_ITEMS if (target / item).exists()]
    new = [item for item in VAULT_ITEMS if (work / item).exists()]
    aside = None
    if old:
        stamp = utcnow().strftime(STAMP)
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        n = 1
        while aside.exists():
            aside, n = target.with_name(f"{target.name}.before-restore-{stamp}-{n}"), n + 1
        aside.mkdir(mode=0o700)
        _move(old, target, aside)
    try:
        _move(new, work, target)
    except OSError:
        _move([item for item in new if (target / item).exists()], target, work)
        if aside is not None:
            _move(old, aside, target)
            aside.rmdir()
        raise
    fsync_dir(target)
    return aside


def restore_backup(
    path: Path, target: Path, *, username: str, password: str, progress: Progress | None = None
) -> Path | None:
    """Restore a backup file into the vault folder `target`, verified before it switches.

    The user's password opens their key slot in the backup (WrongPasswordError if not);
    the user must be allowed to restore ("backup" permission in the restored data). The
    vault in `target` must be closed; it is moved to `<target>.before-restore-<stamp>`,
    whose path is returned (None when there was none). On any failure `target` is
    untouched and nothing is left beside it.
    """
    path, target = Path(path), Path(target)
    header, info = read_header(path)
    if info.revision and info.revision not in migrate.known_revisions():
        raise errors.NewerSchemaError()
    slot = next((s for s in header["slots"] if s["username"] == username), None)
    if slot is None:
        raise keyslots.WrongPasswordError()
    key = keyslots.unwrap_key(slot, password)
    report = Reporter(progress, (PROGRESS_TOTAL * 4 // 5,))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
    except OSError as exc:
        raise os_error(exc, target.parent) from exc
    try:
        _unpack(path, key, header, work, report)
        report(1, 0, 1)
        actor = _verify(work, key, username)
        report(1, 1, 1)
        aside = _switch(work, target)
    except OSError as exc:
        raise os_error(exc, target.parent) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    db = open_sqlcipher(database_path(target), key)
    try:
        with db.write() as session:
            audit.record(
                session, actor=actor, action="restore", entity="database",
                changes={
                    "file": path.name,
                    "made_at": info.created_at,
                    "set_aside": aside.name if aside else None,
                },
            )  # fmt: skip
    finally:
        db.close()
    return aside
