"""A Qt table model that reads rows page by page in the background, never all at once.

`PagedQueryModel` keeps only the pages the view has scrolled to: Qt asks `canFetchMore` /
`fetchMore` when the user reaches the bottom, and the subclass reads the next page by
keyset. The total comes from a separate COUNT, read after the first page so the rows show
first; it runs on the worker's count lane, so scrolling never waits for it. Pages are read
on the main worker thread (`desktop.worker`); while a read runs, `loading` is
true and the rows already shown stay put. A newer read interrupts older ones still
running in the database and makes their results be dropped (`LatestReads`). The case
list (`case_list_model`) and the People screen (`people_view`) are built on it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from sqlmodel import Session

from desktop.worker import COUNTS, MAIN, Report, run_in_background
from models.db import Database
from models.errors import KomokError
from translations import N_, _

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

IdRole = Qt.ItemDataRole.UserRole + 1  # a row's id (a case's or a person's UUID)


class Superseded(Exception):
    """A background read gave way to a newer one before or while it ran."""


def _interrupt(connection: Any) -> None:
    """Stop the statement running on a driver connection (SQLite or PostgreSQL)."""
    try:
        if hasattr(connection, "interrupt"):  # sqlite3 / sqlcipher3: a no-op when idle
            connection.interrupt()
        elif hasattr(connection, "cancel"):  # psycopg: asks the server to cancel
            connection.cancel()
    except Exception:  # the read's own error path reports anything that matters
        log.debug("interrupting a superseded read failed", exc_info=True)


class LatestReads:
    """The background reads of one list, where only the newest generation counts.

    `begin()` starts a new generation: reads of older ones that are still running are
    interrupted in the database, and those still queued stop before they start. Work
    runs its statements inside `reading(session, generation)`, which raises `Superseded`
    for an old generation. Safe to use from the UI thread and the worker thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._tokens = itertools.count()
        self._running: dict[int, tuple[int, Any]] = {}

    @property
    def generation(self) -> int:
        """The newest generation."""
        return self._generation

    def current(self, generation: int) -> bool:
        """Whether `generation` is still the newest."""
        return generation == self._generation

    def begin(self) -> int:
        """Start a new generation, interrupting the older reads; return its number."""
        with self._lock:
            self._generation += 1
            for generation, connection in self._running.values():
                if generation < self._generation:
                    _interrupt(connection)
            return self._generation

    @contextmanager
    def reading(self, session: Session, generation: int) -> Iterator[None]:
        """Run a read of `generation` on `session`, interruptible by a newer `begin()`."""
        connection = session.connection().connection.dbapi_connection
        token = next(self._tokens)
        with self._lock:
            if generation != self._generation:
                raise Superseded()
            self._running[token] = (generation, connection)
        try:
            yield
        finally:
            with self._lock:
                del self._running[token]


