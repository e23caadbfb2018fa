"""The sign-in dialog: a user name and password that open the database.

The dialog does not know how to open anything: it is given an `authenticate(username,
password)` function (unlock a vault, or connect to the server) and runs it in the
background, since key derivation takes a moment. A wrong password is shown in the dialog
and the user can try again; any other error closes the dialog and is kept in `failure`
for the start-up code to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.worker import BackgroundTask, run_in_background
from models.keyslots import WrongPasswordError
from translations import _

USERNAME_KEY = "login/username"


class LoginDialog(QDialog):
    """Asks for a user name and password; `opened` holds the result once accepted."""

    def __init__(
        self,
        authenticate: Callable[[str, str], Any],
        *,
        place: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self.setWindowTitle(_("Sign in to Komok"))
        self.setMinimumWidth(420)
        self._authenticate = authenticate
        self._task: BackgroundTask | None = None
        self.opened: Any = None
        self.failure: BaseException | None = None

        intro = QLabel(_("Sign in to open the case database."), self)
        intro.setWordWrap(True)
        self.place_label = QLabel(place, self)
        self.place_label.setWordWrap(True)
        self.place_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.place_label.setStyleSheet("color: palette(placeholder-text);")
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.username.setText(str(QSettings().value(USERNAME_KEY, "") or ""))
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("login_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(_("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._sign_in)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(_("User name:"), self.username)
        form.addRow(_("Password:"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.place_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        (self.password if self.username.text() else self.username).setFocus()

    @property
    def busy(self) -> bool:
        """Whether a sign-in is running."""
        return self._task is not None and self._task.running

    def show_error(self, message: str) -> None:
        """Show a message under the fields (empty hides it)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.username, self.password, self.sign_in_button):
            widget.setEnabled(not busy)
        if busy:
            self.show_error("")
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _sign_in(self) -> None:
        if self.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.show_error(_("Enter your user name and password."))
            (self.password if username else self.username).setFocus()
            return
        self._set_busy(True)
        self._task = run_in_background(
            self,
            lambda _report: self._authenticate(username, password),
            on_done=self._signed_in,
            on_error=self._failed,
        )

    def _signed_in(self, opened: Any) -> None:
        self._set_busy(False)
        QSettings().setValue(USERNAME_KEY, self.username.text().strip())
        self.opened = opened
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, WrongPasswordError):
            self.show_error(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.failure = exc
        self.reject()

    def reject(self) -> None:
        """Close without signing in (ignored while a sign-in is running)."""
        if self.busy:
            return
        super().reject()
