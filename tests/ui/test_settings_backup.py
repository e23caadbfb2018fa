"""The Backup page: Back up now writes a .kbk file and lists it; PostgreSQL gets an explanation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop import settings_backup
from desktop.settings_view import BackupScheduler, SettingsView
from models.settings import change_setting, get_setting
from models.vault import unlock_vault
from tests.ui.test_settings_support import MessageBoxes, settings_view, settle
from translations import _

HAS_BACKUP = importlib.util.find_spec("models.backup") is not None
needs_backup = pytest.mark.skipif(
    not HAS_BACKUP, reason="models/backup.py (make_backup, read_backup_header) is missing"
)


@needs_backup
def test_back_up_now_writes_and_lists_a_backup(qtbot, real_vault, tmp_path, monkeypatch):
    boxes = MessageBoxes(monkeypatch)
    folder = tmp_path / "backups"
    view = settings_view(qtbot, real_vault, page="backup")
    page = view.page("backup")
    assert page.supported
    page.folder.setText(str(folder))
    page.interval.setValue(12)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    with real_vault.db.read() as session:
        assert get_setting(session, "backup_folder") == str(folder)
        assert get_setting(session, "backup_interval_hours") == 12
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    settle(qtbot, timeout=30_000)
    files = list(folder.glob("*.kbk"))
    assert len(files) == 1 and page.last_backup == files[0]
    [message] = boxes.texts("information")
    assert str(files[0]) in message
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert page.table.item(0, 1).text() == "coordinator"
    assert page.table.item(0, 3).text() == files[0].name


@needs_backup
def test_back_up_now_needs_a_folder(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="backup")
    page = view.page("backup")
    page.folder.clear()
    page.back_up_now()
    assert page.errors.text("backup_folder") == _("Choose a folder for the backups first.")


@needs_backup
def test_scheduler_reports_a_failure_in_the_status_bar(qtbot, real_vault, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    with real_vault.db.write() as session:
        from models.settings import put_setting

        put_setting(session, actor=real_vault.actor, key="backup_folder", value=str(blocker))
    scheduler = BackupScheduler(real_vault)
    with qtbot.waitSignal(scheduler.failed, timeout=20_000) as signal:
        scheduler.check()
    assert str(blocker) in signal.args[0]
    scheduler.deleteLater()


def test_postgresql_gets_an_explanation(qtbot, pg_url):
    from tests.conftest import _pg_vault

    opened = _pg_vault(pg_url)
    try:
        view = SettingsView(opened)
        qtbot.addWidget(view)
        page = view.page("backup")
        assert not page.supported and view.scheduler is None
        assert "PostgreSQL" in page.intro.text()
        assert not hasattr(page, "backup_button")
    finally:
        settle(qtbot)
        opened.db.close()


def test_sizes_read_well():
    assert settings_backup.human_size(512) == _("{size} KB").format(size="1")
    assert settings_backup.human_size(2_500_000) == _("{size} MB").format(size="2.5")
    assert isinstance(Path(__file__), Path)


@needs_backup
def test_restore_sets_the_current_data_aside_and_closes(qtbot, real_vault, tmp_path, monkeypatch):
    from models import backup

    made = backup.make_backup(real_vault, tmp_path / "backups")
    change_setting(db=real_vault.db, actor=real_vault.actor, key="lock_minutes", value=42)
    boxes = MessageBoxes(monkeypatch)
    closed = []
    monkeypatch.setattr(
        settings_backup.BackupPage, "close_application", lambda page: closed.append(page)
    )
    view = settings_view(qtbot, real_vault, page="backup")
    page = view.page("backup")
    page.restore_from(made)
    settle(qtbot)
    dialog = page.dialog
    assert dialog.info.usernames == ("coordinator",)
    assert any("coordinator" in label.text() for label in dialog.findChildren(QLabel))
    dialog.password.setText("wrong password")
    dialog.submit()
    settle(qtbot)
    assert dialog.errors.text("password") == _("The user name or password is wrong.")
    assert not dialog.database_closed and dialog.isVisible()
    dialog.password.setText("correct horse battery")
    dialog.submit()
    settle(qtbot, timeout=30_000)
    assert dialog.database_closed and dialog.failure is None
    assert closed == [page]
    [message] = boxes.texts("information")
    aside = dialog.result_path
    assert aside is not None and aside.is_dir() and str(aside) in message
    folder = real_vault.keyring.keys_dir.parent
    opened = unlock_vault(folder, username="coordinator", password="correct horse battery")
    try:
        with opened.db.read() as session:
            assert get_setting(session, "lock_minutes") == 5  # as it was in the backup
    finally:
        opened.db.close()
