"""UI test fixtures: private QSettings per test, a small demo vault, an open main window.

The Qt application object is pytest-qt's session-wide `qapp`. QSettings are redirected to
an INI file under the test's temporary folder, so tests never read or change the real
settings. The demo vault (300 cases) is built once per session and opened per test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.app import build_main_window, configure_application
from desktop.main_window import MainWindow
from desktop.worker import wait_for_background
from models.demo import DEMO_PASSWORD, DEMO_USERNAME, build_demo
from models.keyslots import FAST_KDF
from models.vault import OpenVault, create_vault, unlock_vault
from tests.ui.helpers import DEMO_CASES, wait_loaded


@pytest.fixture(autouse=True)
def private_settings(qapp, tmp_path: Path) -> Iterator[Path]:
    """QSettings() in this test reads and writes an INI file under tmp_path only."""
    configure_application(qapp)
    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    QSettings().clear()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, str, str]:
    """A demo vault built once per session: (folder, user name, password)."""
    folder = tmp_path_factory.mktemp("demo-template") / "demo"
    build_demo(folder, cases=DEMO_CASES, kdf=FAST_KDF)
    return folder, DEMO_USERNAME, DEMO_PASSWORD


@pytest.fixture
def demo_vault(demo_template, tmp_path: Path) -> Iterator[OpenVault]:
    """The session's demo vault, copied for this test and unlocked with the demo sign-in."""
    template, username, password = demo_template
    folder = tmp_path / "demo"
    shutil.copytree(template, folder)
    opened = unlock_vault(folder, username=username, password=password)
    yield opened
    wait_for_background()
    opened.db.close()


@pytest.fixture
def real_vault(tmp_path: Path) -> Iterator[OpenVault]:
    """An empty organisation vault (no cases) with a coordinator signed in."""
    opened = create_vault(
        tmp_path / "real",
        organisation="Бишкек Көмөк NGO",
        case_prefix="KG",
        username="coordinator",
        display_name="Coordinator",
        password="correct horse battery",
        kdf=FAST_KDF,
    )
    yield opened
    wait_for_background()
    opened.db.close()


@pytest.fixture
def window(qtbot, demo_vault: OpenVault) -> Iterator[MainWindow]:
    """The main window on the demo vault, shown offscreen."""
    win = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    wait_loaded(qtbot, win.case_list.model)
    yield win
    win.close()
