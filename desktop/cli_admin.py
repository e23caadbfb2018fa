"""Administration commands of `komok`: `backup`, `restore` and `audit verify`.

`register(sub)` adds them to the command's sub-parsers. Like the other headless commands
they take credentials from KOMOK_USER / KOMOK_PASSWORD or ask on the terminal, return an
exit code, and let KomokErrors through for `desktop.cli.main` to print.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from models import errors
from translations import N_, _, ngettext

EXIT_BROKEN_AUDIT = 3

# verify_chain's problems, for people.
_CHAIN_PROBLEMS = {
    "missing entry": N_("an entry is missing"),
    "broken link": N_("the link to the previous entry is broken"),
    "content changed": N_("the entry was changed"),
    "truncated": N_("entries were removed from the end"),
}


def _progress() -> Callable[[int, int], bool] | None:
    """A percentage on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(done: int, total: int) -> bool:
        pct = done * 100 // max(total, 1)
        if pct != last[0]:
            print(f"\r{pct:3d} %", end="", file=sys.stderr, flush=True)
            last[0] = pct
        return True

    return show


def _end_progress() -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)


def _megabytes(size: int) -> str:
    return _("{size:.1f} MB").format(size=size / 1_000_000)


def _open(args: argparse.Namespace):
    """Sign in to the vault the arguments name (or the server of KOMOK_DATABASE_URL)."""
    from desktop.cli import _credentials, _vault_dir
    from models.vault import connect_server, unlock_vault

    url = os.environ.get("KOMOK_DATABASE_URL")
    user, password = _credentials()
    if url and not getattr(args, "dir", None) and not getattr(args, "demo", False):
        return connect_server(url, username=user, password=password)
    return unlock_vault(_vault_dir(args), username=user, password=password)


def cmd_backup(args: argparse.Namespace) -> int:
    """Make an encrypted backup file and prune old ones per the settings."""
    from models.backup import make_backup, prune_backups
    from models.settings import get_setting

    opened = _open(args)
    try:
        with opened.db.read() as session:
            folder = args.to or get_setting(session, "backup_folder")
            keep = int(get_setting(session, "backup_keep"))
            prefix = str(get_setting(session, "case_number_prefix"))
        if not folder:
            raise errors.KomokError(_("No backup folder is set in the settings: pass --to FOLDER."))
        try:
            path = make_backup(opened, Path(folder), progress=_progress())
        finally:
            _end_progress()
        deleted = prune_backups(Path(folder), keep, prefix=prefix)
    finally:
        opened.db.close()
    print(
        _("Backup written: {path} ({size})").format(path=path, size=_megabytes(path.stat().st_size))
    )
    if deleted:
        count = len(deleted)
        print(
            ngettext("Removed {count} old backup.", "Removed {count} old backups.", count).format(
                count=count
            )
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup file into the data folder (or --dir), setting the old vault aside."""
    from desktop.cli import _credentials, _vault_dir
    from models.backup import read_backup_header, restore_backup

    info = read_backup_header(Path(args.file))
    print(
        _("Backup of {when} (schema {revision}, {size}); users: {users}").format(
            when=info.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            revision=info.revision,
            size=_megabytes(info.size),
            users=", ".join(info.usernames),
        )
    )
    user, password = _credentials()
    target = _vault_dir(args)
    try:
        aside = restore_backup(
            Path(args.file), target, username=user, password=password, progress=_progress()
        )
    finally:
        _end_progress()
    print(_("Restored the backup into {folder}.").format(folder=target))
    if aside is not None:
        print(
            _(
                "The database that was there was set aside in {path}; "
                "delete it once the restored one is checked."
            ).format(path=aside)
        )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's hash chain (coordinators); exit 3 when it is broken."""
    from models.audit import verify_chain
    from models.permissions import require

    opened = _open(args)
    try:
        require(opened.actor, "view_audit")
        with opened.db.read() as session:
            report = verify_chain(session)
    finally:
        opened.db.close()
    if report.ok:
        print(_("Audit log intact: {count} entries").format(count=report.checked))
        return 0
    problem = _CHAIN_PROBLEMS.get(report.problem)
    print(
        _("Audit log BROKEN at entry #{seq}: {problem}").format(
            seq=report.first_bad_seq, problem=_(problem) if problem else report.problem
        )
    )
    return EXIT_BROKEN_AUDIT


def _where(parser: argparse.ArgumentParser, *, demo: bool = True) -> None:
    group = parser.add_mutually_exclusive_group()
    if demo:
        group.add_argument("--demo", action="store_true", help=_("the demo database"))
    group.add_argument("--dir", help=_("the data folder holding the database"))


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `backup`, `restore` and `audit verify` commands to `sub`."""
    backup = sub.add_parser("backup", help=_("make an encrypted backup of the database"))
    backup.add_argument(
        "--to", metavar="FOLDER", help=_("folder for the backup (default: from the settings)")
    )
    _where(backup)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help=_("restore the database from a backup file"))
    restore.add_argument("file", metavar="FILE", help=_("the backup file (.kbk)"))
    _where(restore, demo=False)
    restore.set_defaults(func=cmd_restore)

    audit = sub.add_parser("audit", help=_("the audit log"))
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help=_("check that the audit log is intact"))
    _where(verify)
    verify.set_defaults(func=cmd_audit_verify)
