"""The lock: Ctrl+L and idle time hide everything personal; only the right password unlocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from desktop.app import build_main_window
from models import vault as vault_module
from models.keyslots import FAST_KDF, WrongPasswordError
from models.reauth import throttle_for, verify_password
from models.tables import AuditEntry
from models.throttle import FREE_TRIES, LoginThrottled
from models.vault import create_vault, unlock_vault
from tests.ui.helpers import SCREENSHOTS, wait_loaded
from translations import _

PASSWORD = "correct horse battery"


def visible_texts() -> list[str]:
    """Every text a person could read on screen now: titles, labels, fields, cells."""
    texts: list[str] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        texts.append(top.windowTitle())
        for widget in [top, *top.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            texts.extend((widget.toolTip(), widget.accessibleName()))
            if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
                texts.append(widget.text())
            if isinstance(widget, QAbstractItemView) and widget.model() is not None:
                model = widget.model()
                for row in range(model.rowCount(QModelIndex())):
                    column = 0
                    while model.hasIndex(row, column):
                        texts.append(str(model.index(row, column).data() or ""))
                        column += 1
        status = getattr(top, "statusBar", None)
        if callable(status) and status().isVisible():
            texts.append(status().currentMessage())
    return [t for t in texts if t]


def _audit_actions(opened) -> list[str]:
    with opened.db.read() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.seq)))


def _press_ctrl_l(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def _try_password(qtbot, window, password: str) -> None:
    screen = window.lock_controller.screen
    screen.password.setText(password)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.lock_controller.busy, timeout=10_000)


def test_ctrl_l_hides_everything_personal(qtbot, window):
    model = window.case_list.model
    row = model._rows[0]
    client = f"{row.family_name} {row.given_name}"
    assert any(client in text for text in visible_texts())  # the walk does see names
    _press_ctrl_l(qtbot, window)

    assert window.lock_controller.locked
    assert window.windowTitle() == _("Komok — locked")
    assert window.organisation not in window.windowTitle()
    assert not window.case_list.table.isVisible() and not window.nav.isVisible()
    assert not window.banner.isVisible() and not window.statusBar().isVisible()
    assert window.central_stack.currentWidget() is window.lock_controller.screen
    texts = visible_texts()
    assert not any(row.family_name in text or row.number in text for text in texts)
    assert window.user_name in window.lock_controller.screen.user_label.text()
    assert not window.refresh_action.isEnabled() and not window.lock_action.isEnabled()
    assert not window.language_actions["ru"].isEnabled()
    assert window.quit_action.isEnabled() and window.file_menu.menuAction().isEnabled()
    assert window.lock_controller.screen.password.hasFocus()


def test_wrong_password_keeps_it_locked_and_right_one_unlocks(qtbot, window, demo_vault):
    window.lock()
    _try_password(qtbot, window, "not the password")
    screen = window.lock_controller.screen
    assert window.lock_controller.locked
    assert screen.error_label.text() == WrongPasswordError().message
    assert screen.password.text() == ""
    assert _audit_actions(demo_vault)[-1] == "failed_login"

    _try_password(qtbot, window, demo_vault_password())
    assert not window.lock_controller.locked
    assert window.case_list.table.isVisible() and window.nav.isVisible()
    assert window.statusBar().isVisible() and window.banner.isVisible()
    assert window.windowTitle() == window.window_title() != _("Komok — locked")
    assert window.refresh_action.isEnabled() and window.language_actions["ru"].isEnabled()
    assert _audit_actions(demo_vault)[-1] == "unlock"
    window.refresh_action.trigger()  # the list still works after the unlock
    wait_loaded(qtbot, window.case_list.model)
    assert window.case_list.model.rowCount() > 0


def demo_vault_password() -> str:
    from models.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_idle_time_locks(qtbot, window):
    window.lock_controller.idle.set_timeout(200)
    assert window.lock_controller.idle.watching
    qtbot.waitUntil(lambda: window.lock_controller.locked, timeout=3000)
    assert not window.lock_controller.idle.watching  # no counting while locked
    _try_password(qtbot, window, demo_vault_password())
    assert not window.lock_controller.locked
    assert window.lock_controller.idle.watching


def test_lock_minutes_setting_sets_the_idle_time(window):
    assert window.lock_controller.idle.timeout_ms == 5 * 60_000
    window.lock_controller.set_idle_minutes(2)
    assert window.lock_controller.idle.timeout_ms == 2 * 60_000


def test_other_windows_hide_and_come_back(qtbot, window):
    dialog = QDialog(window)
    QVBoxLayout(dialog).addWidget(QLabel("Өмүрбекова Гүлнара, passport AN1234567", dialog))
    dialog.open()
    qtbot.waitExposed(dialog)
    window.lock()
    assert not dialog.isVisible()
    assert not any("Өмүрбекова" in text for text in visible_texts())
    _try_password(qtbot, window, demo_vault_password())
    assert dialog.isVisible()
    dialog.close()


def test_a_dialog_closed_while_locked_stays_closed(qtbot, window):
    dialog = QDialog(window)
    dialog.open()
    window.lock()
    dialog.reject()
    _try_password(qtbot, window, demo_vault_password())
    assert not dialog.isVisible()


class Drafts:
    """A screen with unsaved work, as the case workspace will be."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def stash_for_lock(self) -> None:
        self.calls.append("stash")

    def restore_after_unlock(self) -> None:
        self.calls.append("restore")


