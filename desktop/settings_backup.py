"""The Backup settings page: where backups go and how often, Back up now, and Restore.

On an encrypted file database a coordinator chooses a folder (ideally an external disk),
how often a backup is made (hours, 0 = never) and how many are kept; "Back up now"
writes one at once. The folder's backups are listed with their date, accounts and size.
"Restore…" replaces the database with a backup's contents after asking for a password of
an account in that backup; the current data is set aside, never deleted, and Komok
closes so it starts again on the restored data. A database on a PostgreSQL server is
backed up with the server's own tools; the page says so and offers nothing else.
The scheduled backups themselves are made by `settings_view.BackupScheduler`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from babel.numbers import format_decimal
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.row_table_model import restore_columns, save_columns
from desktop.settings_general import (
    OK_STYLE,
    ServiceDialog,
    SettingsForm,
    describe,
    run_for,
    show_failure,
)
from desktop.settings_users import local_time
from desktop.worker import Report, run_in_background
from models import backup, keyslots
from models.backup_format import read_header
from models.keyslots import WrongPasswordError
from models.vault import OpenVault
from translations import N_, _, current_language

HEADER_KEY = "settings/backup/header"
SCHEDULE_KEYS = ("backup_folder", "backup_interval_hours", "backup_keep")
HEADERS = (N_("Made on"), N_("Accounts"), N_("Size"), N_("File"))


def human_size(size: int) -> str:
    """A file size in KB or MB, in the interface language."""
    lang = current_language()
    if size < 1_000_000:
        return _("{size} KB").format(size=format_decimal(max(size, 1) / 1000, "#,##0", lang))
    return _("{size} MB").format(size=format_decimal(size / 1_000_000, "#,##0.0", lang))


def vault_folder(opened: OpenVault) -> Path:
    """The folder of the open vault (what a restore replaces)."""
    assert opened.keyring is not None
    return opened.keyring.keys_dir.parent


class RestoreDialog(ServiceDialog):
    """Shows what a backup holds, warns, and asks for a password of an account in it."""

    def __init__(self, opened: OpenVault, info: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restore_dialog")
        self.setWindowTitle(_("Restore from backup"))
        self.opened, self.info = opened, info
        self.result_path: Path | None = None
        self.database_closed = False
        self.failure: BaseException | None = None
        about = QLabel(
            _("Backup made on {date}, {size}. Accounts: {users}.").format(
                date=local_time(info.created_at),
                size=human_size(info.size),
                users=", ".join(info.usernames),
            ),
            self,
        )
        about.setWordWrap(True)
        warning = QLabel(
            _(
                "The database will be replaced by the backup's contents: changes made since "
                "the backup will not be in it. The current data is set aside in the data "
                "folder, not deleted. Komok then closes; start it again to work on the "
                "restored data."
            ),
            self,
        )
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #8a4b00;")
        self.username = QLineEdit(opened.actor.username, self)
        self.username.setObjectName("restore_username")
        self.password = QLineEdit(self)
        self.password.setObjectName("restore_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(about)
        self.form.addRow(warning)
        self.form.addRow(_("User name:"), self.errors.wrap("username", self.username))
        self.form.addRow(_("Password:"), self.errors.wrap("password", self.password))
        self.ok_button.setText(_("Restore"))
        self.password.setFocus()

    def submit(self) -> None:
        """Restore in the background with a progress dialog."""
        if self.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.errors.show({"password": _("Enter the user name and password.")})
            return
        opened, path, target = self.opened, self.info.path, vault_folder(self.opened)

        def work(report: Report) -> Path | None:
            # A wrong password is found before anything is closed; then the database is
            # closed, as restoring needs, and the app ends whatever the outcome.
            header, _info = read_header(path)
            slot = next((s for s in header["slots"] if s["username"] == username), None)
            if slot is None:
                raise WrongPasswordError()
            keyslots.unwrap_key(slot, password)
            opened.db.close()
            self.database_closed = True
            return backup.restore_backup(
                path, target, username=username, password=password, progress=report
            )

        self.ok_button.setEnabled(False)
        self.task = run_for(
            self, work, self._done, on_error=self._failed,
            progress_label=_("Restoring the backup…"),
        )  # fmt: skip

    def _done(self, result: Any) -> None:
        self.result_path = result
        super()._done(result)

    def _failed(self, exc: BaseException) -> None:
        if self.database_closed:
            self.failure = exc
            self.unsetCursor()
            self.done(QDialog.DialogCode.Rejected)
        elif isinstance(exc, WrongPasswordError):
            self.unsetCursor()
            self.ok_button.setEnabled(True)
            self.errors.show({"password": str(exc)})
            self.password.clear()
        else:
            super()._failed(exc)


class BackupPage(SettingsForm):
    """Backup folder and schedule, Back up now, the folder's backups, and Restore."""

    key = "backup"
    title = N_("Backup")
    keys = SCHEDULE_KEYS

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_backup")
        self.last_backup: Path | None = None
        self.dialog: RestoreDialog | None = None
        self.intro = QLabel(self)
        self.intro.setObjectName("backup_intro")
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        self.supported = opened.db.kind == "sqlcipher" and opened.keyring is not None
        if not self.supported:
            self.save_button.hide()
            self.status.hide()
            layout.addStretch(1)
            self.retranslate()
            return
        self.folder = QLineEdit(self)
        self.folder.setObjectName("backup_folder")
        self.choose_button = QPushButton(self)
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose_button)
        self.interval = QSpinBox(self)
        self.interval.setObjectName("backup_interval_hours")
        self.interval.setRange(0, 24 * 90)
        self.keep = QSpinBox(self)
        self.keep.setObjectName("backup_keep")
        self.keep.setRange(1, 1000)
        for spin in (self.interval, self.keep):
            spin.setMaximumWidth(200)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.labels = [QLabel(self) for _key in SCHEDULE_KEYS]
        for label, key, field in zip(
            self.labels, SCHEDULE_KEYS, (folder_row, self.interval, self.keep), strict=True
        ):
            self.form.addRow(label, self.errors.wrap(key, field))
        self.backup_button = QPushButton(self)
        self.backup_button.setObjectName("backup_now")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton(self)
        self.restore_button.setObjectName("restore_backup")
        self.restore_button.clicked.connect(self.choose_restore)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("backup_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 200, 90)):
            header.resizeSection(column, width)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.backup_button, self.restore_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        if not self.supported:
            self.intro.setText(
                _(
                    "This database is on a PostgreSQL server. Komok does not back it up: "
                    "the server's administrator backs it up with the server's own tools "
                    "(for example pg_dump), which also cover every other computer using it."
                )
            )
            return
        self.intro.setText(
            _(
                "Backups are encrypted with the database's key; only someone with a "
                "password of an account in the backup can restore one. Keep them on "
                "another disk than this computer's."
            )
        )
        for label, text in zip(
            self.labels, (_("Folder:"), _("Back up every:"), _("Keep the newest:")), strict=True
        ):
            label.setText(text)
        self.choose_button.setText(_("Choose…"))
        self.interval.setSuffix(" " + _("hours"))
        self.interval.setSpecialValueText(_("Never (only by hand)"))
        self.keep.setSuffix(" " + _("backups"))
        self.save_button.setText(_("Save"))
        self.backup_button.setText(_("Back up now"))
        self.restore_button.setText(_("Restore…"))
        self.table.setHorizontalHeaderLabels([_(text) for text in HEADERS])

    # --- schedule ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the schedule, then list the backups in its folder."""
        if self.supported:
            super().refresh()

    def show_values(self, values: dict[str, Any]) -> None:
        """Put the saved schedule into the fields and list the folder's backups."""
        self.folder.setText(str(values.get("backup_folder") or ""))
        self.interval.setValue(int(values.get("backup_interval_hours") or 0))
        self.keep.setValue(int(values.get("backup_keep") or 1))
        self.list_backups()

    def values(self) -> dict[str, Any]:
        """The schedule as typed now."""
        return {
            "backup_folder": self.folder.text().strip(),
            "backup_interval_hours": self.interval.value(),
            "backup_keep": self.keep.value(),
        }

    def after_save(self) -> None:
        """List the backups of the (perhaps new) folder."""
        self.list_backups()

    def choose_folder(self) -> None:
        """Pick the backup folder."""
        folder = QFileDialog.getExistingDirectory(self, _("Backup folder"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    # --- backups in the folder ----------------------------------------------------------

    def list_backups(self) -> None:
        """List the backup files in the folder (newest first) in the background."""
        folder = self.folder.text().strip()

        def work(_report: Report) -> list[Any]:
            if not folder or not Path(folder).is_dir():
                return []
            found = []
            for path in Path(folder).glob("*.kbk"):
                try:
                    found.append(backup.read_backup_header(path))
                except Exception:  # another program's file or a damaged one: not listed
                    continue
            return sorted(found, key=lambda info: info.created_at, reverse=True)

        run_for(self, work, self._show_backups)

    def _show_backups(self, infos: list[Any]) -> None:
        self.table.setRowCount(len(infos))
        for row, info in enumerate(infos):
            cells = (
                local_time(info.created_at), ", ".join(info.usernames), human_size(info.size),
                info.path.name,
            )  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                item.setData(Qt.ItemDataRole.UserRole, str(info.path))
                self.table.setItem(row, column, item)

    def back_up_now(self) -> None:
        """Write a backup into the folder now, with a progress dialog."""
        folder = self.folder.text().strip()
        if not folder:
            self.errors.show({"backup_folder": _("Choose a folder for the backups first.")})
            return
        opened = self.opened
        self.backup_button.setEnabled(False)

        def work(report: Report) -> Path:
            return backup.make_backup(opened, Path(folder), progress=report)

        run_in_background(
            self, work, on_done=self._backed_up, on_error=self._backup_failed,
            progress_label=_("Making a backup…"), cancellable=True,
        )  # fmt: skip

    def _backed_up(self, path: Path) -> None:
        if not shiboken6.isValid(self):
            return
        self.backup_button.setEnabled(True)
        self.last_backup = path
        size = path.stat().st_size if path.exists() else 0
        message = _("Backup saved: {path} ({size})").format(path=path, size=human_size(size))
        self.say(message, OK_STYLE)
        self.list_backups()
        QMessageBox.information(self, _("Backup"), message)

    def _backup_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self.backup_button.setEnabled(True)
            show_failure(self, exc)

    # --- restoring ------------------------------------------------------------------------

    def choose_restore(self) -> None:
        """Pick a backup file, then ask for a password to restore it."""
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Restore from backup"), self.folder.text(),
            _("Komok backups ({pattern})").format(pattern="*.kbk"),
        )  # fmt: skip
        if name:
            self.restore_from(Path(name))

    def restore_from(self, path: Path) -> None:
        """Read the backup's header, then open the restore dialog for it."""
        run_for(self, lambda _report: backup.read_backup_header(path), self._ask_restore)

    def _ask_restore(self, info: Any) -> None:
        self.dialog = RestoreDialog(self.opened, info, self)
        self.dialog.finished.connect(self._restore_finished)
        self.dialog.open()

    def _restore_finished(self, _result: int) -> None:
        dialog = self.dialog
        if dialog is None or not dialog.database_closed:
            return  # cancelled, or refused before anything was closed
        if dialog.failure is None:
            aside = dialog.result_path or vault_folder(self.opened)
            title, text = (
                _("Backup restored"),
                _(
                    "The backup was restored. Komok will close now; start it again and sign in "
                    "to work on the restored data. The data from before is kept in {path}."
                ).format(path=aside),
            )
        else:
            title, text = (
                _("Komok"),
                _(
                    "Nothing was restored: {error}\nKomok will close now; start it again to "
                    "go on working on the data as it was."
                ).format(error=describe(dialog.failure)),
            )
        QMessageBox.information(self, title, text)
        self.close_application()

    def close_application(self) -> None:
        """Close every window so Komok ends cleanly (the database is closed on the way out)."""
        QApplication.closeAllWindows()

    def save_state(self, settings: QSettings) -> None:
        """Remember the column widths."""
        if self.supported:
            save_columns(self.table, settings, HEADER_KEY)

    def restore_state(self, settings: QSettings) -> None:
        """Restore the column widths."""
        if self.supported:
            restore_columns(self.table, settings, HEADER_KEY)
