"""Start-up: which database is chosen, the sign-in dialog, the demo path, failures."""

from __future__ import annotations

import time
from functools import partial

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton

from desktop import app as app_module
from desktop import startup
from desktop.login_dialog import LoginDialog
from desktop.startup import DEMO, SERVER, VAULT, StartupController, choose_source
from models import demo
from models.errors import CorruptDatabaseError
from models.keyslots import FAST_KDF, WrongPasswordError
from models.vault import create_vault, data_dir, database_path, demo_dir, vault_exists
from translations import _

PASSWORD = "correct horse battery"


@pytest.fixture
def org_vault():
    """A real (non-demo) vault in the data folder start-up looks at."""
    opened = create_vault(
        data_dir(),
        organisation="Test NGO",
        case_prefix="KG",
        username="coordinator",
        display_name="Coordinator",
        password=PASSWORD,
        kdf=FAST_KDF,
    )
    opened.db.close()
    return data_dir()


def test_choose_source_prefers_server_then_vault_then_demo(monkeypatch, org_vault):
    assert choose_source() == VAULT
    monkeypatch.setenv("KOMOK_DATABASE_URL", "postgresql://u:secret@db.example:5433/komok")
    assert choose_source() == SERVER
    monkeypatch.delenv("KOMOK_DATABASE_URL")
    monkeypatch.setenv("KOMOK_DATA_DIR", str(org_vault / "elsewhere"))
    assert choose_source() == DEMO


def test_server_description_hides_the_password():
    text = startup.server_description("postgresql://u:secret@db.example:5433/komok")
    assert "secret" not in text
    assert "db.example:5433" in text and "komok" in text


def test_demo_case_count_from_environment(monkeypatch):
    monkeypatch.setenv("KOMOK_DEMO_CASES", "42")
    assert startup.demo_case_count() == 42
    monkeypatch.setenv("KOMOK_DEMO_CASES", "many")
    assert startup.demo_case_count() == startup.DEFAULT_DEMO_CASES


def _dialog(qtbot, folder) -> LoginDialog:
    dialog = LoginDialog(partial(startup._unlock, folder), place=str(folder))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_wrong_password_is_shown_and_the_dialog_stays_open(qtbot, org_vault):
    dialog = _dialog(qtbot, org_vault)
    qtbot.keyClicks(dialog.username, "coordinator")
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and not dialog.busy, timeout=10_000)
    assert dialog.error_label.text() == WrongPasswordError().message
    assert dialog.isVisible() and dialog.result() == 0 and dialog.opened is None
    assert dialog.username.text() == "coordinator"
    assert dialog.password.text() == ""

    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.opened.actor.username == "coordinator"
    dialog.opened.db.close()


def test_empty_fields_are_refused_without_trying(qtbot, org_vault):
    dialog = _dialog(qtbot, org_vault)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == _("Enter your user name and password.")
    assert not dialog.busy


def _answering(username: str, password: str, made: list):
    """A login-dialog factory that types the sign-in once the dialog runs."""

    def factory(*args, **kwargs):
        dialog = LoginDialog(*args, **kwargs)
        made.append(dialog)

        def type_in():
            dialog.username.setText(username)
            dialog.password.setText(password)
            dialog.sign_in_button.click()

        QTimer.singleShot(0, type_in)
        return dialog

    return factory


def test_controller_signs_in_to_the_vault(qtbot, org_vault):
    made: list[LoginDialog] = []
    started = StartupController(login_dialog=_answering("coordinator", PASSWORD, made)).run()
    assert started is not None and started.source == VAULT and not started.demo
    assert started.opened.actor.role == "coordinator"
    assert str(database_path(org_vault)) in made[0].place_label.text()
    started.opened.db.close()


def test_controller_reports_a_damaged_database_and_changes_nothing(qtbot, org_vault):
    db_file = database_path(org_vault)
    db_file.write_bytes(b"\x00" * 8192)
    before = sorted((p.name, p.read_bytes()) for p in org_vault.rglob("*") if p.is_file())
    with pytest.raises(CorruptDatabaseError):
        StartupController(login_dialog=_answering("coordinator", PASSWORD, [])).run()
    after = sorted(
        (p.name, p.read_bytes())
        for p in org_vault.rglob("*")
        if p.is_file() and p.name != "komok.lock"  # the instance lock file is meant to stay
    )
    assert after == before


def test_controller_returns_none_when_sign_in_is_cancelled(qtbot, org_vault):
    def cancelling(*args, **kwargs):
        dialog = LoginDialog(*args, **kwargs)
        QTimer.singleShot(0, dialog.reject)
        return dialog

    assert StartupController(login_dialog=cancelling).run() is None


def test_controller_builds_and_opens_the_demo(qtbot, monkeypatch):
    monkeypatch.setenv("KOMOK_DEMO_CASES", "25")
    assert choose_source() == DEMO
    started = StartupController().run()
    assert started is not None and started.demo
    assert started.opened.actor.username == demo.DEMO_USERNAME
    assert vault_exists(demo_dir())
    assert not vault_exists(data_dir())  # the demo never lands where real data lives
    started.opened.db.close()


def test_cancelling_the_demo_build_quits_cleanly(qtbot, monkeypatch):

    def slow_build(vault, *, cases, progress, **_kw):
        for done in range(10_000):
            if progress(done, 10_000) is False:
                raise demo.DemoCancelled()
            time.sleep(0.001)
        raise AssertionError("the build was not cancelled")

    monkeypatch.setattr(demo, "build_demo", slow_build)

    def press_cancel():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                widget.findChild(QPushButton).click()  # what the user presses
                return
        QTimer.singleShot(20, press_cancel)

    QTimer.singleShot(50, press_cancel)
    assert StartupController().run() is None


def test_run_app_shows_a_start_up_error_and_exits_with_1(qapp, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))

    def broken(self):
        raise CorruptDatabaseError()

    monkeypatch.setattr(StartupController, "run", broken)
    assert app_module.run_app([]) == 1
    assert shown == [CorruptDatabaseError().message]


def test_run_app_exits_quietly_when_cancelled(qapp, monkeypatch):
    monkeypatch.setattr(StartupController, "run", lambda self: None)
    assert app_module.run_app([]) == 0


@pytest.mark.postgres
def test_controller_signs_in_to_the_server(qtbot, monkeypatch, pg_url):
    from tests.conftest import _pg_vault

    _pg_vault(pg_url).db.close()
    monkeypatch.setenv("KOMOK_DATABASE_URL", pg_url)
    made: list[LoginDialog] = []
    controller = StartupController(login_dialog=_answering("coordinator", "wrong", made))
    errors: list[str] = []

    def retry():  # a wrong password first: the dialog shows why, and the next try gets in
        dialog = made[0] if made else None
        if dialog is None or not shiboken6.isValid(dialog) or dialog.failure or dialog.opened:
            return
        if dialog.busy or not dialog.error_label.isVisible():
            QTimer.singleShot(20, retry)
            return
        errors.append(dialog.error_label.text())
        dialog.password.setText("correct horse battery")
        dialog.sign_in_button.click()

    QTimer.singleShot(20, retry)
    started = controller.run()
    assert errors == [WrongPasswordError().message]
    assert started is not None and started.source == SERVER and not started.demo
    assert "Server" in made[0].place_label.text()
    started.opened.db.close()
