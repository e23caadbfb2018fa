"""The case list as a Qt table model that reads cases page by page, never all at once.

The model keeps only the pages the view has scrolled to: Qt asks `canFetchMore` /
`fetchMore` when the user reaches the bottom, and the next page is read by keyset (see
`case_queries`). The total comes from a separate COUNT. Sorting is done by the database:
`sort()` starts again from the first page in the new order. Reads run off the UI thread
(a sort on a million cases can take seconds); while one runs, `loading` is true and the
rows already shown stay put; a newer read makes an older one's result be dropped. Codes
are turned into labels in the interface language when drawn, so a language switch needs
only a repaint.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from babel import Locale
from babel.dates import format_date
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop import case_queries as q
from desktop.worker import Report, run_in_background
from models.actor import Actor
from models.db import Database
from models.errors import KomokError
from models.vocab import default_vocabularies
from translations import N_, _, current_language

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

CaseIdRole = Qt.ItemDataRole.UserRole + 1

# Column headers, translated when drawn; the order here is the order of the COL_* numbers.
HEADERS = (
    N_("Number"), N_("Client"), N_("Status"), N_("Categories"), N_("Destination"),
    N_("Opened"), N_("Assigned to"),
)  # fmt: skip


class CaseListModel(QAbstractTableModel):
    """Cases for a QTableView, read lazily in pages; `CaseIdRole` gives a row's case UUID."""

    COL_NUMBER, COL_CLIENT, COL_STATUS, COL_CATEGORIES, COL_DESTINATION = range(5)
    COL_OPENED, COL_ASSIGNED = 5, 6
    PAGE_SIZE = 200
    SORT_BY_COLUMN = (
        q.SORT_NUMBER, q.SORT_CLIENT, q.SORT_STATUS, q.SORT_CATEGORIES, q.SORT_DESTINATION,
        q.SORT_OPENED, q.SORT_ASSIGNED,
    )  # fmt: skip

    total_changed = Signal(int)
    loading_changed = Signal(bool)
    load_failed = Signal(str)

    def __init__(
        self, db: Database, actor: Actor, *, page_size: int = PAGE_SIZE, parent=None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        only_own = actor.user_id if actor.role == "volunteer" else None
        self._query = q.CaseListQuery(only_assigned_to=only_own)
        self._rows: list[q.CaseRow] = []
        self._total = 0
        self._exhausted = True
        self._loading = False
        self._generation = 0  # bumped by every refresh; results of older reads are dropped
        self._vocab = default_vocabularies()
        self._locales: dict[str, Locale] = {}

    # --- reading -------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many cases the list holds in all (not only the pages read so far)."""
        return self._total

    @property
    def page_size(self) -> int:
        """How many rows one fetch reads."""
        return self._page_size

    @property
    def sort_column(self) -> int:
        """The column the list is sorted by."""
        return self.SORT_BY_COLUMN.index(self._query.sort)

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The direction of the sort."""
        if self._query.descending:
            return Qt.SortOrder.DescendingOrder
        return Qt.SortOrder.AscendingOrder

    @property
    def loading(self) -> bool:
        """Whether a read is under way."""
        return self._loading

    def refresh(self) -> None:
        """Read the count and the first page again (after changes, on F5, after a sort)."""
        self._generation += 1
        db, query, size = self._db, self._query, self._page_size

        def work(_report: Report) -> tuple[int, list[q.CaseRow]]:
            with db.read() as session:
                total = q.count_cases(session, query)
                return total, q.fetch_page(session, query, after=None, limit=size)

        self._start(work, self._apply_first_page)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next page in the background (the view asks when scrolled to the end)."""
        if parent.isValid() or self._exhausted or self._loading:
            return
        db, query, size = self._db, self._query, self._page_size
        after = self._rows[-1].key if self._rows else None

        def work(_report: Report) -> list[q.CaseRow]:
            with db.read() as session:
                return q.fetch_page(session, query, after=after, limit=size)

        self._start(work, self._apply_next_page)

    def _start(self, work: Callable[[Report], Any], apply: Callable[[Any], None]) -> None:
        generation = self._generation

        def current() -> bool:  # a newer read replaced this one, or the model is gone
            return shiboken6.isValid(self) and generation == self._generation

        def done(result: Any) -> None:
            if current():
                self._set_loading(False)
                apply(result)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            self._set_loading(False)
            if isinstance(exc, KomokError):
                self.load_failed.emit(str(exc))
            else:
                log.error("reading the case list failed", exc_info=exc)
                self.load_failed.emit(
                    _("The case list could not be read: {error}").format(error=exc)
                )

        self._set_loading(True)
        run_in_background(None, work, on_done=done, on_error=failed)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _apply_first_page(self, result: tuple[int, list[q.CaseRow]]) -> None:
        total, rows = result
        self.beginResetModel()
        self._rows = rows
        self._total = total
        self._exhausted = len(rows) < self._page_size
        self.endResetModel()
        self.total_changed.emit(total)

    def _apply_next_page(self, rows: list[q.CaseRow]) -> None:
        self._exhausted = len(rows) < self._page_size
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the list by a column; the database sorts, and reading starts over."""
        if not 0 <= column < len(self.SORT_BY_COLUMN):
            return
        query = q.CaseListQuery(
            sort=self.SORT_BY_COLUMN[column],
            descending=order == Qt.SortOrder.DescendingOrder,
            only_assigned_to=self._query.only_assigned_to,
        )
        if query == self._query and (self._rows or self._loading):
            return
        self._query = query
        self.refresh()

    def case_id(self, row: int) -> uuid.UUID | None:
        """The UUID of the case on a row that has been read."""
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    # --- drawing -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return _(HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == CaseIdRole:
            return row.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, index.column())
        return None

    def _text(self, row: q.CaseRow, column: int) -> str:
        lang = current_language()
        if column == self.COL_NUMBER:
            return row.number
        if column == self.COL_CLIENT:
            return " ".join(part for part in (row.family_name, row.given_name) if part)
        if column == self.COL_STATUS:
            return self._vocab["case_status"].label(row.status, lang)
        if column == self.COL_CATEGORIES:
            return ", ".join(self._vocab["category"].label(c, lang) for c in row.categories)
        if column == self.COL_DESTINATION:
            return self._destination(row, lang)
        if column == self.COL_OPENED:
            return format_date(row.opened_on, format="short", locale=self._locale(lang))
        if column == self.COL_ASSIGNED:
            return row.assigned_name or ""
        return ""

    def _destination(self, row: q.CaseRow, lang: str) -> str:
        if not row.destination_country:
            return ""
        country = self._vocab["country"].label(row.destination_country, lang)
        if not row.destination_region:
            return country
        region = self._vocab["region"].label(row.destination_region, lang)
        return _("{country}, {region}").format(country=country, region=region)

    def _locale(self, lang: str) -> Locale:
        if lang not in self._locales:
            self._locales[lang] = Locale.parse(lang)
        return self._locales[lang]

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DisplayRole])
