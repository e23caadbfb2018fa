"""The Referrals list as a Qt table model that reads referrals page by page.

Qt asks `canFetchMore` / `fetchMore` when the user scrolls to the bottom, and the next
page is read by keyset (`models.referral_queries`); the totals (with these filters, and
overdue answers) come with the first page. Sorting is done by the database. Reads run
off the UI thread; a newer read makes an older one's result be dropped. Institution names
come from the database in the interface language, so a language switch reads them again.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import shiboken6
from babel.dates import format_date
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from desktop.row_table_model import RowTableModel
from desktop.settings_general import describe
from desktop.worker import Report, run_in_background
from models import referral_queries as rq
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

Index = QModelIndex | QPersistentModelIndex
HEADERS = (
    N_("Register number"), N_("Case"), N_("Institution"), N_("Status"), N_("Sent"),
    N_("Answer due"),
)  # fmt: skip
ReferralRole = Qt.ItemDataRole.UserRole + 1
LATE = QColor("#b00020")


def show_date(value: date | None) -> str:
    """A date in the interface language ("" for none)."""
    return format_date(value, format="medium", locale=current_language()) if value else ""


class ReferralsModel(RowTableModel):
    """Referrals for a QTableView, read lazily in pages; `ReferralRole` gives a row."""

    headers = HEADERS
    COL_NUMBER, COL_CASE, COL_INSTITUTION, COL_STATUS, COL_SENT, COL_DUE = range(6)
    SORT_BY_COLUMN = (
        rq.SORT_NUMBER, rq.SORT_CASE, rq.SORT_INSTITUTION, rq.SORT_STATUS, rq.SORT_SENT,
        rq.SORT_DUE,
    )  # fmt: skip
    PAGE_SIZE = 200

    loaded = Signal()
    total_changed = Signal(int)
    load_failed = Signal(str)

    def __init__(self, opened: OpenVault, *, page_size: int | None = None, parent=None) -> None:
        super().__init__(parent)
        self.opened = opened
        self.page_size = page_size or self.PAGE_SIZE
        self.query = rq.ReferralFilter()
        self.rows: list[rq.ReferralRow] = []
        self.total = 0
        self.overdue_total = 0
        self.loading = False
        self.language = current_language()
        self.today = date.today()
        self._exhausted = True
        self._generation = 0

    def set_query(self, query: rq.ReferralFilter) -> None:
        """Show the referrals of another filter or order (read from the first page)."""
        self.query = query
        self.refresh()

    def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        """Sort by a column (-1: newest first), read again from the first page."""
        if 0 <= column < len(self.SORT_BY_COLUMN):
            sort = self.SORT_BY_COLUMN[column]
            descending = order == Qt.SortOrder.DescendingOrder
        else:
            sort, descending = rq.SORT_CREATED, True
        self.set_query(replace(self.query, sort=sort, descending=descending))

    def refresh(self) -> None:
        """Read the counts and the first page again (in the background)."""
        self._generation += 1
        self.language, self.today = current_language(), date.today()
        db, actor, query, size = self.opened.db, self.opened.actor, self.query, self.page_size
        language, today = self.language, self.today

        def work(_report: Report) -> tuple[int, int, list[rq.ReferralRow]]:
            with db.read() as session:
                total = rq.count_referrals(session, actor, query, today)
                overdue = rq.count_overdue(session, actor, today)
                rows = rq.fetch_referrals(
                    session, actor, query, today=today, language=language, limit=size
                )
            return total, overdue, rows

        self._start(work, self._first_page)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next page in the background."""
        if parent.isValid() or self._exhausted or self.loading or not self.rows:
            return
        db, actor, query, size = self.opened.db, self.opened.actor, self.query, self.page_size
        language, today, after = self.language, self.today, self.rows[-1].key

        def work(_report: Report) -> list[rq.ReferralRow]:
            with db.read() as session:
                return rq.fetch_referrals(
                    session, actor, query, today=today, language=language, after=after,
                    limit=size,
                )  # fmt: skip

        self._start(work, self._next_page)

    def _start(self, work, apply) -> None:
        generation = self._generation

        def current() -> bool:
            return shiboken6.isValid(self) and generation == self._generation

        def done(result: Any) -> None:
            if current():
                self.loading = False
                apply(result)
                self.loaded.emit()

        def failed(exc: BaseException) -> None:
            if current():
                self.loading = False
                self._exhausted = True
                self.load_failed.emit(
                    _("The referrals could not be read: {error}").format(error=describe(exc))
                )
                self.loaded.emit()

        self.loading = True
        run_in_background(None, work, on_done=done, on_error=failed)

    def _first_page(self, result: tuple[int, int, list[rq.ReferralRow]]) -> None:
        self.beginResetModel()
        self.total, self.overdue_total, self.rows = result
        self._exhausted = len(self.rows) < self.page_size
        self.endResetModel()
        self.total_changed.emit(self.total)

    def _next_page(self, rows: list[rq.ReferralRow]) -> None:
        self._exhausted = len(rows) < self.page_size
        if rows:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def row_of(self, referral_id: uuid.UUID) -> int | None:
        """The row showing a referral, if read."""
        return next((n for n, row in enumerate(self.rows) if row.id == referral_id), None)

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == ReferralRole:
            return row
        late = row.overdue and column == self.COL_DUE
        if role == Qt.ItemDataRole.ForegroundRole and late:
            return LATE
        if role == Qt.ItemDataRole.FontRole and late:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if late and row.response_due_on is not None:
                days = (self.today - row.response_due_on).days
                return ngettext(
                    "No answer yet: {count} day overdue", "No answer yet: {count} days overdue",
                    days,
                ).format(count=days)  # fmt: skip
            return self._text(row, column) or None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        return None

    def _text(self, row: rq.ReferralRow, column: int) -> str:
        if column == self.COL_NUMBER:
            return row.register_number or _("(draft)")
        if column == self.COL_CASE:
            return row.case_number
        if column == self.COL_INSTITUTION:
            return row.institution_name
        if column == self.COL_STATUS:
            return default_vocabularies()["referral_status"].label(row.status, current_language())
        if column == self.COL_SENT:
            return show_date(row.sent_on)
        return show_date(row.response_due_on)

    def retranslate(self) -> None:
        """Redraw in the interface language; names are read again in the new language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.language != current_language() and (self.rows or self.loading):
            self.refresh()
        elif self.rows:
            last = self.index(len(self.rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
