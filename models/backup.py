"""Encrypted backups of an SQLCipher vault: one click, on a schedule, and restoring one.

A backup is one `.kbk` file (format in `models.backup_format`): a consistent snapshot of
the live database taken with the SQLite backup API while the app keeps writing, plus the
users' key slots, sealed under a key derived from the database key. Nothing personal is
written in plain form on the way: the snapshot is an SQLCipher file with the same key and
is deleted afterwards; restoring decrypts back to that SQLCipher file. A restore is
verified completely before it replaces anything, and the vault it replaces is set aside,
never deleted. PostgreSQL servers are backed up with the server's own tools.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlcipher3

from models import audit, errors, keyslots, migrate
from models.backup_format import (
    PROGRESS_TOTAL,
    STAMP,
    SUFFIX,
    BackupCancelled,
    BackupDamagedError,
    BackupInfo,
    Progress,
    Reporter,
    app_version,
    fsync_dir,
    new_header,
    os_error,
    private_file,
    remove_with_journals,
    write_backup,
)
from models.backup_restore import read_backup_header, restore_backup
from models.db import PLAIN_SQLITE_HEADER, Database, translate_error
from models.permissions import has, require
from models.settings import get_setting
from models.timeutil import utcnow
from models.vault import OpenVault
from translations import _

__all__ = [
    "BackupCancelled",
    "BackupDamagedError",
    "BackupInfo",
    "backup_due",
    "make_backup",
    "prune_backups",
    "read_backup_header",
    "restore_backup",
    "run_scheduled_backup",
]

NAME_PATTERN = re.compile(
    r"^komok-backup-(?P<prefix>[A-Z][A-Z0-9]{0,9})-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d{1,4}))?"
    + re.escape(SUFFIX)
    + "$"
)
STEP_PAGES = 256  # pages copied per backup step (1 MiB at SQLCipher's 4 KiB pages)
LEFTOVER_AGE = 24 * 3600  # seconds after which an interrupted backup's files are removed


# --- making a backup ---------------------------------------------------------------------


def _database_key(opened: OpenVault) -> bytes:
    require(opened.actor, "backup")
    if opened.db.kind != "sqlcipher" or opened.keyring is None:
        raise errors.StoreError(
            _(
                "Komok does not back up a database on a PostgreSQL server. Use the server's own "
                "backups (pg_dump); ask the server's administrator."
            )
        )
    return opened.keyring.key


def _copy_database(db: Database, target: Path, on_step: Callable[[int, int], None]) -> None:
    """A consistent snapshot of the live database into `target`, encrypted with its key.

    The copy runs inside one read transaction on the source connection: in WAL mode other
    writers go on committing, and the copy stays the snapshot taken when it began.
    """
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        dest = sqlcipher3.connect(str(target))
        try:
            dest.execute(f'PRAGMA key = "{db.engine.url.password}"')
            source.execute("BEGIN")
            try:
                source.execute("SELECT count(*) FROM sqlite_master").fetchone()
                source.backup(
                    dest, pages=STEP_PAGES, sleep=0,
                    progress=lambda _status, left, total: on_step(total - left, total),
                )  # fmt: skip
            finally:
                if source.in_transaction:
                    source.execute("ROLLBACK")
        finally:
            dest.close()
    except sqlcipher3.Error as exc:
        raise (translate_error(exc) or errors.StoreError(str(exc))) from exc
    finally:
        raw.close()


def _slots(keys_dir: Path) -> list[dict]:
    return [keyslots.read_slot(keys_dir, p.stem) for p in sorted(keys_dir.glob("*.slot"))]


def _unique_name(folder: Path, prefix: str, when: datetime) -> str:
    base = f"komok-backup-{prefix}-{when.strftime(STAMP)}"
    name, n = f"{base}{SUFFIX}", 1
    while (folder / name).exists() or (folder / f"{name}.partial").exists():
        name, n = f"{base}-{n}{SUFFIX}", n + 1
    return name


def make_backup(opened: OpenVault, folder: Path, *, progress: Progress | None = None) -> Path:
    """Write an encrypted backup of the open vault into `folder` and return its path.

    Works while the app is writing. `progress(done, total)` is called as it goes;
    returning False cancels (BackupCancelled). Needs the "backup" permission and an
    SQLCipher vault. On any failure nothing is left in `folder`.
    """
    key = _database_key(opened)
    assert opened.keyring is not None
    folder = Path(folder)
    try:
        # Not parents=True: an unplugged drive must not turn into a folder on this disk.
        folder.mkdir(exist_ok=True)
    except FileNotFoundError as exc:
        raise errors.DataDirError(
            _("The backup folder {folder} cannot be reached. Is the drive connected?").format(
                folder=folder
            )
        ) from exc
    except OSError as exc:
        raise os_error(exc, folder) from exc
    with opened.db.read() as session:
        prefix = get_setting(session, "case_number_prefix")
    revision = migrate.schema_state(opened.db).revision or ""
    created = utcnow()
    name = _unique_name(folder, prefix, created)
    final, partial, copy = folder / name, folder / f"{name}.partial", folder / f".{name}.copy"
    report = Reporter(progress, (PROGRESS_TOTAL // 2,))
    try:
        private_file(copy)
        _copy_database(opened.db, copy, lambda done, total: report(0, done, total))
        size = copy.stat().st_size
        with copy.open("rb") as fh:
            if fh.read(len(PLAIN_SQLITE_HEADER)) == PLAIN_SQLITE_HEADER:
                raise errors.StoreError(_("The database copy is not encrypted; no backup made."))
        header = new_header(
            created_at=created, app_version=app_version(), revision=revision,
            case_prefix=prefix, slots=_slots(opened.keyring.keys_dir), payload_size=size,
        )  # fmt: skip
        private_file(partial)
        with partial.open("r+b") as out, copy.open("rb") as source:
            write_backup(out, header, key, source, progress=lambda done: report(1, done, size))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        fsync_dir(folder)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise os_error(exc, folder) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        remove_with_journals(copy)
    size = final.stat().st_size
    with opened.db.write() as session:
        audit.record(
            session, actor=opened.actor, action="backup", entity="database",
            changes={"file": name, "size": size},
        )  # fmt: skip
    return final


# --- keeping and scheduling --------------------------------------------------------------


def _backups(folder: Path, prefix: str | None = None) -> list[tuple[datetime, int, Path]]:
    """Our backup files in `folder`, oldest first, with the time in their names."""
    found = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for path in entries:
        match = NAME_PATTERN.match(path.name)
        if match and path.is_file() and prefix in (None, match["prefix"]):
            when = datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
            found.append((when, int(match["n"] or 0), path))
    return sorted(found)


def prune_backups(folder: Path, keep: int, *, prefix: str | None = None) -> list[Path]:
    """Delete the oldest backup files beyond the newest `keep` (at least one is kept).

    Only files named like our backups (of `prefix`'s organisation, when given) are
    touched. Returns the deleted paths.
    """
    old = _backups(folder, prefix)[: -max(keep, 1)]
    deleted = []
    for _when, _n, path in old:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        deleted.append(path)
    _remove_leftovers(Path(folder))
    return deleted


def _remove_leftovers(folder: Path) -> None:
    """Delete the partial files and database copies of backups interrupted a day ago."""
    cutoff = time.time() - LEFTOVER_AGE
    for pattern in ("komok-backup-*.kbk.partial", ".komok-backup-*.kbk.copy*"):
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


def _schedule(opened: OpenVault) -> tuple[str, int, int, str]:
    with opened.db.read() as session:
        return (
            str(get_setting(session, "backup_folder") or ""),
            int(get_setting(session, "backup_interval_hours")),
            int(get_setting(session, "backup_keep")),
            str(get_setting(session, "case_number_prefix")),
        )


def backup_due(opened: OpenVault, now: datetime | None = None) -> bool:
    """Whether a scheduled backup should be made now.

    False when backups are off (no folder or interval 0), for a PostgreSQL server, or
    when the signed-in user may not make backups; otherwise True when the newest backup
    in the folder is at least `backup_interval_hours` old, or there is none.
    """
    if opened.db.kind != "sqlcipher" or opened.keyring is None:
        return False
    if not has(opened.actor, "backup"):
        return False
    folder, hours, _keep, prefix = _schedule(opened)
    if not folder or hours <= 0:
        return False
    found = _backups(Path(folder), prefix)
    if not found:
        return True
    return (now or utcnow()) - found[-1][0] >= timedelta(hours=hours)


def run_scheduled_backup(
    opened: OpenVault, now: datetime | None = None, *, progress: Progress | None = None
) -> Path | None:
    """Make a backup and prune old ones when one is due; the new file's path or None."""
    if not backup_due(opened, now):
        return None
    folder, _hours, keep, prefix = _schedule(opened)
    path = make_backup(opened, Path(folder), progress=progress)
    prune_backups(Path(folder), keep, prefix=prefix)
    return path
