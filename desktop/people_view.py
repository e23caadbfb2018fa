"""The People screen: every client, a quick filter by name or phone, and a client's cases.

The table of people is read when the screen is first shown, page by page in the
background (`PeopleModel`, on the same machinery as the case list), and sorted by the
database on any column but the phones.
Phone numbers are shown masked but for their last digits, so a glance at the screen gives
nobody a number. Selecting a person lists their cases below; activating a case (double
click or Enter) emits `open_case_requested(case_id)`. Column widths, the sort and the
splitter are kept in QSettings; the typed filter never is (it may be a name).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import Session

from desktop import people_queries as pq
from desktop.case_list_model import CaseListModel
from desktop.case_list_view import fit_header_texts
from desktop.paged_query_model import IdRole, PagedQueryModel
from desktop.row_table_model import record_table_view
from models.actor import Actor
from models.db import Database
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

HEADER_KEY = "people_view/header"
CASES_HEADER_KEY = "people_view/cases_header"
SPLITTER_KEY = "people_view/splitter"
DEFAULT_WIDTHS = (280, 190, 80, 100, 160, 70, 200)
CASE_WIDTHS = (120, 0, 120, 260, 190, 80, 150)
TEXT_DELAY_MS = 300

# Column headers, translated when drawn; the order here is the order of the COL_* numbers.
HEADERS = (
    N_("Name"), N_("Latin spelling"), N_("Sex"), N_("Birth year"), N_("Oblast"), N_("Cases"),
    N_("Phone"),
)  # fmt: skip


class PeopleModel(PagedQueryModel):
    """People for a QTableView, read lazily in pages; `IdRole` gives a row's person UUID."""

    COL_NAME, COL_LATIN, COL_SEX, COL_BIRTH_YEAR, COL_OBLAST, COL_CASES, COL_PHONE = range(7)
    SORT_BY_COLUMN: tuple[str | None, ...] = (
        pq.SORT_NAME, pq.SORT_LATIN, pq.SORT_SEX, pq.SORT_BIRTH_YEAR, pq.SORT_OBLAST,
        pq.SORT_CASES, None,
    )  # fmt: skip
    headers = HEADERS
    failure_message = N_("The list of people could not be read: {error}")

    def __init__(self, db: Database, actor: Actor, *, page_size: int = 200, parent=None):
        query = pq.PeopleQuery(viewer=actor)
        super().__init__(db, query, page_size=page_size, parent=parent)
        self._vocab = default_vocabularies()

    def read_page(self, session: Session, query: Any, after: Any, limit: int) -> list[Any]:
        return pq.fetch_people_page(session, query, after=after, limit=limit)

    def count(self, session: Session, query: Any) -> int:
        return pq.count_people(session, query)

    def sortable(self, column: int) -> bool:
        """Whether the database can order the list by a column."""
        return 0 <= column < len(self.SORT_BY_COLUMN) and self.SORT_BY_COLUMN[column] is not None

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

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the list by a column (not the phones); the database sorts."""
        if not self.sortable(column):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        sort = self.SORT_BY_COLUMN[column]
        self.set_query(replace(self._query, sort=sort, descending=descending))

    def set_text(self, text: str) -> None:
        """Keep only the people whose names or phones match what was typed."""
        self.set_query(replace(self._query, text=text.strip()))

    def text(self, row: pq.PersonRow, column: int) -> str:
        lang = current_language()
        if column == self.COL_NAME:
            return row.name
        if column == self.COL_LATIN:
            return row.latin_name
        if column == self.COL_SEX:
            return self._vocab["sex"].label(row.sex, lang)
        if column == self.COL_BIRTH_YEAR:
            return str(row.birth_year) if row.birth_year else ""
        if column == self.COL_OBLAST:
            return self._vocab["oblast"].label(row.oblast, lang) if row.oblast else ""
        if column == self.COL_PHONE:
            return ", ".join(pq.mask_phone(p) for p in row.phones)
        if column == self.COL_CASES:
            return format_decimal(row.cases, locale=lang)
        return ""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (
            self.COL_BIRTH_YEAR,
            self.COL_CASES,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


class PeopleView(QWidget):
    """The table of people, a quick filter, and the selected person's cases."""

    title = N_("People")
    open_case_requested = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("people_view")
        self.opened = opened
        self.model = PeopleModel(opened.db, opened.actor, parent=self)
        self.table = record_table_view(self, self.model, "people_table", DEFAULT_WIDTHS)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort)
        self.table.selectionModel().currentRowChanged.connect(self._person_changed)

        self.cases_model = CaseListModel(opened.db, opened.actor, parent=self)
        self.cases_table = record_table_view(self, self.cases_model, "person_cases", CASE_WIDTHS)
        self.cases_table.setColumnHidden(CaseListModel.COL_CLIENT, True)
        self.cases_table.doubleClicked.connect(self._case_activated)
        self.cases_table.activated.connect(self._case_activated)
        self.cases_label = QLabel(self)
        self.cases_label.setObjectName("person_cases_label")
        self._person: pq.PersonRow | None = None

        self.search = QLineEdit(self)
        self.search.setObjectName("people_search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._text_edited)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self.apply_text)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("people_count")
        self.refresh_button = QToolButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        self._error = ""
        self.model.total_changed.connect(self._show_count)
        self.model.loading_changed.connect(self._show_count)
        self.model.counting_changed.connect(self._show_count)
        self.model.load_failed.connect(self._failed)
        self.model.modelReset.connect(self._list_reset)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.refresh_button)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.addWidget(self.cases_label)
        lower_layout.addWidget(self.cases_table)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("people_splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter)
        self.retranslate()

    # --- actions -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the people (and the selected person's cases) again, in the background."""
        if not self.isVisible():  # read when shown
            self.model.mark_unread()
            return
        self.model.refresh()
        if self._person is not None:
            self.cases_model.refresh()

    def apply_text(self) -> None:
        """Filter by what the search box holds now (also called after a short pause)."""
        self._text_timer.stop()
        self.model.set_text(self.search.text())

    def _text_edited(self, _text: str) -> None:
        self._text_timer.start()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.sortable(column):
            self.model.sort(column, order)
            return
        header = self.table.horizontalHeader()  # the phones: keep showing the real sort
        header.blockSignals(True)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        header.blockSignals(False)

    def _person_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_person(self.model.row_at(current.row()) if current.isValid() else None)

    def show_person(self, person: pq.PersonRow | None) -> None:
        """List a person's cases below the table (None: nobody chosen)."""
        self._person = person
        if person is not None:
            self.cases_model.set_person(person.id)
        else:
            self.cases_model.clear()
        self._show_person_label()
        self.cases_table.setEnabled(person is not None)

    def _list_reset(self) -> None:
        if self._person is None:
            return
        ids = [self.model.row_id(row) for row in range(self.model.rowCount())]
        if self._person.id in ids:
            self.table.selectRow(ids.index(self._person.id))
        else:
            self.show_person(None)

    def _case_activated(self, index: QModelIndex) -> None:
        case_id = index.data(IdRole)
        if case_id is not None:
            self.open_case_requested.emit(case_id)

    def selected_person_id(self) -> uuid.UUID | None:
        """The UUID of the selected person, if any."""
        return self._person.id if self._person is not None else None

    def _failed(self, message: str) -> None:
        self._error = message
        self.count_label.setStyleSheet("color: #b00020;")
        self.count_label.setText(message)

    # --- text ----------------------------------------------------------------------------

    def _show_count(self, *_args: object) -> None:
        if self._error and self.model.loading:
            self._error = ""
            self.count_label.setStyleSheet("")
        if self._error:
            return
        if self.model.reading_page and not self.model.rowCount():
            self.count_label.setText(_("Reading people…"))
        elif self.model.counting:
            self.count_label.setText(_("Counting people…"))
        else:
            total = self.model.total
            count = format_decimal(total, locale=current_language())
            text = ngettext("{count} person", "{count} people", total)
            self.count_label.setText(text.format(count=count))

    def _show_person_label(self) -> None:
        if self._person is None:
            self.cases_label.setText(_("Select a person to see their cases."))
        else:
            self.cases_label.setText(_("Cases of {name}").format(name=self._person.name))

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.search.setPlaceholderText(_("Filter by name or phone…"))
        self.search.setAccessibleName(_("Filter people by name or phone"))
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Read the list again (F5)"))
        self.table.setAccessibleName(_("People"))
        self.cases_table.setAccessibleName(_("Cases of the selected person"))
        self.model.retranslate()
        self.cases_model.retranslate()
        fit_header_texts(self.table)
        fit_header_texts(self.cases_table)
        self._show_person_label()
        self._show_count()

    # --- remembered layout ---------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths and order, the sort and the splitter (not the filter)."""
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())
        settings.setValue(CASES_HEADER_KEY, self.cases_table.horizontalHeader().saveState())
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered, then read the first page in that sort."""
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        try:
            for key, table in ((HEADER_KEY, self.table), (CASES_HEADER_KEY, self.cases_table)):
                state = settings.value(key)
                if state is not None:
                    table.horizontalHeader().restoreState(state)
        finally:
            header.blockSignals(False)
        self.cases_table.setColumnHidden(CaseListModel.COL_CLIENT, True)
        splitter = settings.value(SPLITTER_KEY)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        column = header.sortIndicatorSection()
        if self.model.sortable(column):
            descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
            sort = self.model.SORT_BY_COLUMN[column]
            self.model.set_query(
                replace(self.model.query, sort=sort, descending=descending), read=False
            )
        else:
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        if self.isVisible():
            self.model.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Read the people the first time the screen is shown (not at start-up)."""
        super().showEvent(event)
        if self.model.unread and not self.model.loading:
            self.model.refresh()
