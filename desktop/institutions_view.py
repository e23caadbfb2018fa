"""The Institutions screen: the directory of places cases are referred to.

A table of every institution (a directory holds hundreds, so all are read at once and
filtered here as the user types): search over names in every language, place and
contacts; filters by kind, country and active/deactivated. Caseworkers and coordinators
add and edit institutions, deactivate and reactivate them, and update the shipped list
(first shown as a list of what would change, then applied). Volunteers read the
directory and open an institution read-only. Column widths and the sort are kept in
QSettings.
"""

from __future__ import annotations

import uuid
from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.institution_dialog import InstitutionDialog, ShippedListDialog, country_name
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import ERROR_STYLE, OK_STYLE, describe, run_for, show_failure
from desktop.worker import Report
from models import institutions
from models.institutions import ShippedSync, institution_matches, institution_name
from models.tables import Institution
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

Index = QModelIndex | QPersistentModelIndex
HEADER_KEY = "institutions_view/header"
HEADERS = (
    N_("Institution"), N_("Kind"), N_("Country"), N_("City"), N_("Phone"), N_("E-mail"),
    N_("Source"),
)  # fmt: skip
DEFAULT_WIDTHS = (360, 170, 110, 110, 130, 160)
InstitutionIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
INACTIVE_COLOR = QColor("#8a8a8a")
STATE_ACTIVE, STATE_INACTIVE, STATE_ALL = "active", "inactive", "all"


class InstitutionsModel(RowTableModel):
    """Institutions for a QTableView; names and labels follow the interface language."""

    headers = HEADERS
    COL_NAME, COL_KIND, COL_COUNTRY, COL_CITY, COL_PHONE, COL_EMAIL, COL_SOURCE = range(7)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Institution] = []

    def set_rows(self, rows: list[Institution]) -> None:
        """Show these institutions."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, institution_id: uuid.UUID) -> int | None:
        """The row showing an institution, if any."""
        return next((n for n, row in enumerate(self.rows) if row.id == institution_id), None)

    def text(self, row: Institution, column: int) -> str:
        """What a cell shows."""
        lang = current_language()
        if column == self.COL_NAME:
            return institution_name(row, lang)
        if column == self.COL_KIND:
            return default_vocabularies()["institution_kind"].label(row.kind, lang)
        if column == self.COL_COUNTRY:
            return country_name(row.country, lang)
        if column == self.COL_CITY:
            return row.city or ""
        if column == self.COL_PHONE:
            return row.phone
        if column == self.COL_EMAIL:
            return row.email
        if not row.shipped:
            return _("Added here")
        return _("Shipped, changed here") if row.local_fields else _("Shipped with Komok")

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == InstitutionIdRole:
            return row.id
        if role == SortRole:
            return self.text(row, column).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return INACTIVE_COLOR
        if role == Qt.ItemDataRole.ToolTipRole:
            if not row.active:
                return _("Deactivated: not offered for new referrals.")
            if column == self.COL_NAME:
                return "\n".join(n for n in (row.name_ky, row.name_ru, row.name_en) if n)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        return None

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            last = self.index(len(self.rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)


class InstitutionFilter(QSortFilterProxyModel):
    """Keeps the rows that match the search text, kind, country and active state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = ""
        self.kind: str | None = None
        self.country: str | None = None
        self.state = STATE_ACTIVE
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_filters(self, *, search: str, kind: str | None, country: str | None, state: str):
        """Apply new filters."""
        self.beginFilterChange()
        self.search, self.kind, self.country, self.state = search, kind, country, state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, InstitutionsModel)
        row = model.rows[source_row]
        if self.state == STATE_ACTIVE and not row.active:
            return False
        if self.state == STATE_INACTIVE and row.active:
            return False
        if self.kind and row.kind != self.kind:
            return False
        if self.country and row.country != self.country:
            return False
        return institution_matches(row, self.search)