def test_screens_with_drafts_are_told(qtbot, window):
    drafts = Drafts()
    window.views["drafts"] = drafts  # type: ignore[assignment]
    signals = []
    window.lock_controller.about_to_lock.connect(lambda: signals.append("about"))
    try:
        window.lock()
        assert drafts.calls == ["stash"] and signals == ["about"]
        _try_password(qtbot, window, demo_vault_password())
        assert drafts.calls == ["stash", "restore"]
    finally:
        del window.views["drafts"]


def test_wrong_passwords_at_the_lock_count_like_sign_ins(qtbot, window, demo_vault):
    folder = demo_vault.keyring.keys_dir.parent
    expected = vault_module.sign_in_throttle(str(folder.resolve()), demo_vault.actor.username)
    assert throttle_for(demo_vault).path == expected.path
    window.lock()
    for _attempt in range(FREE_TRIES):
        _try_password(qtbot, window, "not the password")
    _try_password(qtbot, window, demo_vault_password())  # refused before it is checked
    screen = window.lock_controller.screen
    assert window.lock_controller.locked
    assert not screen.unlock_button.isEnabled()
    assert "Try again in" in screen.error_label.text()
    with pytest.raises(LoginThrottled):  # and signing in elsewhere must wait too
        unlock_vault(folder, username=demo_vault.actor.username, password="x")


@pytest.mark.postgres
def test_verify_password_on_the_server(pg_url):
    from tests.conftest import _pg_vault

    opened = _pg_vault(pg_url)
    try:
        with pytest.raises(WrongPasswordError):
            verify_password(opened, "wrong")
        verify_password(opened, PASSWORD)
        assert _audit_actions(opened)[-2:] == ["failed_login", "unlock"]
    finally:
        opened.db.close()


def test_screenshot_of_the_locked_window(qtbot, tmp_path: Path):
    opened = create_vault(
        tmp_path / "ky",
        organisation="Ош Көмөк",
        case_prefix="OSH",
        username="gulnara",
        display_name="Гүлнара Өмүрбекова",
        password=PASSWORD,
        kdf=FAST_KDF,
    )
    try:
        win = build_main_window(opened, demo=False)
        qtbot.addWidget(win)
        win.resize(1100, 640)
        win.show()
        qtbot.waitExposed(win)
        win.lock()
        qtbot.wait(50)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert win.grab().save(str(SCREENSHOTS / "locked_window.png"))
        assert "Гүлнара Өмүрбекова" in win.lock_controller.screen.user_label.text()
        win.close()
    finally:
        opened.db.close()
