"""Locking the main window: after idle time or Ctrl+L, nothing personal stays on screen.

A locked window shows only "Komok — locked", who is signed in and a password field: the
screens are swapped out of the window's central stack (hidden, so neither the eye nor an
accessibility tool reaches the case list), the title is neutral, the status bar, tool
bars and docks are hidden, every action but Quit is disabled, open menus and tooltips
close, the clipboard is emptied if Komok put something there, and the app's other windows
and dialogs are hidden until the unlock shows them again.

Dialogs of the main window should be opened with `open()`, not `exec()`: hiding a dialog
ends its `exec()` loop (as a cancel), so such a dialog is closed rather than shown again.

Unlocking checks the password the way signing in does (`verify_password`): the user's
key slot on an SQLCipher vault, the Argon2id hash on a server, with the same growing
waits after wrong passwords; "unlock" and "failed_login" go to the audit log.

Screens with unsaved work take part through `Lockable` (and the `about_to_lock` signal):
before the lock they stash their drafts where the data lives (the encrypted database,
never a plain file) and clear personal text from their widgets; after the unlock they
restore them. The case workspace, the first screen with editors, will implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.idle import IdleWatcher
from desktop.login_dialog import (
    PasswordInput,
    RetryCountdown,
    error_label,
    heading_label,
)
from desktop.worker import BackgroundTask, run_in_background
from models.errors import KomokError
from models.reauth import verify_password
from models.throttle import LoginThrottled
from models.vault import OpenVault
from translations import _


@runtime_checkable
class Lockable(Protocol):
    """A screen that holds unsaved work and must hide it while the app is locked."""

    def stash_for_lock(self) -> None:
        """Save drafts encrypted (in the database) and clear personal text from widgets."""

    def restore_after_unlock(self) -> None:
        """Bring back what `stash_for_lock` put away."""


# --- the lock screen -----------------------------------------------------------------------


class LockScreen(QWidget):
    """What a locked window shows: a neutral heading, who is signed in, a password field."""

    unlock_requested = Signal(str)

    def __init__(self, user_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self._user_name = user_name
        self.heading = heading_label("", self, scale=1.8)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.user_label = QLabel(self)
        self.user_label.setObjectName("lock_user")
        self.user_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.prompt = QLabel(self)
        self.prompt.setWordWrap(True)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.password_input = PasswordInput(self)
        self.password = self.password_input.edit
        self.password.returnPressed.connect(self._submit)
        self.unlock_button = QPushButton(self)
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.error_label = error_label(self, "lock_error")
        self.countdown = RetryCountdown(self)
        self.countdown.changed.connect(self.show_error)
        self.countdown.finished.connect(self._wait_over)

        panel = QFrame(self)
        panel.setObjectName("lock_panel")
        panel.setFixedWidth(380)
        box = QVBoxLayout(panel)
        box.setSpacing(10)
        for widget in (self.heading, self.user_label, self.prompt, self.password_input):
            box.addWidget(widget)
        box.addWidget(self.error_label)
        box.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.retranslate()

    def show_error(self, message: str) -> None:
        """Show a message under the password field (empty hides it)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def set_busy(self, busy: bool) -> None:
        """Disable the field and button while the password is checked."""
        self.password_input.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy and not self.countdown.running)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def reset(self) -> None:
        """Empty the field and messages, ready for a new lock."""
        self.password.clear()
        self.password_input.show_box.setChecked(False)
        if not self.countdown.running:
            self.show_error("")
        self.password.setFocus()

    def wait(self, seconds: float) -> None:
        """Refuse tries for `seconds`, counting down on screen."""
        self.unlock_button.setEnabled(False)
        self.countdown.start(seconds)

    def _wait_over(self) -> None:
        self.unlock_button.setEnabled(True)
        self.show_error(_("You can try again now."))

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        if not self.password.text():
            self.show_error(_("Enter your password."))
            return
        self.unlock_requested.emit(self.password.text())

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.heading.setText(_("Komok — locked"))
        self.user_label.setText(_("Signed in: {name}").format(name=self._user_name))
        self.prompt.setText(_("Enter your password to continue."))
        self.unlock_button.setText(_("Unlock"))
        self.password_input.retranslate()


# --- the controller ------------------------------------------------------------------------


