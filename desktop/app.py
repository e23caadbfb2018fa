"""The desktop application's entry: set up Qt, open a database, show the main window.

`run_app()` is what `komok` runs without a sub-command. The start-up decisions live in
`desktop.startup` and the window in `desktop.main_window`; `build_main_window()` makes
the window for an already-open database without any dialog, for tests and later screens.
`KomokApp` holds the open database and its window while the app runs: it opens the setup
wizard from the demo and swaps the demo for the organisation's new vault, and releases
the database (and its instance lock) at the end.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.i18n import InterfaceLanguage, saved_language
from desktop.main_window import MainWindow
from desktop.setup_wizard import SetupWizard
from desktop.startup import StartupController
from desktop.worker import wait_for_background
from models.errors import KomokError
from models.instance_lock import AlreadyOpenError
from models.vault import OpenVault
from resources import RESOURCES_DIR
from translations import _

ORGANISATION = "Komok"
APPLICATION = "Komok"
ICON_NAMES = ("komok.svg", "komok.png")

log = logging.getLogger(__name__)


def configure_application(app: QCoreApplication) -> None:
    """Names that QSettings uses, and the window icon when one is shipped."""
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    for name in ICON_NAMES:
        path = RESOURCES_DIR / "icons" / name
        if path.is_file() and isinstance(app, QApplication):
            app.setWindowIcon(QIcon(str(path)))
            break


def build_main_window(
    opened: OpenVault, *, demo: bool, language: InterfaceLanguage | None = None
) -> MainWindow:
    """The main window for an open database (no dialogs; the caller shows it)."""
    app = QApplication.instance()
    if language is None:
        language = InterfaceLanguage(app)
    return MainWindow(opened, demo=demo, language=language)


class KomokApp(QObject):
    """The running app: one open database and its main window.

    On the demo, the window's "Set up your organisation…" opens the `SetupWizard`; the
    vault it creates replaces the demo (a new window, signed in as the new coordinator;
    the demo database is closed). `close()` releases the database at the end.
    """

    def __init__(
        self, opened: OpenVault, *, demo: bool, language: InterfaceLanguage | None = None
    ) -> None:
        super().__init__()
        self.opened, self.demo = opened, demo
        self.language = language or InterfaceLanguage(QApplication.instance())
        self.wizard: SetupWizard | None = None
        self.window = self._make_window()

    def _make_window(self) -> MainWindow:
        window = build_main_window(self.opened, demo=self.demo, language=self.language)
        window.setup_requested.connect(self.open_setup)
        return window

    def open_setup(self, **options: Any) -> SetupWizard:
        """Show the setup wizard over the window (`options` go to `SetupWizard`)."""
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        wizard = SetupWizard(self.window, on_language=self.window.set_language, **options)
        wizard.vault_created.connect(self.switch_to)
        wizard.finished.connect(wizard.deleteLater)
        self.wizard = wizard
        wizard.open()
        return wizard

    def switch_to(self, opened: OpenVault) -> None:
        """Leave the current database for `opened` (the new organisation vault)."""
        old_window, old_opened = self.window, self.opened
        old_window.save_state()  # the new window opens where this one was
        self.opened, self.demo, self.wizard = opened, False, None
        self.window = self._make_window()
        self.window.show()  # before the old one closes, or the app would quit
        old_window.close()
        old_window.deleteLater()
        wait_for_background()
        old_opened.close()

    def close(self) -> None:
        """Close the database once background reads are done (at quit)."""
        wait_for_background()
        self.opened.close()


def show_already_open(exc: BaseException) -> None:
    """Tell the user that this database is already open in another Komok window."""
    QMessageBox.warning(None, _("Komok is already open"), str(exc))


def show_startup_error(exc: BaseException) -> None:
    """Tell the user why Komok cannot start (a KomokError's own translated message)."""
    if isinstance(exc, KomokError):
        message = str(exc)
    else:
        log.exception("start-up failed", exc_info=exc)
        message = _("Komok could not start because of an unexpected error: {error}").format(
            error=exc
        )
    QMessageBox.critical(None, _("Komok cannot start"), message)


def run_app(argv: list[str] | None = None) -> int:
    """Start the desktop app and return its exit code (1 when start-up failed)."""
    app = QApplication.instance() or QApplication(list(sys.argv if argv is None else argv))
    configure_application(app)
    language = InterfaceLanguage(app)
    language.apply(saved_language(), remember=False)
    try:
        started = StartupController(demo_login=True).run()
    except AlreadyOpenError as exc:
        show_already_open(exc)
        return 1
    except Exception as exc:
        show_startup_error(exc)
        return 1
    if started is None:
        return 0  # the user cancelled signing in or building the demo
    komok: KomokApp | None = None
    try:
        komok = KomokApp(started.opened, demo=started.demo, language=language)
        komok.window.show()
        return app.exec()
    except Exception as exc:
        show_startup_error(exc)
        return 1
    finally:
        if komok is not None:
            komok.close()  # after background reads; releases the instance lock
        else:
            wait_for_background()
            started.opened.close()
