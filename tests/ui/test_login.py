"""The sign-in dialog: wrong passwords, the retry countdown, the demo sign-in, one app per vault."""

from __future__ import annotations

import shutil
from functools import partial

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QMessageBox

from desktop import app as app_module
from desktop import startup
from desktop.login_dialog import USERNAME_KEY, LoginDialog
from desktop.startup import StartupController
from models import demo
from models.instance_lock import AlreadyOpenError
from models.keyslots import FAST_KDF, WrongPasswordError
from models.throttle import FREE_TRIES, LoginThrottled
from models.vault import create_vault, data_dir, demo_dir
from tests.ui.helpers import SCREENSHOTS
from translations import _

PASSWORD = "correct horse battery"


@pytest.fixture
def org_vault():
    """A real vault in the data folder."""
    create_vault(
        data_dir(),
        organisation="Test NGO",
        case_prefix="KG",
        username="coordinator",
        display_name="Coordinator",
        password=PASSWORD,
        kdf=FAST_KDF,
    ).db.close()
    return data_dir()


def _show(qtbot, dialog: LoginDialog) -> LoginDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _click_sign_in(qtbot, dialog: LoginDialog) -> None:
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def test_wrong_password_says_so_and_keeps_the_user_name(qtbot, org_vault):
    dialog = _show(qtbot, LoginDialog(partial(startup._unlock, org_vault), place="here"))
    assert dialog.heading.text() == _("Komok")  # the organisation is unknown until unlocked
    dialog.username.setText("coordinator")
    dialog.password.setText("not the password")
    _click_sign_in(qtbot, dialog)
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == WrongPasswordError().message
    assert dialog.isVisible() and dialog.opened is None and dialog.failure is None
    assert dialog.username.text() == "coordinator" and dialog.password.text() == ""
    assert dialog.password.hasFocus()


def test_throttled_sign_in_counts_down_with_the_button_disabled(qtbot):
    def throttled(username, password):
        raise LoginThrottled(1.3)

    dialog = _show(qtbot, LoginDialog(throttled, place="here"))
    dialog.username.setText("coordinator")
    dialog.password.setText("whatever it is")
    _click_sign_in(qtbot, dialog)
    assert not dialog.sign_in_button.isEnabled()
    assert dialog.error_label.text() == _(
        "Too many wrong passwords. Try again in {n} seconds."
    ).format(n=2)
    qtbot.waitUntil(
        lambda: (
            dialog.error_label.text()
            == _("Too many wrong passwords. Try again in {n} second.").format(n=1)
        ),
        timeout=2000,
    )
    assert not dialog.sign_in_button.isEnabled()
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=2000)
    assert dialog.error_label.text() == _("You can try again now.")
    assert dialog.isVisible() and dialog.failure is None


def test_real_wrong_passwords_lead_to_the_countdown(qtbot, org_vault):
    dialog = _show(qtbot, LoginDialog(partial(startup._unlock, org_vault), place="here"))
    dialog.username.setText("coordinator")
    for _attempt in range(FREE_TRIES):
        dialog.password.setText("not the password")
        _click_sign_in(qtbot, dialog)
    dialog.password.setText(PASSWORD)
    _click_sign_in(qtbot, dialog)
    assert not dialog.sign_in_button.isEnabled()
    assert "Try again in" in dialog.error_label.text()
    assert dialog.opened is None


def test_show_password_and_caps_lock_hint(qtbot):
    dialog = _show(qtbot, LoginDialog(lambda u, p: None, place="here"))
    field = dialog.password_input
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    field.show_box.setChecked(True)
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.keyClicks(dialog.password, "PASS")  # capitals without Shift
    assert field.caps_lock_on and field.caps_label.isVisible()
    qtbot.keyClicks(dialog.password, "word")
    assert not field.caps_lock_on
    qtbot.keyClick(dialog.password, "x", Qt.KeyboardModifier.ShiftModifier)
    assert field.caps_lock_on  # Shift gave a small letter: Caps Lock is on
    qtbot.keyClick(dialog.password, "X", Qt.KeyboardModifier.ShiftModifier)
    assert not field.caps_lock_on