class InstitutionsView(QWidget):
    """The institution directory with search, filters and (for editors) its actions."""

    title = N_("Institutions")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("institutions_view")
        self.opened = opened
        self.can_edit = institutions.can_edit_institutions(opened.actor)
        self.loaded = False
        self._select_after_load: uuid.UUID | None = None
        self.model = InstitutionsModel(self)
        self.proxy = InstitutionFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = record_table_view(self, self.proxy, "institution_table", DEFAULT_WIDTHS)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(InstitutionsModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.table.activated.connect(lambda _index: self.edit())

        self.search = QLineEdit(self)
        self.search.setObjectName("institution_search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.kind = QComboBox(self)
        self.kind.setObjectName("institution_kind_filter")
        self.country = QComboBox(self)
        self.country.setObjectName("institution_country_filter")
        self.state = QComboBox(self)
        self.state.setObjectName("institution_state_filter")
        for combo in (self.kind, self.country, self.state):
            combo.currentIndexChanged.connect(self._filter)
            combo.setMinimumContentsLength(10)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.count_label = QLabel(self)
        self.count_label.setObjectName("institution_count")
        self.status = QLabel(self)
        self.status.setObjectName("institutions_status")
        self.status.setWordWrap(True)

        self.add_button = QPushButton(self)
        self.add_button.setObjectName("add_institution")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("edit_institution")
        self.edit_button.clicked.connect(self.edit)
        self.active_button = QPushButton(self)
        self.active_button.setObjectName("toggle_institution_active")
        self.active_button.clicked.connect(self.toggle_active)
        self.shipped_button = QPushButton(self)
        self.shipped_button.setObjectName("update_shipped_list")
        self.shipped_button.clicked.connect(self.update_shipped_list)
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("refresh_institutions")
        self.refresh_button.clicked.connect(self.refresh)
        for button in (self.add_button, self.active_button, self.shipped_button):
            button.setVisible(self.can_edit)
        self.table.selectionModel().selectionChanged.connect(self._enable)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.kind, 1)
        filters.addWidget(self.country, 1)
        filters.addWidget(self.state)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.active_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        counts = QHBoxLayout()
        counts.addWidget(self.count_label)
        counts.addWidget(self.status, 1)
        counts.addWidget(self.shipped_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._fill_filters()
        self.retranslate()
        self._enable()

    # --- filters ---------------------------------------------------------------------------

    def _fill_filters(self) -> None:
        """(Re)fill the kind, country and state lists, keeping what is chosen."""
        lang = current_language()
        kind, country = self.kind.currentData(), self.country.currentData()
        state = self.state.currentData() or STATE_ACTIVE
        for combo in (self.kind, self.country, self.state):
            combo.blockSignals(True)
            combo.clear()
        self.kind.addItem(_("All kinds"), None)
        for code, label in default_vocabularies()["institution_kind"].choices(lang):
            self.kind.addItem(label, code)
        self.country.addItem(_("All countries"), None)
        codes = sorted({r.country for r in self.model.rows if r.country} | {country} - {None})
        for code in sorted(codes, key=lambda c: country_name(c, lang)):
            self.country.addItem(country_name(code, lang), code)
        self.state.addItem(_("Active"), STATE_ACTIVE)
        self.state.addItem(_("Deactivated"), STATE_INACTIVE)
        self.state.addItem(_("Active and deactivated"), STATE_ALL)
        for combo, value in ((self.kind, kind), (self.country, country), (self.state, state)):
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)

    def _filter(self, *_args: Any) -> None:
        self.proxy.set_filters(
            search=self.search.text(), kind=self.kind.currentData(),
            country=self.country.currentData(), state=self.state.currentData() or STATE_ACTIVE,
        )  # fmt: skip
        self._show_count()
        self._enable()

    def _show_count(self) -> None:
        shown, total = self.proxy.rowCount(), len(self.model.rows)
        lang = current_language()
        text = ngettext("{shown} of {total} institution", "{shown} of {total} institutions", total)
        self.count_label.setText(
            text.format(
                shown=format_decimal(shown, locale=lang), total=format_decimal(total, locale=lang)
            )
        )

    # --- reading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the directory again (in the background)."""
        self.loaded = True
        db, actor = self.opened.db, self.opened.actor

        def work(_report: Report) -> list[Institution]:
            return institutions.list_institutions(db=db, actor=actor, active=None)

        run_for(self, work, self._loaded, on_error=self._load_failed)

    def _loaded(self, rows: list[Institution]) -> None:
        selected = self._select_after_load or self.selected_id()
        self._select_after_load = None
        self.model.set_rows(rows)
        self._fill_filters()
        self._filter()
        if selected is not None:
            self.select(selected)
        if not any(row.shipped for row in rows) and self.can_edit and not self.status.text():
            self.say(
                _(
                    "The institutions shipped with Komok are not in this directory yet: "
                    "add them with “Update shipped list…”."
                )
            )

    def _load_failed(self, exc: BaseException) -> None:
        self.say(
            _("The directory could not be read: {error}").format(error=describe(exc)), ERROR_STYLE
        )

    def showEvent(self, event) -> None:
        """Read the directory the first time the screen is shown."""
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    # --- selection -------------------------------------------------------------------------

    def selected(self) -> Institution | None:
        """The selected institution, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.proxy.mapToSource(rows[0])
        return self.model.rows[source.row()] if source.isValid() else None

    def selected_id(self) -> uuid.UUID | None:
        """The id of the selected institution, if any."""
        row = self.selected()
        return row.id if row is not None else None

    def select(self, institution_id: uuid.UUID) -> bool:
        """Select an institution if the filters show it; whether it is shown."""
        number = self.model.row_of(institution_id)
        if number is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(number, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _enable(self, *_args: Any) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None and self.can_edit)
        if row is not None and not row.active:
            self.active_button.setText(_("Reactivate"))
        else:
            self.active_button.setText(_("Deactivate…"))

    def say(self, text: str, style: str = "") -> None:
        """Show a line of news above the table."""
        self.status.setStyleSheet(style)
        self.status.setText(text)

    # --- actions ---------------------------------------------------------------------------

    def add(self) -> None:
        """Add an institution (caseworkers and coordinators)."""
        if self.can_edit:
            self._open(InstitutionDialog(self.opened, None, self))

    def edit(self) -> None:
        """Edit the selected institution (read-only for volunteers)."""
        row = self.selected()
        if row is not None:
            self._open(InstitutionDialog(self.opened, row, self, read_only=not self.can_edit))

    def _open(self, dialog: InstitutionDialog) -> None:
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: InstitutionDialog) -> None:
        if dialog.saved is not None:
            saved = dialog.saved
            self.say(
                _("Saved: {name}").format(name=institution_name(saved, current_language())),
                OK_STYLE,
            )
            self._select_after_load = saved.id
            self.refresh()
        dialog.deleteLater()

    def toggle_active(self) -> None:
        """Deactivate the selected institution (after asking), or reactivate it."""
        row = self.selected()
        if row is None or not self.can_edit:
            return
        name = institution_name(row, current_language())
        if row.active:
            answer = QMessageBox.question(
                self,
                _("Deactivate institution"),
                _(
                    "Deactivate “{name}”? It will no longer be offered for new referrals; "
                    "referrals already made keep it. You can reactivate it later."
                ).format(name=name),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        db, actor, active = self.opened.db, self.opened.actor, not row.active

        def work(_report: Report) -> Institution:
            return institutions.set_institution_active(
                db=db, actor=actor, institution_id=row.id, version=row.version, active=active
            )

        def done(saved: Institution) -> None:
            text = _("Reactivated: {name}") if saved.active else _("Deactivated: {name}")
            self.say(text.format(name=name), OK_STYLE)
            self._select_after_load = saved.id
            self.refresh()

        def failed(exc: BaseException) -> None:
            show_failure(self, exc)
            self.refresh()

        run_for(self, work, done, on_error=failed)

    def update_shipped_list(self) -> None:
        """Show what updating the shipped list would change, then apply it if confirmed."""
        if not self.can_edit:
            return
        db, actor = self.opened.db, self.opened.actor
        self.shipped_button.setEnabled(False)

        def work(_report: Report) -> ShippedSync:
            return institutions.preview_shipped_list(db=db, actor=actor)

        def done(plan: ShippedSync) -> None:
            self.shipped_button.setEnabled(True)
            dialog = ShippedListDialog(self.opened, plan, self)
            dialog.finished.connect(lambda _result: self._shipped_closed(dialog))
            dialog.open()

        def failed(exc: BaseException) -> None:
            self.shipped_button.setEnabled(True)
            show_failure(self, exc)

        run_for(self, work, done, on_error=failed)

    def _shipped_closed(self, dialog: ShippedListDialog) -> None:
        if dialog.applied is not None:
            self.say(dialog.summary(dialog.applied), OK_STYLE)
            self.refresh()
        dialog.deleteLater()

    # --- text and layout -------------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.search.setPlaceholderText(_("Search by name, city, address or contacts…"))
        self.add_button.setText(_("Add…"))
        self.edit_button.setText(_("Edit…") if self.can_edit else _("Open…"))
        self.shipped_button.setText(_("Update shipped list…"))
        self.shipped_button.setToolTip(
            _(
                "Add institutions newly shipped with Komok and refresh their names and places. "
                "What you changed or filled in is kept."
            )
        )
        self.refresh_button.setText(_("Refresh"))
        self.table.setAccessibleName(_("Institutions"))
        self._fill_filters()
        self.model.retranslate()
        self._show_count()
        self._enable()

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths and the sort."""
        save_columns(self.table, settings, HEADER_KEY)

    def restore_state(self, settings: QSettings) -> None:
        """Restore column widths and the sort (the data is read when the screen is shown)."""
        restore_columns(self.table, settings, HEADER_KEY)
        header = self.table.horizontalHeader()
        if 0 <= header.sortIndicatorSection() < self.model.columnCount():
            self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
