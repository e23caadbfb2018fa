"""The Settings screen: one tab per settings page the signed-in role may use.

Coordinators see General, Letters, Users, My account, Audit log, Backup and Retention;
volunteers and caseworkers see only My account (their own password). Each page reads its data the
first time it is shown and again on Refresh (F5). The last page and each table's column
widths are kept in QSettings. The screen also owns the `BackupScheduler` of an encrypted
file database: every few minutes it asks `models.backup.run_scheduled_backup` (which
decides whether one is due) in the background, and the screen shows its news in the main
window's status bar.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from desktop.settings_audit import AuditPage
from desktop.settings_backup import BackupPage
from desktop.settings_general import (
    ERROR_STYLE,
    OK_STYLE,
    FieldErrors,
    GeneralPage,
    SettingsPage,
    describe,
    run_for,
    show_failure,
)
from desktop.settings_letterhead import LetterheadPage
from desktop.settings_retention import RetentionPage
from desktop.settings_users import PasswordFields, UsersPage
from desktop.worker import Report, run_in_background
from models import backup, users
from models.errors import ValidationFailed
from models.keyslots import WrongPasswordError
from models.permissions import has
from models.tables import User
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language

PAGE_KEY = "settings_view/page"
CHECK_EVERY_MS = 15 * 60 * 1000  # how often the scheduler looks whether a backup is due
FIRST_CHECK_MS = 60 * 1000  # and once shortly after start
STATUS_SUCCESS_MS = 15_000


class BackupScheduler(QObject):
    """Makes the scheduled backups while the app runs, in the background."""

    made = Signal(str)
    failed = Signal(str)

    def __init__(self, opened: OpenVault, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.opened = opened
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        QTimer.singleShot(FIRST_CHECK_MS, self, self.check)

    def check(self) -> None:
        """Make a backup now if one is due (nothing happens while one is being made)."""
        if self.running:
            return
        self.running = True
        opened = self.opened

        def work(_report: Report) -> Path | None:
            return backup.run_scheduled_backup(opened)

        run_in_background(None, work, on_done=self._done, on_error=self._failed)

    def _done(self, path: Path | None) -> None:
        if shiboken6.isValid(self):
            self.running = False
            if path is not None:
                self.made.emit(_("Backup saved: {path}").format(path=path))

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self.running = False
            self.failed.emit(_("The scheduled backup failed: {error}").format(error=describe(exc)))


class AccountPage(SettingsPage):
    """The signed-in user's own account: who they are, and changing their password."""

    key = "account"
    title = N_("My account")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_account")
        self.display_name = opened.actor.username
        self.errors = FieldErrors()
        self.who = QLabel(self)
        self.who.setObjectName("account_who")
        self.who.setWordWrap(True)
        self.heading = QLabel(self)
        self.current = QLineEdit(self)
        self.current.setObjectName("current_password")
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.passwords = PasswordFields(self, self.errors, lambda: opened.actor.username)
        self.change_button = QPushButton(self)
        self.change_button.setObjectName("change_own_password")
        self.change_button.clicked.connect(self.change_password)
        self.status = QLabel(self)
        self.status.setObjectName("account_status")
        self.status.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.labels = [QLabel(self) for _n in range(3)]
        self.form.addRow(self.labels[0], self.errors.wrap("current", self.current))
        self.form.addRow(self.labels[1], self.passwords.password_box)
        self.form.addRow(self.labels[2], self.passwords.repeat_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.change_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.who)
        layout.addSpacing(8)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        actor = self.opened.actor
        role = default_vocabularies()["role"].label(actor.role, current_language())
        self.who.setText(
            _("Signed in as {name} (user name “{username}”), {role}.").format(
                name=self.display_name, username=actor.username, role=role
            )
        )
        self.heading.setText("<b>" + _("Change your password") + "</b>")
        for label, text in zip(
            self.labels,
            (_("Current password:"), _("New password:"), _("Repeat password:")),
            strict=True,
        ):
            label.setText(text)
        self.change_button.setText(_("Change password"))

    def refresh(self) -> None:
        """Read the signed-in user's name."""
        super().refresh()
        db, user_id = self.opened.db, self.opened.actor.user_id

        def work(_report: Report) -> str | None:
            if user_id is None:
                return None
            with db.read() as session:
                return session.exec(select(User.display_name).where(User.id == user_id)).first()

        def done(name: str | None) -> None:
            if name:
                self.display_name = name
                self.retranslate()

        run_for(self, work, done)

    def change_password(self) -> None:
        """Change the own password (the current one is checked) in the background."""
        self.status.clear()
        if not self.current.text():
            self.errors.set("current", _("Enter your current password."))
            return
        self.errors.set("current", "")
        if not self.passwords.check():
            return
        opened, current = self.opened, self.current.text()
        new = self.passwords.password.text()

        def work(_report: Report) -> None:
            users.change_password(
                opened=opened, username=opened.actor.username, new_password=new,
                current_password=current,
            )  # fmt: skip

        self.change_button.setEnabled(False)
        run_for(self, work, self._changed, on_error=self._failed)

    def _changed(self, _result: object) -> None:
        self.change_button.setEnabled(True)
        self.current.clear()
        self.passwords.clear()
        self.errors.clear()
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(_("Your password was changed. Use the new one from now on."))

    def _failed(self, exc: BaseException) -> None:
        self.change_button.setEnabled(True)
        if isinstance(exc, WrongPasswordError):
            self.errors.set("current", _("This is not your current password."))
            self.current.clear()
            self.current.setFocus()
        elif isinstance(exc, ValidationFailed):
            self.errors.show(exc.field_errors)
            self.status.setStyleSheet(ERROR_STYLE)
        else:
            show_failure(self, exc)