def test_enter_signs_in_and_escape_cancels(qtbot, org_vault):
    dialog = _show(qtbot, LoginDialog(partial(startup._unlock, org_vault), place="here"))
    dialog.username.setText("coordinator")
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    dialog.opened.close()
    assert QSettings().value(USERNAME_KEY) == "coordinator"

    other = _show(qtbot, LoginDialog(lambda u, p: None, place="here"))
    with qtbot.waitSignal(other.rejected, timeout=2000):
        qtbot.keyClick(other.username, Qt.Key.Key_Escape)


def _demo_in_data_folder(demo_template) -> None:
    shutil.copytree(demo_template[0], demo_dir())


def test_demo_sign_in_is_prefilled_and_shown(qtbot, demo_template):
    _demo_in_data_folder(demo_template)
    made: list[LoginDialog] = []

    def factory(*args, **kwargs):
        dialog = LoginDialog(*args, **kwargs)
        made.append(dialog)
        QTimer.singleShot(0, dialog.sign_in_button.click)  # the one click
        return dialog

    started = StartupController(login_dialog=factory, demo_login=True).run()
    try:
        assert started is not None and started.demo
        dialog = made[0]
        assert dialog.demo and dialog.demo_label.isVisibleTo(dialog)
        shown = dialog.demo_label.text()
        assert demo.DEMO_USERNAME in shown and demo.DEMO_PASSWORD in shown
        assert dialog.username.text() == demo.DEMO_USERNAME
        assert dialog.password.text() == demo.DEMO_PASSWORD
        assert dialog.heading.text() == demo.DEMO_ORGANISATION
        assert dialog.sign_in_button.text() == _("Open the demo")
        assert QSettings().value(USERNAME_KEY) is None  # the demo user is not remembered
        assert started.opened.instance_lock is not None and started.opened.instance_lock.held
    finally:
        if started is not None:
            started.opened.close()


def test_a_vault_open_elsewhere_is_refused(qtbot, org_vault):
    first = startup._unlock(org_vault, "coordinator", PASSWORD)
    try:
        dialog = _show(qtbot, LoginDialog(partial(startup._unlock, org_vault), place="here"))
        dialog.username.setText("coordinator")
        dialog.password.setText(PASSWORD)
        with qtbot.waitSignal(dialog.rejected, timeout=10_000):
            dialog.sign_in_button.click()
        assert isinstance(dialog.failure, AlreadyOpenError)
    finally:
        first.close()
    again = startup._unlock(org_vault, "coordinator", PASSWORD)  # released by close()
    again.close()


def test_run_app_shows_already_open_and_exits_with_1(qapp, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[1:3]))

    def held(self):
        raise AlreadyOpenError()

    monkeypatch.setattr(StartupController, "run", held)
    assert app_module.run_app([]) == 1
    assert shown == [(_("Komok is already open"), AlreadyOpenError().message)]


def test_screenshots_of_the_sign_in(qtbot):
    dialog = _show(
        qtbot,
        LoginDialog(
            lambda u, p: None,
            place=_("Demo database {path}").format(path="/home/aigul/komok"),
            heading=demo.DEMO_ORGANISATION,
            demo=True,
            demo_credentials=(demo.DEMO_USERNAME, demo.DEMO_PASSWORD),
        ),
    )
    qtbot.wait(50)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "login_demo.png"))

    place = _("Encrypted database {path}").format(path="/home/aigul/.local/share/komok/komok.db")
    dialog = _show(qtbot, LoginDialog(lambda u, p: None, place=place))
    dialog.username.setText("aigul")
    qtbot.keyClicks(dialog.password, "SECRET")  # capitals without Shift: the Caps Lock hint
    dialog.show_error(_("Too many wrong passwords. Try again in {n} seconds.").format(n=8))
    qtbot.wait(50)
    assert dialog.grab().save(str(SCREENSHOTS / "login_throttled.png"))
