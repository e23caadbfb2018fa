"""The sign-in dialog, and the password input and retry countdown it shares with the lock.

The dialog does not know how to open anything: it is given an `authenticate(username,
password)` function (unlock a vault, or connect to the server) and runs it in the
background, since key derivation takes a moment. A wrong password is shown in the dialog
and the user can try again; too many wrong passwords disable Sign in behind a live
countdown; any other error closes the dialog and is kept in `failure` for the start-up
code to report. On the demo the dialog comes pre-filled with the demo sign-in, shown in
plain sight, so one click enters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.worker import BackgroundTask, run_in_background
from models.keyslots import WrongPasswordError
from models.throttle import LoginThrottled
from translations import _, ngettext

USERNAME_KEY = "login/username"
ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: #8a5a00;"
DEMO_STYLE = (
    "QLabel#demo_credentials { background: #fff3c4; color: #4a3b00; padding: 8px 10px;"
    " border: 1px solid #e0c860; border-radius: 3px; }"
)


def error_label(parent: QWidget, name: str = "") -> QLabel:
    """A hidden, wrapping label in the error colour, for a message under a field or form."""
    label = QLabel(parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def heading_label(text: str, parent: QWidget, *, scale: float = 1.4) -> QLabel:
    """A bold label in a larger font, for the first line of a dialog or screen."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class PasswordInput(QWidget):
    """A password field with a Show-password box and a Caps Lock hint below it.

    Qt cannot ask the keyboard whether Caps Lock is on, so the hint is inferred from what
    is typed: a capital letter without Shift (or a small one with Shift) means it is on.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("password")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.installEventFilter(self)
        self.show_box = QCheckBox(self)
        self.show_box.setObjectName("show_password")
        self.show_box.toggled.connect(self._show_toggled)
        self.caps_label = QLabel(self)
        self.caps_label.setObjectName("caps_lock_hint")
        self.caps_label.setStyleSheet(HINT_STYLE)
        self.caps_label.hide()
        below = QHBoxLayout()
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.show_box)
        below.addStretch(1)
        below.addWidget(self.caps_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addLayout(below)
        self.retranslate()

    @property
    def caps_lock_on(self) -> bool:
        """Whether the last letter typed suggests Caps Lock is on."""
        return not self.caps_label.isHidden()

    def text(self) -> str:
        """The password typed."""
        return self.edit.text()

    def clear(self) -> None:
        """Empty the field."""
        self.edit.clear()

    def _show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Watch the letters typed into the field to guess the Caps Lock state."""
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            text = event.text()
            if len(text) == 1 and text.lower() != text.upper():
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.caps_label.setVisible(text.isupper() != shift)
        return False

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.show_box.setText(_("Show password"))
        self.caps_label.setText(_("Caps Lock is on"))
        self.edit.setAccessibleName(_("Password"))


class RetryCountdown(QObject):
    """Counts down a sign-in wait; `changed(text)` every second, `finished` at zero."""

    changed = Signal(str)
    finished = Signal()
    TICK_MS = 200

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deadline = 0.0
        self._shown = -1
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def running(self) -> bool:
        """Whether a wait is being counted down."""
        return self._timer.isActive()

    def start(self, seconds: float) -> None:
        """Count down `seconds` from now."""
        self._deadline = time.monotonic() + max(0.0, seconds)
        self._shown = -1
        self._timer.start()
        self._tick()

    def stop(self) -> None:
        """Stop counting without emitting `finished`."""
        self._timer.stop()

    def _tick(self) -> None:
        left = math.ceil(self._deadline - time.monotonic())
        if left <= 0:
            self._timer.stop()
            self.finished.emit()
            return
        if left != self._shown:
            self._shown = left
            self.changed.emit(
                ngettext(
                    "Too many wrong passwords. Try again in {n} second.",
                    "Too many wrong passwords. Try again in {n} seconds.",
                    left,
                ).format(n=left)
            )


