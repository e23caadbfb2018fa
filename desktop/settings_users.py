"""The Users settings page: who may sign in, with what role; adding, resetting, removing.

Coordinators see a table of accounts and can add a user (each user's password unlocks
their own key slot, so adding one takes a moment of key derivation — it runs in the
background), set a new password for someone who forgot theirs, and remove (deactivate)
an account. The services refuse what the rules forbid (removing oneself or the last
coordinator) and their message is shown as is. `PasswordFields` — new password, repeat
and live feedback on the password rules — is shared with the own-account page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from desktop.i18n import LANGUAGE_NAMES
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import (
    OK_STYLE,
    FieldErrors,
    ServiceDialog,
    SettingsPage,
    run_for,
    show_failure,
)
from desktop.worker import Report
from models import users
from models.errors import ValidationFailed
from models.tables import User
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import LANGUAGES, N_, _, current_language

Index = QModelIndex | QPersistentModelIndex
HEADER_KEY = "settings/users/header"
HEADERS = (N_("User name"), N_("Name"), N_("Role"), N_("Active"), N_("Last sign-in"))
DEFAULT_WIDTHS = (140, 220, 210, 110)


@dataclass(frozen=True)
class UserRow:
    """One account as the table shows it."""

    id: uuid.UUID
    version: int
    username: str
    display_name: str
    role: str
    active: bool
    last_login_at: datetime | None


def local_time(value: datetime | None) -> str:
    """An aware time shown in the computer's time zone, in the interface language."""
    if value is None:
        return ""
    local, lang = value.astimezone(), current_language()
    when = format_date(local.date(), format="medium", locale=lang)
    return f"{when} {format_time(local.time(), format='short', locale=lang)}"


