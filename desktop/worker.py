"""Run slow work (database, key derivation, demo generation) off the UI thread.

Like Anki's operations: the work is a plain function that never touches widgets; it runs
on a background thread and its result or error comes back to the UI thread through signals.
The function receives a `report(done, total) -> bool` callback; with a progress dialog,
`report` moves the bar and returns False once the user pressed Cancel, so the work can
stop at a safe point (by raising, e.g. `DemoCancelled`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from translations import _

Report = Callable[[int, int], bool]
REPORT_INTERVAL = 0.05  # seconds between progress signals; the last step always reports

# Tasks still running; holding them here keeps their Python objects alive until they end.
_running: set[BackgroundTask] = set()
_pools: dict[str, QThreadPool] = {}

MAIN = "main"  # reads and writes the user waits for, in the order they were asked
COUNTS = "counts"  # slow counts shown beside a list ("Counting cases…")


def background_pool(lane: str = MAIN) -> QThreadPool:
    """The worker thread of one lane, made on first use.

    Each lane is one long-lived thread, not Qt's global pool: its work runs in order (as
    SQLite writes do anyway) and keeps one database connection busy at most. Counts have
    their own lane so that a count over a million cases never holds up the next page of
    the list it counts (SQLite readers do not block each other).
    """
    pool = _pools.get(lane)
    if pool is None:
        pool = _pools[lane] = QThreadPool()
        pool.setMaxThreadCount(1)
        pool.setExpiryTimeout(-1)
    return pool


def wait_for_background(timeout_ms: int = -1) -> bool:
    """Block until background work of every lane has finished (before closing the
    database it reads).

    Results still queued for the UI thread are delivered later, or dropped with their
    receivers. Returns False if work was still running after `timeout_ms` (per lane).
    """
    return all([pool.waitForDone(timeout_ms) for pool in list(_pools.values())])


class _Bridge(QObject):
    """Carries a task's news from the worker thread to the UI thread (queued signals)."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Report], Any], bridge: _Bridge, report: Report) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn, self._bridge, self._report = fn, bridge, report

    def run(self) -> None:
        try:
            result = self._fn(self._report)
        except BaseException as exc:  # delivered to on_error; the UI thread decides
            self._bridge.failed.emit(exc)
        else:
            self._bridge.succeeded.emit(result)


class BackgroundTask(QObject):
    """One piece of work running in the background; see `run_in_background`."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        fn: Callable[[Report], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        progress_label: str | None,
        cancellable: bool,
        lane: str = MAIN,
    ) -> None:
        super().__init__()
        self._on_done, self._on_error = on_done, on_error
        self._lane = lane
        self._cancelled = threading.Event()
        self._last_report = 0.0
        self._running = True
        self.dialog: QProgressDialog | None = None
        if progress_label is not None:
            self.dialog = _progress_dialog(parent, progress_label, cancellable)
            self.dialog.canceled.connect(self.cancel)
        self._bridge = _Bridge()
        self._bridge.progress.connect(self._on_progress)
        self._bridge.succeeded.connect(self._on_succeeded)
        self._bridge.failed.connect(self._on_failed)
        self._runnable = _Runnable(fn, self._bridge, self._report)

    @property
    def running(self) -> bool:
        """Whether the work has not yet delivered its result or error."""
        return self._running

    @property
    def cancelled(self) -> bool:
        """Whether Cancel was pressed (or `cancel()` called)."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the work to stop: its next `report()` returns False."""
        self._cancelled.set()

    def _start(self) -> None:
        _running.add(self)
        background_pool(self._lane).start(self._runnable)

    def _report(self, done: int, total: int) -> bool:
        """Called in the worker thread: pass progress on (throttled), say whether to go on."""
        now = time.monotonic()
        if done >= total or now - self._last_report >= REPORT_INTERVAL:
            self._last_report = now
            self._bridge.progress.emit(int(done), int(total))
        return not self._cancelled.is_set()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None and not self._cancelled.is_set():
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(min(done, max(total, 1)))

    def _finish(self) -> None:
        self._running = False
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        _running.discard(self)
        self.finished.emit()

    @Slot(object)
    def _on_succeeded(self, result: Any) -> None:
        self._finish()
        self._on_done(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        self._on_error(exc)


def _progress_dialog(parent: QWidget | None, label: str, cancellable: bool) -> QProgressDialog:
    dialog = QProgressDialog(label, _("Cancel") if cancellable else None, 0, 0, parent)
    dialog.setWindowTitle(_("Komok"))
    dialog.setWindowModality(
        Qt.WindowModality.WindowModal if parent is not None else Qt.WindowModality.ApplicationModal
    )
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(360)
    dialog.setValue(0)
    return dialog


def run_in_background(
    parent: QWidget | None,
    fn: Callable[[Report], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    progress_label: str | None = None,
    cancellable: bool = False,
    lane: str = MAIN,
) -> BackgroundTask:
    """Run `fn(report)` in the background; `on_done(result)` / `on_error(exc)` on the UI thread.

    With `progress_label`, a progress dialog (modal to `parent`) shows while the work runs
    and moves with `report(done, total)`; with `cancellable` it has a Cancel button, after
    which `report` returns False. `fn` must not touch widgets. `lane` picks the worker
    thread (`MAIN`, or `COUNTS` for counts that may take seconds).
    """
    task = BackgroundTask(
        parent,
        fn,
        on_done=on_done,
        on_error=on_error,
        progress_label=progress_label,
        cancellable=cancellable,
        lane=lane,
    )
    task._start()
    return task
