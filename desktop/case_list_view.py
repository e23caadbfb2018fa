"""The Cases screen: the filter bar, the table of cases and how many match.

It shows a `CaseListModel`; rows are read in the background as the user scrolls, sorting
happens in the database (click a column header), and Refresh (F5 in the main window)
reads the list again. Filters chosen in the `CaseFilterBar` apply after a short pause
(so ticking several boxes reads once) and show as chips with "Clear filters"; the count
says "Counting cases…" until the database has counted the matching cases. Column widths,
the sort order and the filters are kept in QSettings; `restore_state()` (or `refresh()`)
reads the first page.
"""

from __future__ import annotations

import uuid

from babel.numbers import format_decimal
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from desktop.case_filters import CaseFilterBar, filters_from_text, filters_to_text
from desktop.case_list_model import CaseIdRole, CaseListModel
from desktop.case_queries import CaseFilter
from desktop.row_table_model import record_table_view
from models.actor import Actor
from models.db import Database
from models.tables import User
from translations import N_, _, current_language, ngettext

HEADER_KEY = "case_list/header"
FILTERS_KEY = "case_list/filters"
DEFAULT_WIDTHS = (120, 210, 120, 230, 190, 80, 150)
FILTER_DELAY_MS = 300


def fit_header_texts(table: QTableView, extra: int = 28) -> None:
    """Widen the columns whose title (in the language now in force) would be clipped.

    Never narrows a column; `extra` leaves room for the sort arrow and margins.
    """
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    model = table.model()
    for column in range(model.columnCount()):
        if header.isSectionHidden(column):
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        needed = metrics.horizontalAdvance(title) + extra
        if header.sectionSize(column) < needed:
            header.resizeSection(column, needed)


def assignable_users(db: Database) -> list[tuple[str, str]]:
    """(hex id, display name) of the users cases can be assigned to, active ones by name."""
    with db.read() as session:
        rows = session.exec(select(User.id, User.display_name, User.active)).all()
    rows = sorted(rows, key=lambda r: (not r[2], r[1].casefold()))
    return [(user_id.hex, name) for user_id, name, _active in rows]


class CaseListView(QWidget):
    """The case table, its filters, count and refresh button; emits `case_activated(uuid)`."""

    title = N_("Cases")
    case_activated = Signal(object)  # the activated case's UUID

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_list_view")
        self.model = CaseListModel(db, actor, parent=self)
        self.table = record_table_view(self, self.model, "case_table")
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        for column, width in enumerate(DEFAULT_WIDTHS):
            header.resizeSection(column, width)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)

        self.filter_bar = CaseFilterBar(assignable_users(db), self)
        self.filter_bar.filters_changed.connect(self._filters_edited)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filters)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("case_count")
        self.refresh_button = QToolButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        self._error = ""
        self.model.total_changed.connect(self._show_total)
        self.model.loading_changed.connect(self._loading)
        self.model.counting_changed.connect(self._loading)
        self.model.load_failed.connect(self._failed)

        bar = QHBoxLayout()
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table)
        self.retranslate()

    # --- actions -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the count and the first page of cases again (in the background)."""
        self.model.refresh()

    def set_filters(self, filters: CaseFilter) -> None:
        """Show only the cases matching `filters` (now, in the bar and in the list)."""
        self._filter_timer.stop()
        self.filter_bar.set_filters(filters)
        self.model.set_filters(filters)

    def clear_filters(self) -> None:
        """Show every case again."""
        self.set_filters(CaseFilter())

    def apply_filters(self) -> None:
        """Read the list with the filters the bar shows (after the pause, or at once)."""
        self._filter_timer.stop()
        self.model.set_filters(self.filter_bar.filters())

    def _filters_edited(self, _filters: CaseFilter) -> None:
        self._filter_timer.start()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.model.sort(column, order)

    def _loading(self, _busy: bool = False) -> None:
        if self.model.loading:
            self.table.viewport().setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.table.viewport().unsetCursor()
        self._show_count()

    def _failed(self, message: str) -> None:
        self._error = message
        self.count_label.setStyleSheet("color: #b00020;")
        self.count_label.setText(message)

    def _activated(self, index) -> None:
        case_id = index.data(CaseIdRole)
        if case_id is not None:
            self.case_activated.emit(case_id)

    def selected_case_id(self) -> uuid.UUID | None:
        """The UUID of the selected case, if any."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(CaseIdRole) if rows else None

    # --- text ----------------------------------------------------------------------------

    def _show_total(self, _total: int) -> None:
        self._error = ""
        self.count_label.setStyleSheet("")
        self._show_count()

    def _show_count(self) -> None:
        if self._error:
            return
        if self.model.reading_page and not self.model.rowCount():
            self.count_label.setText(_("Reading cases…"))
        elif self.model.counting:
            self.count_label.setText(_("Counting cases…"))
        else:
            total = self.model.total
            count = format_decimal(total, locale=current_language())
            if self.model.filters.active:
                text = ngettext(
                    "{count} case matches the filters", "{count} cases match the filters", total
                )
            else:
                text = ngettext("{count} case", "{count} cases", total)
            self.count_label.setText(text.format(count=count))

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Read the list again (F5)"))
        self.table.setAccessibleName(_("Cases"))
        self.filter_bar.retranslate()
        self.model.retranslate()
        fit_header_texts(self.table)
        self._show_count()

    # --- remembered layout ---------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths, order, the sort and the filters."""
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())
        settings.setValue(FILTERS_KEY, filters_to_text(self.filter_bar.filters()))

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered, then read the list in that sort."""
        header = self.table.horizontalHeader()
        state = settings.value(HEADER_KEY)
        header.blockSignals(True)
        try:
            if state is not None:
                header.restoreState(state)
        finally:
            header.blockSignals(False)
        if not 0 <= header.sortIndicatorSection() < self.model.columnCount():
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        filters = filters_from_text(settings.value(FILTERS_KEY), users=self.filter_bar.users)
        self.filter_bar.set_filters(filters)
        self.model.set_filters(filters, read=False)
        self._sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
