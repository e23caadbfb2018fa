"""The `komok` command: no argument opens the desktop app; subcommands run headless jobs.

Passwords are never taken from the command line: headless commands read `KOMOK_USER` and
`KOMOK_PASSWORD` from the environment or ask for them on the terminal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from models import errors
from translations import LANGUAGES, _, set_language


def _language_from_env() -> str:
    for var in ("KOMOK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")[:2].lower()
        if value in LANGUAGES:
            return value
    return "en"


def _credentials(prompt_user: str | None = None) -> tuple[str, str]:
    user = os.environ.get("KOMOK_USER") or prompt_user
    password = os.environ.get("KOMOK_PASSWORD")
    if not user:
        if not sys.stdin.isatty():
            raise errors.KomokError(_("Set KOMOK_USER and KOMOK_PASSWORD, or run in a terminal."))
        user = input(_("User name: ")).strip()
    if password is None:
        if not sys.stdin.isatty():
            raise errors.KomokError(_("Set KOMOK_USER and KOMOK_PASSWORD, or run in a terminal."))
        password = getpass.getpass(_("Password: "))
    return user, password


def _vault_dir(args: argparse.Namespace) -> Path:
    from models.vault import data_dir, demo_dir

    if getattr(args, "dir", None):
        return Path(args.dir)
    return demo_dir() if getattr(args, "demo", False) else data_dir()


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a demo database of synthetic cases."""
    from models.demo import build_demo, demo_summary
    from models.vault import demo_dir, unlock_vault, vault_exists

    target = Path(args.dir) if args.dir else demo_dir()
    if vault_exists(target):
        if not args.replace:
            raise errors.StoreError(
                _(
                    "A demo database already exists in {folder}. Use --replace to rebuild it."
                ).format(folder=target)
            )
        from models.settings import get_setting
        from models.vault import database_path

        opened = unlock_vault(
            target,
            username=os.environ.get("KOMOK_USER", "demo"),
            password=os.environ.get("KOMOK_PASSWORD", "komok-demo"),
        )
        with opened.db.read() as session:
            is_demo = bool(get_setting(session, "demo"))
        opened.db.close()
        if not is_demo:
            raise errors.StoreError(
                _("{path} is not a demo database; it was left alone.").format(
                    path=database_path(target)
                )
            )
        shutil.rmtree(target)

    last = [-1]

    def progress(done: int, total: int) -> bool:
        pct = done * 100 // max(total, 1)
        if pct != last[0] and sys.stderr.isatty():
            print(f"\r{pct:3d} %", end="", file=sys.stderr, flush=True)
            last[0] = pct
        return True

    result = build_demo(target, cases=args.cases, seed=args.seed, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    opened = unlock_vault(target, username=result.username, password=result.password)
    summary = demo_summary(opened.db)
    opened.db.close()
    print(_("Demo database: {path}").format(path=result.path))
    print(
        _("Built {cases} cases in {seconds:.1f} s ({rate:.0f} cases/s).").format(
            cases=result.cases,
            seconds=result.seconds,
            rate=result.cases / max(result.seconds, 1e-9),
        )
    )
    print(", ".join(f"{k}: {v}" for k, v in summary.items()))
    print(
        _("Demo sign-in — user: {user}  password: {password}").format(
            user=result.username, password=result.password
        )
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the database schema (an SQLCipher file is copied aside first)."""
    from models import migrate
    from models.vault import connect_server, unlock_vault

    url = os.environ.get("KOMOK_DATABASE_URL")
    user, password = _credentials()
    if url and not args.dir and not args.demo:
        opened = connect_server(url, username=user, password=password)
    else:
        opened = unlock_vault(_vault_dir(args), username=user, password=password)
    opened.db.close()
    if opened.upgraded_from is None:
        print(
            _("The database is already up to date (revision {rev}).").format(
                rev=migrate.head_revision()
            )
        )
    else:
        print(
            _("Upgraded the database from revision {old} to {new}.").format(
                old=opened.upgraded_from, new=migrate.head_revision()
            )
        )
    if opened.upgrade_copy:
        print(
            _("A copy of the database before the upgrade: {path}").format(path=opened.upgrade_copy)
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `komok` command."""
    parser = argparse.ArgumentParser(
        prog="komok", description=_("Komok: case management for helpers of labour migrants.")
    )
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help=_("build a demo database of synthetic cases"))
    demo.add_argument("--cases", type=int, default=5000, help=_("number of cases"))
    demo.add_argument("--seed", type=int, default=1, help=_("random seed (same seed, same data)"))
    demo.add_argument("--dir", help=_("folder to build in (default: the demo folder)"))
    demo.add_argument("--replace", action="store_true", help=_("rebuild an existing demo"))
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help=_("database maintenance"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help=_("upgrade the database schema after a copy"))
    up.add_argument("--demo", action="store_true", help=_("the demo database"))
    up.add_argument("--dir", help=_("the data folder holding the database"))
    up.set_defaults(func=cmd_db_upgrade)

    from desktop import cli_admin

    cli_admin.register(sub)
    from desktop import cli_letter

    cli_letter.register(sub)
    from desktop import cli_report

    cli_report.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `komok` console script."""
    set_language(_language_from_env())
    args = build_parser().parse_args(argv)
    if not getattr(args, "func", None):
        from desktop.app import run_app

        return run_app(list(argv) if argv is not None else sys.argv)
    try:
        from models.vocab import default_vocabularies

        default_vocabularies()  # a broken vocabulary file is reported before any work
        return args.func(args)
    except errors.KomokError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("Interrupted; nothing more was changed."), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
