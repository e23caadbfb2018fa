"""Helpers for the Settings screen tests (this module holds no tests of its own).

`settings_view` builds the screen offscreen and waits for the first page's data;
`settle` waits until all background work has delivered its result; `MessageBoxes`
records message boxes instead of showing them (and answers questions Yes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from desktop import worker
from desktop.settings_view import SettingsView
from models import users
from models.actor import Actor
from models.vault import OpenVault

GOOD_PASSWORD = "тоо жана дарыя"


def settle(qtbot, timeout: int = 15_000) -> None:
    """Wait until every background task has finished and delivered its result."""
    qtbot.waitUntil(lambda: not worker._running, timeout=timeout)


def settings_view(qtbot, opened: OpenVault, *, page: str | None = None) -> SettingsView:
    """The Settings screen on `opened`, shown offscreen, with its current page read."""
    view = SettingsView(opened)
    qtbot.addWidget(view)
    view.resize(1000, 640)
    if page is not None:
        view.show_page(page)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot)
    return view


def other_user(opened: OpenVault, username: str, role: str) -> OpenVault:
    """A new account in the same vault, and the vault as that user would have it open."""
    user = users.create_user(
        opened=opened, username=username, display_name=username.title(), role=role,
        password=GOOD_PASSWORD,
    )  # fmt: skip
    actor = Actor(user_id=user.id, username=user.username, role=user.role)
    return OpenVault(db=opened.db, actor=actor, keyring=opened.keyring)


class MessageBoxes:
    """Stands in for QMessageBox's static functions; remembers (kind, text) of each."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Yes) -> None:
        self.shown: list[tuple[str, str]] = []
        for kind in ("information", "warning", "critical", "question"):
            monkeypatch.setattr(QMessageBox, kind, self._recorder(kind, answer))

    def _recorder(self, kind: str, answer):
        def record(_parent, _title, text, *_args, **_kwargs):
            self.shown.append((kind, text))
            return answer if kind == "question" else QMessageBox.StandardButton.Ok

        return record

    def texts(self, kind: str) -> list[str]:
        """The texts shown so far in boxes of one kind."""
        return [text for k, text in self.shown if k == kind]


def screenshot(widget, name: str) -> Path:
    """Save a picture of a widget under screenshots/ and return its path."""
    from tests.ui.helpers import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    assert widget.grab().save(str(path))
    return path
