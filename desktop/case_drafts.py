"""Autosaving unsaved work as drafts, so a crash or a kill loses at most a few seconds.

A `DraftKeeper` belongs to one editor (an open case, the intake dialog). The editor calls
`touch()` after every change; a few seconds later (`DELAY_MS`, restarted by each change)
the keeper asks the editor for its state and keeps it with `models.drafts.save_draft`, in
the background. An empty state deletes the draft. `flush()` keeps it at once (before
the app locks); `discard()` deletes it (after a save, or when the user throws the
changes away). Writes go through the single background worker, so they land in order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from desktop.worker import run_in_background
from models.drafts import discard_draft, load_draft, save_draft
from models.vault import OpenVault

log = logging.getLogger(__name__)

DELAY_MS = 3000


class DraftKeeper(QObject):
    """Keeps an editor's unsaved state as a draft a few seconds after each change."""

    kept = Signal()  # a draft was written (or deleted because nothing was unsaved)
    failed = Signal(object)  # keeping the draft failed: the exception

    def __init__(
        self,
        opened: OpenVault,
        *,
        key: str,
        state: Callable[[], dict[str, Any]],
        case_id: uuid.UUID | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.opened, self.key, self.case_id = opened, key, case_id
        self._state = state
        self.enabled = True
        self.has_draft = False  # whether a draft is (or is being) kept in the database
        self.pending = 0  # writes under way
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self.flush)

    def touch(self) -> None:
        """Something changed: keep the state a few seconds from now."""
        if self.enabled:
            self.timer.start()

    def flush(self) -> None:
        """Keep the state now (an empty state deletes the draft)."""
        self.timer.stop()
        if not self.enabled:
            return
        state = self._state()
        if not state and not self.has_draft:
            return
        db, actor, key, case_id = self.opened.db, self.opened.actor, self.key, self.case_id
        if state:
            self.has_draft = True

            def work(_report):
                return save_draft(db=db, actor=actor, key=key, data=state, case_id=case_id)
        else:
            self.has_draft = False

            def work(_report):
                return discard_draft(db=db, actor=actor, key=key)

        self._run(work)

    def discard(self) -> None:
        """Delete the draft (the work was saved or thrown away) and stop keeping it."""
        self.timer.stop()
        db, actor, key = self.opened.db, self.opened.actor, self.key
        self.has_draft = False
        self._run(lambda _report: discard_draft(db=db, actor=actor, key=key))

    def load(self, on_found: Callable[[Any], None]) -> None:
        """Read the kept draft in the background; `on_found(DraftRecord | None)`."""
        db, actor, key = self.opened.db, self.opened.actor, self.key

        def done(record: Any) -> None:
            if shiboken6.isValid(self):
                self.has_draft = self.has_draft or record is not None
                on_found(record)

        def failed(exc: BaseException) -> None:
            log.warning("reading a draft failed", exc_info=exc)
            if shiboken6.isValid(self):
                self.failed.emit(exc)
                on_found(None)

        run_in_background(
            None,
            lambda _report: load_draft(db=db, actor=actor, key=key),
            on_done=done,
            on_error=failed,
        )

    def _run(self, work: Callable[[Any], Any]) -> None:
        self.pending += 1

        def done(_result: Any) -> None:
            if shiboken6.isValid(self):
                self.pending -= 1
                self.kept.emit()

        run_in_background(None, work, on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        log.warning("keeping a draft failed", exc_info=exc)
        if shiboken6.isValid(self):
            self.pending = max(self.pending - 1, 0)
            self.failed.emit(exc)