class LoginDialog(QDialog):
    """Asks for a user name and password; `opened` holds the result once accepted.

    `heading` names what is opened (the organisation is unknown until the database is
    unlocked, so "Komok" by default); `place` says where it is. With `demo`, the fields
    are filled with `demo_credentials` and those are shown, marked as demo data.
    """

    def __init__(
        self,
        authenticate: Callable[[str, str], Any],
        *,
        place: str,
        parent: QWidget | None = None,
        heading: str | None = None,
        demo: bool = False,
        demo_credentials: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self.setWindowTitle(_("Sign in to Komok"))
        self.setMinimumWidth(460)
        self._authenticate = authenticate
        self._task: BackgroundTask | None = None
        self.demo = demo
        self.opened: Any = None
        self.failure: BaseException | None = None

        self.heading = heading_label(heading or _("Komok"), self)
        self.heading.setObjectName("login_heading")
        intro = QLabel(_("Sign in to open the case database."), self)
        intro.setWordWrap(True)
        self.place_label = QLabel(place, self)
        self.place_label.setWordWrap(True)
        self.place_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.place_label.setStyleSheet("color: palette(placeholder-text);")
        self.demo_label = QLabel(self)
        self.demo_label.setObjectName("demo_credentials")
        self.demo_label.setStyleSheet(DEMO_STYLE)
        self.demo_label.setWordWrap(True)
        self.demo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_label.setVisible(demo)
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.password_input = PasswordInput(self)
        self.password = self.password_input.edit
        self.error_label = error_label(self, "login_error")
        self.countdown = RetryCountdown(self)
        self.countdown.changed.connect(self.show_error)
        self.countdown.finished.connect(self._wait_over)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(_("Open the demo") if demo else _("Sign in"))
        self.sign_in_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._sign_in)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(_("User name:"), self.username)
        form.addRow(_("Password:"), self.password_input)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(intro)
        layout.addWidget(self.place_label)
        layout.addWidget(self.demo_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        if demo and demo_credentials is not None:
            self._fill_demo(*demo_credentials)
        else:
            self.username.setText(str(QSettings().value(USERNAME_KEY, "") or ""))
            (self.password if self.username.text() else self.username).setFocus()
        self._fit_height()

    def _fit_height(self) -> None:
        """Start as tall as the wrapped texts need at the dialog's width, no taller."""
        width = max(self.minimumWidth(), self.sizeHint().width())
        height = self.layout().totalHeightForWidth(width)
        if height > 0:
            self.resize(width, height)

    def _fill_demo(self, username: str, password: str) -> None:
        self.demo_label.setText(
            _(
                "Demo data: every person and case here is invented. Do not enter real "
                "cases.\nDemo sign-in: user name “{username}”, password “{password}”."
            ).format(username=username, password=password)
        )
        self.username.setText(username)
        self.password.setText(password)
        self.password_input.show_box.setChecked(True)  # nothing secret about it
        self.sign_in_button.setFocus()

    @property
    def busy(self) -> bool:
        """Whether a sign-in is running."""
        return self._task is not None and self._task.running

    def show_error(self, message: str) -> None:
        """Show a message under the fields (empty hides it)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.username, self.password_input, self.sign_in_button):
            widget.setEnabled(not busy)
        if busy:
            self.show_error("")
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _sign_in(self) -> None:
        if self.busy or self.countdown.running:
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
        if not self.demo:  # the next real sign-in must not be offered the demo account
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
        if isinstance(exc, LoginThrottled):
            self.sign_in_button.setEnabled(False)
            self.countdown.start(exc.seconds)
            return
        self.failure = exc
        self.reject()

    def _wait_over(self) -> None:
        self.sign_in_button.setEnabled(True)
        self.show_error(_("You can try again now."))
        self.password.setFocus()

    def reject(self) -> None:
        """Close without signing in (ignored while a sign-in is running)."""
        if self.busy:
            return
        self.countdown.stop()
        super().reject()