class UsersModel(RowTableModel):
    """The accounts for a QTableView (an organisation has few, so all are read at once)."""

    headers = HEADERS

    COL_USERNAME, COL_NAME, COL_ROLE, COL_ACTIVE, COL_LAST = range(5)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[UserRow] = []

    def set_rows(self, rows: list[UserRow]) -> None:
        """Show these accounts."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return Qt.GlobalColor.gray
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == self.COL_USERNAME:
            return row.username
        if column == self.COL_NAME:
            return row.display_name
        if column == self.COL_ROLE:
            return default_vocabularies()["role"].label(row.role, current_language())
        if column == self.COL_ACTIVE:
            return _("Yes") if row.active else _("No (removed)")
        return local_time(row.last_login_at)

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        self.beginResetModel()
        self.endResetModel()


class PasswordFields:
    """A new password, its repetition and live feedback on the password rules."""

    def __init__(self, parent: QWidget, errors: FieldErrors, username: Any) -> None:
        self._username = username  # a callable giving the user name the password is for
        self.errors = errors
        self.password = QLineEdit(parent)
        self.password.setObjectName("new_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(parent)
        self.repeat.setObjectName("repeat_password")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_box = errors.wrap("password", self.password)
        self.repeat_box = errors.wrap("repeat", self.repeat)
        self.password.textChanged.connect(self.check)
        self.repeat.textChanged.connect(self.check)

    def check(self) -> bool:
        """Show what is wrong with the password (or that it is good); True if usable."""
        text, again = self.password.text(), self.repeat.text()
        label = self.errors.labels["password"]
        try:
            users.check_password(text, username=self._username())
        except ValidationFailed as exc:
            good = False
            label.setStyleSheet("color: #b00020;")
            self.errors.set("password", exc.field_errors["password"] if text else "")
        else:
            good = True
            label.setStyleSheet(OK_STYLE)
            self.errors.set("password", _("Good password."))
        same = text == again
        self.errors.set("repeat", "" if same or not again else _("The passwords do not match."))
        return good and same

    def clear(self) -> None:
        """Empty both fields."""
        self.password.clear()
        self.repeat.clear()


class AddUserDialog(ServiceDialog):
    """Name, user name, role, language and a first password for a new account."""

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_user_dialog")
        self.setWindowTitle(_("Add user"))
        self.opened = opened
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("display_name")
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for code, label in default_vocabularies()["role"].choices(current_language()):
            self.role.addItem(label, code)
        self.language = QComboBox(self)
        self.language.setObjectName("language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(self.language.findData(current_language()))
        self.passwords = PasswordFields(self, self.errors, lambda: self.username.text().strip())
        self.username.textChanged.connect(self.passwords.check)
        for label, name, field in (
            (_("Name:"), "display_name", self.display_name),
            (_("User name:"), "username", self.username),
            (_("Role:"), "role", self.role),
            (_("Language:"), "language", self.language),
        ):
            self.form.addRow(label, self.errors.wrap(name, field))
        self.form.addRow(_("Password:"), self.passwords.password_box)
        self.form.addRow(_("Repeat password:"), self.passwords.repeat_box)
        self.ok_button.setText(_("Add user"))

    def submit(self) -> None:
        """Add the account in the background."""
        if self.busy or not self.passwords.check():
            return
        opened = self.opened
        values = {
            "username": self.username.text().strip(),
            "display_name": self.display_name.text().strip(),
            "role": self.role.currentData(),
            "language": self.language.currentData(),
            "password": self.passwords.password.text(),
        }
        self._run(lambda _report: users.create_user(opened=opened, **values))


class PasswordDialog(ServiceDialog):
    """A coordinator sets a new password for someone else (who forgot theirs)."""

    def __init__(self, opened: OpenVault, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reset_password_dialog")
        self.setWindowTitle(_("New password for {username}").format(username=username))
        self.opened, self.username = opened, username
        self.passwords = PasswordFields(self, self.errors, lambda: username)
        self.form.addRow(_("New password:"), self.passwords.password_box)
        self.form.addRow(_("Repeat password:"), self.passwords.repeat_box)
        self.ok_button.setText(_("Set password"))

    def submit(self) -> None:
        """Set the password in the background."""
        if self.busy or not self.passwords.check():
            return
        opened, username, password = self.opened, self.username, self.passwords.password.text()
        self._run(
            lambda _report: users.change_password(
                opened=opened, username=username, new_password=password
            )
        )


class UsersPage(SettingsPage):
    """The table of accounts with Add, New password and Remove."""

    key = "users"
    title = N_("Users")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_users")
        self.dialog: QDialog | None = None
        self.model = UsersModel(self)
        self.table = record_table_view(self, self.model, "users_table", DEFAULT_WIDTHS)
        self.table.selectionModel().selectionChanged.connect(self._enable)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("add_user")
        self.add_button.clicked.connect(self.add_user)
        self.reset_button = QPushButton(self)
        self.reset_button.setObjectName("reset_password")
        self.reset_button.clicked.connect(self.reset_password)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("remove_user")
        self.remove_button.clicked.connect(self.remove_user)
        bar = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.remove_button):
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._enable()
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.add_button.setText(_("Add user…"))
        self.reset_button.setText(_("New password…"))
        self.remove_button.setText(_("Remove…"))
        self.table.setAccessibleName(_("Users"))
        self.model.retranslate()

    def refresh(self) -> None:
        """Read the accounts again."""
        super().refresh()
        db = self.opened.db

        def work(_report: Report) -> list[UserRow]:
            with db.read() as session:
                found = session.exec(select(User).order_by(User.active.desc(), User.username))
                return [
                    UserRow(u.id, u.version, u.username, u.display_name, u.role, u.active,
                            u.last_login_at)
                    for u in found
                ]  # fmt: skip

        run_for(self, work, self._show)

    def _show(self, rows: list[UserRow]) -> None:
        self.model.set_rows(rows)
        self._enable()

    def selected(self) -> UserRow | None:
        """The account selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select_username(self, username: str) -> None:
        """Select an account's row."""
        for number, row in enumerate(self.model.rows):
            if row.username == username:
                self.table.selectRow(number)

    def _enable(self, *_args: Any) -> None:
        row = self.selected()
        self.reset_button.setEnabled(row is not None and row.active)
        self.remove_button.setEnabled(row is not None and row.active)

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def add_user(self) -> None:
        """Open the Add user dialog (window-modal; the table is read again after adding)."""
        self._open(AddUserDialog(self.opened, self))

    def reset_password(self) -> None:
        """Set a new password for the selected account."""
        row = self.selected()
        if row is not None:
            self._open(PasswordDialog(self.opened, row.username, self))

    def remove_user(self) -> None:
        """Remove (deactivate) the selected account after a confirmation."""
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            _("Remove user"),
            _(
                "Remove the account “{username}” ({name})? They will no longer be able to "
                "sign in. Their cases and the audit log keep their name."
            ).format(username=row.username, name=row.display_name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        opened = self.opened

        def work(_report: Report) -> None:
            users.set_active(opened=opened, user_id=row.id, version=row.version, active=False)

        run_for(self, work, lambda _result: self.refresh(), on_error=self._remove_failed)

    def _remove_failed(self, exc: BaseException) -> None:
        show_failure(self, exc)
        self.refresh()

    def save_state(self, settings: QSettings) -> None:
        """Remember the column widths."""
        save_columns(self.table, settings, HEADER_KEY)

    def restore_state(self, settings: QSettings) -> None:
        """Restore the column widths."""
        restore_columns(self.table, settings, HEADER_KEY)