class PagedQueryModel(QAbstractTableModel):
    """A table read from the database page by page, off the UI thread, with a total count.

    Subclasses say how to read and draw: `read_page(session, query, after, limit)` returns
    rows that have `.id` and `.key` (the keyset of the row), `count(session, query)` the
    total, `headers` the column titles (marked with N_) and `text(row, column)` a cell.
    `IdRole` gives a row's id. Changing the query (`set_query`) reads from the first page.
    """

    PAGE_SIZE = 200
    headers: tuple[str, ...] = ()
    failure_message = N_("The list could not be read: {error}")

    total_changed = Signal(int)
    loading_changed = Signal(bool)
    counting_changed = Signal(bool)
    load_failed = Signal(str)

    def __init__(self, db: Database, query: Any, *, page_size: int = PAGE_SIZE, parent=None):
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        self._query = query
        self._rows: list[Any] = []
        self._total = 0
        self._exhausted = True
        self._reading = False  # a page read is under way
        self._counting = False  # the count is under way
        self._unread = True  # never read, or the query changed without reading
        self._reads = LatestReads()

    def read_page(self, session: Session, query: Any, after: Any, limit: int) -> list[Any]:
        """Up to `limit` rows after the row whose key is `after` (None: from the start)."""
        raise NotImplementedError

    def count(self, session: Session, query: Any) -> int:
        """How many rows the query gives in all."""
        raise NotImplementedError

    def text(self, row: Any, column: int) -> str:
        """What a cell shows."""
        raise NotImplementedError

    # --- reading -------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many rows match in all (not only the pages read so far); see `counting`."""
        return self._total

    @property
    def page_size(self) -> int:
        """How many rows one fetch reads."""
        return self._page_size

    @property
    def query(self) -> Any:
        """What the list reads now."""
        return self._query

    @property
    def unread(self) -> bool:
        """Whether the list was never read, or its query changed since (`set_query`)."""
        return self._unread

    @property
    def loading(self) -> bool:
        """Whether a read (a page or the count) is under way."""
        return self._reading or self._counting

    @property
    def reading_page(self) -> bool:
        """Whether a page is being read."""
        return self._reading

    @property
    def counting(self) -> bool:
        """Whether the total is being counted (`total` is then the previous count)."""
        return self._counting

    def set_query(self, query: Any, *, read: bool = True) -> None:
        """Read `query` from its first page, if it differs from the one shown.

        With `read=False` the query is only kept (the next `set_query`/`refresh` reads).
        """
        if query == self._query and not self._unread and (self._rows or self.loading):
            return
        self._query = query
        if read:
            self.refresh()
        else:
            self._unread = True

    def mark_unread(self) -> None:
        """Note that the list must be read again (by the next `refresh` or `set_query`)."""
        self._unread = True

    def refresh(self) -> None:
        """Read the first page and the count again (after changes, on F5, after a sort)."""
        generation = self._reads.begin()
        self._unread = False
        db, query, size, reads = self._db, self._query, self._page_size, self._reads
        read_page, count = self.read_page, self.count

        def first_page(_report: Report) -> list[Any]:
            with db.read() as session, reads.reading(session, generation):
                return read_page(session, query, None, size)

        def total(_report: Report) -> int:
            with db.read() as session, reads.reading(session, generation):
                return count(session, query)

        self._start(first_page, self._apply_first_page, counting=False)
        self._start(total, self._apply_total, counting=True)

    def clear(self) -> None:
        """Show no rows (reads under way are dropped); the next `refresh()` reads again."""
        self._reads.begin()
        self._set_busy(True, False)
        self._set_busy(False, False)
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self._exhausted = True
        self.endResetModel()
        self.total_changed.emit(0)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next page in the background (the view asks when scrolled to the end)."""
        if parent.isValid() or self._exhausted or self._reading:
            return
        db, query, size, reads = self._db, self._query, self._page_size, self._reads
        generation, read_page = reads.generation, self.read_page
        after = self._rows[-1].key if self._rows else None

        def work(_report: Report) -> list[Any]:
            with db.read() as session, reads.reading(session, generation):
                return read_page(session, query, after, size)

        self._start(work, self._apply_next_page, counting=False)

    def _start(
        self, work: Callable[[Report], Any], apply: Callable[[Any], None], *, counting: bool
    ) -> None:
        generation = self._reads.generation

        def current() -> bool:  # a newer read replaced this one, or the model is gone
            return shiboken6.isValid(self) and self._reads.current(generation)

        def done(result: Any) -> None:
            if current():
                self._set_busy(counting, False)
                apply(result)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            self._set_busy(counting, False)
            if isinstance(exc, KomokError):
                self.load_failed.emit(str(exc))
            else:
                log.error("reading a list failed", exc_info=exc)
                self.load_failed.emit(_(self.failure_message).format(error=exc))

        self._set_busy(counting, True)
        run_in_background(
            None, work, on_done=done, on_error=failed, lane=COUNTS if counting else MAIN
        )

    def _set_busy(self, counting: bool, busy: bool) -> None:
        before = self.loading
        if counting and busy != self._counting:
            self._counting = busy
            self.counting_changed.emit(busy)
        elif not counting:
            self._reading = busy
        if self.loading != before:
            self.loading_changed.emit(self.loading)

    def _apply_first_page(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._exhausted = len(rows) < self._page_size
        self.endResetModel()

    def _apply_total(self, total: int) -> None:
        self._total = total
        self.total_changed.emit(total)

    def _apply_next_page(self, rows: list[Any]) -> None:
        self._exhausted = len(rows) < self._page_size
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def row_id(self, row: int) -> Any:
        """The id of a row that has been read (None past the rows read)."""
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_at(self, row: int) -> Any:
        """The row read at a position (None past the rows read)."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- drawing -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return _(self.headers[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == IdRole:
            return row.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(row, index.column())
        return None

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers) - 1)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DisplayRole])
