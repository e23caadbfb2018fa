"""Start-up: choose which database to open, sign in, and build the demo when there is none.

Three sources, checked in this order:

- a shared PostgreSQL server, when `KOMOK_DATABASE_URL` is set (sign in);
- the organisation's encrypted vault in the data folder, when one exists (sign in);
- otherwise the demo vault beside it, built on first start (opened with the demo sign-in,
  shown pre-filled in the sign-in dialog so one click enters).

`StartupController.run()` walks that flow with dialogs and returns the opened database,
or None when the user cancelled. Errors other than a wrong password propagate as
`KomokError`s for the caller to show (among them `AlreadyOpenError` when another Komok
has the vault open); nothing here changes data on disk except building the demo vault in
its own folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy.engine import make_url

from desktop.login_dialog import LoginDialog
from desktop.worker import Report, run_in_background
from models.instance_lock import acquire as acquire_instance_lock
from models.vault import (
    OpenVault,
    connect_server,
    create_vault,
    data_dir,
    database_path,
    demo_dir,
    unlock_vault,
    vault_exists,
)
from translations import _

SERVER, VAULT, DEMO = "server", "vault", "demo"
DATABASE_URL_ENV = "KOMOK_DATABASE_URL"
DEMO_CASES_ENV = "KOMOK_DEMO_CASES"
DEFAULT_DEMO_CASES = 5000


def choose_source() -> str:
    """Which database start-up opens: SERVER, VAULT or DEMO (see the module docstring)."""
    if os.environ.get(DATABASE_URL_ENV):
        return SERVER
    if vault_exists(data_dir()):
        return VAULT
    return DEMO


def demo_case_count() -> int:
    """How many cases a new demo vault gets (`KOMOK_DEMO_CASES`, else 5000)."""
    try:
        return max(1, int(os.environ.get(DEMO_CASES_ENV, DEFAULT_DEMO_CASES)))
    except ValueError:
        return DEFAULT_DEMO_CASES


def server_description(url: str) -> str:
    """A server URL as shown to people: host, port and database, never the password."""
    parsed = make_url(url)
    where = parsed.host or "localhost"
    if parsed.port:
        where = f"{where}:{parsed.port}"
    return _("Server {server}, database {database}").format(
        server=where, database=parsed.database or ""
    )


@dataclass
class Started:
    """What start-up opened: the database with its signed-in user, and from which source."""

    opened: OpenVault
    source: str

    @property
    def demo(self) -> bool:
        """Whether this is the demo vault (invented data)."""
        return self.source == DEMO


class StartupController:
    """Runs the start-up flow with dialogs parented to `parent` (none before the window)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        login_dialog: Callable[..., LoginDialog] = LoginDialog,
        demo_login: bool = False,
    ) -> None:
        """`demo_login`: show the pre-filled demo sign-in (the app does); otherwise the
        demo opens directly, for scripted callers."""
        self._parent = parent
        self._login_dialog = login_dialog
        self._demo_login = demo_login

    def run(self) -> Started | None:
        """Open the chosen database; None if the user cancelled. Raises KomokError."""
        source = choose_source()
        if source == SERVER:
            url = os.environ[DATABASE_URL_ENV]
            opened = self.sign_in(partial(_connect, url), place=server_description(url))
        elif source == VAULT:
            folder = data_dir()
            place = _("Encrypted database {path}").format(path=database_path(folder))
            opened = self.sign_in(partial(_unlock, folder), place=place)
        else:
            opened = self.open_demo()
        return Started(opened, source) if opened is not None else None

    def sign_in(
        self, authenticate: Callable[[str, str], OpenVault], *, place: str, **options: Any
    ) -> OpenVault | None:
        """Ask for a user name and password until they open the database or the user gives up.

        `options` go to the dialog (`heading`, `demo`, `demo_credentials`).
        """
        dialog = self._login_dialog(authenticate, place=place, parent=self._parent, **options)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.opened
            if dialog.failure is not None:
                raise dialog.failure
            return None
        finally:
            dialog.deleteLater()

    def open_demo(self) -> OpenVault | None:
        """Build the demo vault if it is missing, then open it with the demo sign-in."""
        from models import demo  # generation code is only needed on this path

        folder = demo_dir()
        if not vault_exists(folder):
            cases = demo_case_count()

            def build(report: Report) -> Any:
                return demo.build_demo(folder, cases=cases, progress=report)

            label = _("Creating a demo database with {count} invented cases…").format(count=cases)
            try:
                self.wait(build, label=label, cancellable=True)
            except demo.DemoCancelled:
                return None

        if self._demo_login:
            return self.sign_in(
                partial(_unlock, folder),
                place=_("Demo database {path}").format(path=database_path(folder)),
                heading=demo.DEMO_ORGANISATION,
                demo=True,
                demo_credentials=(demo.DEMO_USERNAME, demo.DEMO_PASSWORD),
            )

        def unlock(_report: Report) -> OpenVault:
            return _unlock(folder, demo.DEMO_USERNAME, demo.DEMO_PASSWORD)

        return self.wait(unlock, label=_("Opening the demo database…"))

    def wait(self, fn: Callable[[Report], Any], *, label: str, cancellable: bool = False) -> Any:
        """Run `fn` in the background behind a progress dialog; return its result or raise."""
        loop = QEventLoop()
        outcome: dict[str, Any] = {}

        def done(result: Any) -> None:
            outcome["result"] = result
            loop.quit()

        def failed(exc: BaseException) -> None:
            outcome["error"] = exc
            loop.quit()

        run_in_background(
            self._parent,
            fn,
            on_done=done,
            on_error=failed,
            progress_label=label,
            cancellable=cancellable,
        )
        if not outcome:
            loop.exec()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]


def _connect(url: str, username: str, password: str) -> OpenVault:
    return connect_server(url, username=username, password=password)


def open_new_vault(folder: Path, **options: Any) -> OpenVault:
    """Create a new organisation vault (`create_vault` options) and keep it open, holding
    its instance lock like any vault the app unlocks."""
    folder = Path(folder)
    with contextlib.suppress(OSError):  # create_vault reports a folder it cannot make
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    held = acquire_instance_lock(folder) if folder.is_dir() else None
    try:
        opened = create_vault(folder, **options)
    except BaseException:
        if held is not None:
            held.release()
        raise
    opened.instance_lock = held
    return opened


def _unlock(folder, username: str, password: str) -> OpenVault:
    """Unlock a vault and hold its instance lock, so no second Komok opens it meanwhile."""
    return unlock_vault(folder, username=username, password=password, lock=True)
