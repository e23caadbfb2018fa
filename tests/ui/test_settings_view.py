"""The Settings screen: pages by role, General, My account and Users (on an SQLCipher vault)."""

from __future__ import annotations

from unittest import mock

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog
from sqlmodel import select

from desktop.settings_view import PAGE_KEY, SettingsView
from models import users
from models.keyslots import WrongPasswordError
from models.settings import get_setting
from models.tables import User
from models.vault import unlock_vault
from tests.ui.test_settings_support import (
    GOOD_PASSWORD,
    MessageBoxes,
    other_user,
    screenshot,
    settings_view,
    settle,
)
from translations import _, set_language

ALL_PAGES = ["general", "letters", "users", "account", "audit", "backup", "retention"]


def _user(opened, username: str) -> User | None:
    with opened.db.read() as session:
        return session.exec(select(User).where(User.username == username)).first()


def test_coordinator_sees_every_page(qtbot, real_vault):
    view = settings_view(qtbot, real_vault)
    assert list(view.pages) == ALL_PAGES
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert titles == [_("General"), _("Letters"), _("Users"), _("My account"), _("Audit log"),
                      _("Backup"), _("Retention")]  # fmt: skip
    assert view.scheduler is not None


def test_volunteer_sees_only_own_account(qtbot, real_vault):
    volunteer = other_user(real_vault, "vera", "volunteer")
    view = settings_view(qtbot, volunteer)
    assert list(view.pages) == ["account"]
    assert view.scheduler is None
    page = view.page("account")
    qtbot.waitUntil(lambda: "Vera" in page.who.text())
    assert "vera" in page.who.text()


def test_last_page_is_remembered(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="audit")
    settings = QSettings()
    view.save_state(settings)
    assert settings.value(PAGE_KEY) == "audit"
    again = SettingsView(real_vault)
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert again.current_page().key == "audit"


def test_general_saves_and_shows_validation_errors(qtbot, real_vault, monkeypatch):
    boxes = MessageBoxes(monkeypatch)
    view = settings_view(qtbot, real_vault, page="general")
    page = view.page("general")
    assert page.organisation.text() == "Бишкек Көмөк NGO"
    assert page.prefix.text() == "KG"
    page.organisation.setText("Ош Көмөк")
    page.prefix.setText("kg-1")
    page.lock.setValue(15)
    view.lock_controller = mock.Mock()  # what the main window holding the page has
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    view.lock_controller.set_idle_minutes.assert_called_with(15)
    rule = _("Use 1–10 capital Latin letters or digits, starting with a letter.")
    assert page.errors.text("case_number_prefix") == rule
    assert page.prefix.text() == "kg-1"  # what was typed is kept
    assert boxes.shown == []
    with real_vault.db.read() as session:
        assert get_setting(session, "organisation_name") == "Ош Көмөк"
        assert get_setting(session, "lock_minutes") == 15
        assert get_setting(session, "case_number_prefix") == "KG"
    page.prefix.setText("OSH")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert page.errors.text("case_number_prefix") == ""
    assert page.status.text() == _("Saved.")
    with real_vault.db.read() as session:
        assert get_setting(session, "case_number_prefix") == "OSH"


def test_add_user_through_the_dialog(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="users")
    page = view.page("users")
    assert [row.username for row in page.model.rows] == ["coordinator"]
    page.add_user()
    dialog = page.dialog
    dialog.display_name.setText("Айбек Токтосунов")
    dialog.username.setText("aibek")
    dialog.role.setCurrentIndex(dialog.role.findData("caseworker"))
    dialog.passwords.password.setText(GOOD_PASSWORD)
    dialog.passwords.repeat.setText(GOOD_PASSWORD)
    assert dialog.errors.text("password") == _("Good password.")
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.ok_button.click()
    settle(qtbot)
    user = _user(real_vault, "aibek")
    assert (
        user is not None and user.role == "caseworker" and user.display_name == "Айбек Токтосунов"
    )
    assert "aibek" in [row.username for row in page.model.rows]
    folder = real_vault.keyring.keys_dir.parent
    opened = unlock_vault(folder, username="aibek", password=GOOD_PASSWORD)
    try:
        assert opened.actor.role == "caseworker"
    finally:
        opened.db.close()


def test_weak_password_is_refused_with_the_rule(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="users")
    page = view.page("users")
    page.add_user()
    dialog = page.dialog
    dialog.display_name.setText("Бермет")
    dialog.username.setText("bermet")
    dialog.passwords.password.setText("short")
    dialog.passwords.repeat.setText("short")
    rule = _("Use at least {n} characters; a few words in a row work well.").format(n=10)
    assert dialog.errors.text("password") == rule
    dialog.ok_button.click()
    settle(qtbot)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    dialog.passwords.password.setText("qwertyuiop")
    assert dialog.errors.text("password") == _("This password is too common.")
    assert dialog.errors.text("repeat") == _("The passwords do not match.")
    dialog.reject()
    assert _user(real_vault, "bermet") is None


def test_remove_refuses_self_and_deactivates_others(qtbot, real_vault, monkeypatch):
    other_user(real_vault, "nurlan", "volunteer")
    boxes = MessageBoxes(monkeypatch)
    view = settings_view(qtbot, real_vault, page="users")
    page = view.page("users")
    page.select_username("coordinator")
    page.remove_user()
    settle(qtbot)
    assert boxes.texts("warning") == [_("You cannot remove your own account.")]
    page.select_username("nurlan")
    page.remove_user()
    settle(qtbot)
    assert len(boxes.texts("question")) == 2
    assert _user(real_vault, "nurlan").active is False
    row = next(r for r in page.model.rows if r.username == "nurlan")
    assert not row.active


def test_own_password_change(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="account")
    page = view.page("account")
    page.current.setText("not my password")
    page.passwords.password.setText(GOOD_PASSWORD)
    page.passwords.repeat.setText(GOOD_PASSWORD)
    page.change_password()
    settle(qtbot)
    assert page.errors.text("current") == _("This is not your current password.")
    page.current.setText("correct horse battery")
    page.passwords.password.setText(GOOD_PASSWORD)
    page.passwords.repeat.setText(GOOD_PASSWORD)
    page.change_password()
    settle(qtbot)
    assert page.status.text() == _("Your password was changed. Use the new one from now on.")
    folder = real_vault.keyring.keys_dir.parent
    try:
        unlock_vault(folder, username="coordinator", password="correct horse battery")
    except WrongPasswordError:
        pass
    else:  # pragma: no cover - the old password must no longer open the vault
        raise AssertionError("the old password still works")
    users.check_password(GOOD_PASSWORD, username="coordinator")


def test_users_page_screenshot_in_kyrgyz(qtbot, real_vault):
    other_user(real_vault, "vera", "volunteer")
    other_user(real_vault, "aibek", "caseworker")
    signed_in = unlock_vault(
        real_vault.keyring.keys_dir.parent, username="vera", password=GOOD_PASSWORD
    )
    signed_in.db.close()
    set_language("ky")
    view = settings_view(qtbot, real_vault, page="users")
    view.page("users").select_username("aibek")
    path = screenshot(view, "settings_users_ky.png")
    assert path.stat().st_size > 0
