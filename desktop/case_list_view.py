"""The Cases screen: the table of cases with a count of how many there are.

It shows a `CaseListModel`; rows are read in the background as the user scrolls, sorting
happens in the database (click a column header), and Refresh (F5 in the main window)
reads the list again. Column widths and the sort order are kept in QSettings;
`restore_state()` (or `refresh()`) reads the first page.
"""

from __future__ import annotations

import uuid

from babel.numbers import format_decimal
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.case_list_model import CaseIdRole, CaseListModel
from desktop.row_table_model import record_table_view
from models.actor import Actor
from models.db import Database
from translations import N_, _, current_language, ngettext

HEADER_KEY = "case_list/header"
DEFAULT_WIDTHS = (120, 210, 120, 230, 190, 80, 150)


class CaseListView(QWidget):
    """The case table, its count label and a refresh button; emits `case_activated(uuid)`."""

    title = N_("Cases")
    case_activated = Signal(uuid.UUID)

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

        self.count_label = QLabel(self)
        self.count_label.setObjectName("case_count")
        self.refresh_button = QToolButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        self._error = ""
        self.model.total_changed.connect(self._show_total)
        self.model.loading_changed.connect(self._loading)
        self.model.load_failed.connect(self._failed)

        bar = QHBoxLayout()
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.retranslate()

    # --- actions -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the count and the first page of cases again (in the background)."""
        self.model.refresh()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.model.sort(column, order)

    def _loading(self, loading: bool) -> None:
        if loading:
            self.table.viewport().setCursor(Qt.CursorShape.BusyCursor)
            self.count_label.setText(_("Reading cases…"))
        else:
            self.table.viewport().unsetCursor()
            self._show_total(self.model.total)

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

    def _show_total(self, total: int) -> None:
        self._error = ""
        self.count_label.setStyleSheet("")
        count = format_decimal(total, locale=current_language())
        text = ngettext("{count} case", "{count} cases", total)
        self.count_label.setText(text.format(count=count))

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Read the list again (F5)"))
        self.table.setAccessibleName(_("Cases"))
        self.model.retranslate()
        if self.model.loading:
            self.count_label.setText(_("Reading cases…"))
        elif not self._error:
            self._show_total(self.model.total)

    # --- remembered layout ---------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths, order and the sort."""
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

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
        self._sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