# Each page with the permission it needs (None: everyone), in tab order.
PAGES: tuple[tuple[type[SettingsPage], str | None], ...] = (
    (GeneralPage, "settings"),
    (LetterheadPage, "settings"),
    (UsersPage, "manage_users"),
    (AccountPage, None),
    (AuditPage, "view_audit"),
    (BackupPage, "backup"),
    (RetentionPage, "retention"),
)


class SettingsView(QWidget):
    """The Settings screen: the pages the signed-in role may use, as tabs."""

    title = N_("Settings")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_view")
        self.opened = opened
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        self.tabs.setDocumentMode(True)
        self.pages: dict[str, SettingsPage] = {}
        for page_class, permission in PAGES:
            if permission is None or has(opened.actor, permission):
                page = page_class(opened, self.tabs)
                self.pages[page.key] = page
                self.tabs.addTab(page, "")
        self.tabs.currentChanged.connect(lambda _index: self._load_current())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addWidget(self.tabs)
        self.scheduler: BackupScheduler | None = None
        if opened.db.kind == "sqlcipher" and opened.keyring and has(opened.actor, "backup"):
            self.scheduler = BackupScheduler(opened, self)
            self.scheduler.made.connect(lambda text: self.show_status(text, STATUS_SUCCESS_MS))
            self.scheduler.failed.connect(lambda text: self.show_status(text, 0))
        self.retranslate()

    def page(self, key: str) -> SettingsPage | None:
        """The page with this key, if the role may see it."""
        return self.pages.get(key)

    def current_page(self) -> SettingsPage | None:
        """The page on show."""
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, SettingsPage) else None

    def show_page(self, key: str) -> None:
        """Switch to a page (nothing happens if the role may not see it)."""
        page = self.pages.get(key)
        if page is not None:
            self.tabs.setCurrentWidget(page)

    def show_status(self, text: str, timeout_ms: int) -> None:
        """Show a message in the main window's status bar (0: until replaced)."""
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, timeout_ms)

    def _load_current(self) -> None:
        page = self.current_page()
        if page is not None and not page.loaded and self.isVisible():
            page.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Read the current page's data the first time the screen is shown."""
        super().showEvent(event)
        self._load_current()

    def refresh(self) -> None:
        """Read the current page's data again; the other pages read theirs when shown."""
        for page in self.pages.values():
            page.loaded = False
        page = self.current_page()
        if page is not None:
            page.refresh()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, SettingsPage):
                self.tabs.setTabText(index, _(page.title))
                page.retranslate()

    def save_state(self, settings: QSettings) -> None:
        """Remember the page on show and each page's column widths."""
        page = self.current_page()
        if page is not None:
            settings.setValue(PAGE_KEY, page.key)
        for page in self.pages.values():
            page.save_state(settings)

    def restore_state(self, settings: QSettings) -> None:
        """Go back to the remembered page and column widths (data is read when shown)."""
        for page in self.pages.values():
            page.restore_state(settings)
        key = settings.value(PAGE_KEY)
        if isinstance(key, str):
            self.show_page(key)
