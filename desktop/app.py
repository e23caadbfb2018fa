"""The desktop application's entry: set up Qt, open a database, show the main window.

`run_app()` is what `komok` runs without a sub-command. The start-up decisions live in
`desktop.startup` and the window in `desktop.main_window`; `build_main_window()` makes
the window for an already-open database without any dialog, for tests and later screens.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.i18n import InterfaceLanguage, saved_language
from desktop.main_window import MainWindow
from desktop.startup import StartupController
from desktop.worker import wait_for_background
from models.errors import KomokError
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
        started = StartupController().run()
    except Exception as exc:
        show_startup_error(exc)
        return 1
    if started is None:
        return 0  # the user cancelled signing in or building the demo
    try:
        window = build_main_window(started.opened, demo=started.demo, language=language)
        window.show()
        return app.exec()
    except Exception as exc:
        show_startup_error(exc)
        return 1
    finally:
        wait_for_background()  # a read still running must not lose its connection
        started.opened.db.close()