class _HiddenWindow(QObject):
    """A window the lock hid, and whether it was closed (or its dialog ended) meanwhile."""

    def __init__(self, window: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self.window = window
        self.was_modal = window.isModal()
        self.closed = False
        window.installEventFilter(self)
        if isinstance(window, QDialog):
            window.finished.connect(self._closed)
        window.hide()

    def _closed(self, *_args) -> None:
        self.closed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.closed = True
        return False

    def bring_back(self) -> None:
        """Show the window again, unless it closed or its `exec()` ended while hidden."""
        if shiboken6.isValid(self.window):
            self.window.removeEventFilter(self)
            if self.was_modal and not self.window.isModal():
                self.window.close()  # its exec() returned when it was hidden
            elif not self.closed:
                self.window.show()
        self.deleteLater()


class LockController(QObject):
    """Locks and unlocks one main window; counts idle time with an `IdleWatcher`.

    `stack` is the window's central stack; the lock screen is added to it and the page
    shown before the lock comes back after. `keep_enabled` are actions that still work
    while locked (Quit). `lockables()` gives the screens to offer `Lockable` calls.
    """

    about_to_lock = Signal()
    locked_changed = Signal(bool)

    def __init__(
        self,
        window: QMainWindow,
        *,
        stack: QStackedWidget,
        opened: OpenVault,
        user_name: str,
        title: Callable[[], str],
        keep_enabled: Sequence[QAction] = (),
        idle_minutes: int = 5,
        lockables: Callable[[], Iterable[object]] = tuple,
    ) -> None:
        super().__init__(window)
        self._window, self._stack, self._opened = window, stack, opened
        self._title, self._keep, self._lockables = title, tuple(keep_enabled), lockables
        self._locked = False
        self._page: QWidget | None = None
        self._focus: QWidget | None = None
        self._disabled: list[QAction] = []
        self._hidden_bars: list[QWidget] = []
        self._hidden_windows: list[_HiddenWindow] = []
        self._status_shown = False
        self._task: BackgroundTask | None = None
        self.screen = LockScreen(user_name, stack)
        self.screen.unlock_requested.connect(self.try_unlock)
        stack.addWidget(self.screen)
        self.idle = IdleWatcher(1, self)
        self.idle.set_minutes(idle_minutes)
        self.idle.idle.connect(self.lock)

    @property
    def locked(self) -> bool:
        """Whether the window is locked."""
        return self._locked

    @property
    def busy(self) -> bool:
        """Whether a password is being checked."""
        return self._task is not None and self._task.running

    def start(self) -> None:
        """Begin counting idle time (when the window is shown)."""
        if not self._locked:
            self.idle.start()

    def stop(self) -> None:
        """Stop counting idle time (when the window closes)."""
        self.idle.stop()

    def set_idle_minutes(self, minutes: int) -> None:
        """Use a new `lock_minutes` setting from now on."""
        self.idle.set_minutes(minutes)

    def lock(self) -> None:
        """Hide everything personal and ask for the password (does nothing when locked)."""
        if self._locked or not shiboken6.isValid(self._window):
            return
        self.about_to_lock.emit()
        for view in self._lockables():
            if isinstance(view, Lockable):
                view.stash_for_lock()
        self._locked = True
        self.idle.stop()
        self._close_transients()
        self._page = self._stack.currentWidget()
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and self._window.isAncestorOf(focus) else None
        self._stack.setCurrentWidget(self.screen)
        self._window.setWindowTitle(self._title())
        status = self._window.statusBar()
        self._status_shown = not status.isHidden()
        status.clearMessage()
        status.hide()
        bars = self._window.findChildren(QToolBar) + self._window.findChildren(QDockWidget)
        self._hidden_bars = [bar for bar in bars if not bar.isHidden()]
        for bar in self._hidden_bars:
            bar.hide()
        self._disable_actions()
        self._hidden_windows = [
            _HiddenWindow(widget, self)
            for widget in QApplication.topLevelWidgets()
            if widget is not self._window and widget.isVisible() and widget.isWindow()
        ]
        self.screen.reset()
        self.locked_changed.emit(True)

    def _close_transients(self) -> None:
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        QToolTip.hideText()
        clipboard = QGuiApplication.clipboard()
        if clipboard.ownsClipboard():
            clipboard.clear()

    def _disable_actions(self) -> None:
        keep = set(self._keep)
        for menu in self._window.findChildren(QMenu):
            if any(action in keep for action in menu.actions()):
                keep.add(menu.menuAction())
        screen_actions = set(self.screen.findChildren(QAction))
        self._disabled = [
            action for action in self._window.findChildren(QAction)
            if action.isEnabled() and action not in keep and action not in screen_actions
        ]  # fmt: skip
        for action in self._disabled:
            action.setEnabled(False)

    def try_unlock(self, password: str) -> None:
        """Check `password` in the background and unlock if it is right."""
        if not self._locked or self.busy:
            return
        self.screen.set_busy(True)
        self.screen.show_error("")
        opened = self._opened
        self._task = run_in_background(
            None,
            lambda _report: verify_password(opened, password),
            on_done=lambda _result: self._verified(),
            on_error=self._refused,
        )

    def _verified(self) -> None:
        self.screen.set_busy(False)
        self.unlock()

    def _refused(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self.screen):
            return
        self.screen.set_busy(False)
        self.screen.password.clear()
        self.screen.password.setFocus()
        if isinstance(exc, LoginThrottled):
            self.screen.wait(exc.seconds)
        elif isinstance(exc, KomokError):
            self.screen.show_error(str(exc))
        else:
            self.screen.show_error(
                _("The password could not be checked: {error}").format(error=exc)
            )

    def unlock(self) -> None:
        """Show the window's contents again (called once the password was verified)."""
        if not self._locked:
            return
        self._locked = False
        self.screen.password.clear()
        if self._page is not None and shiboken6.isValid(self._page):
            self._stack.setCurrentWidget(self._page)
        if self._focus is not None and shiboken6.isValid(self._focus):
            self._focus.setFocus()
        self._window.setWindowTitle(self._title())
        self._window.statusBar().setVisible(self._status_shown)
        for action in self._disabled:
            if shiboken6.isValid(action):
                action.setEnabled(True)
        for bar in self._hidden_bars:
            if shiboken6.isValid(bar):
                bar.show()
        for hidden in self._hidden_windows:
            hidden.bring_back()
        self._disabled, self._hidden_bars, self._hidden_windows = [], [], []
        for view in self._lockables():
            if isinstance(view, Lockable):
                view.restore_after_unlock()
        self.idle.start()
        self.locked_changed.emit(False)
