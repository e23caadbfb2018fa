"""The Follow-ups tab of an open case: what is to be done by when, and what was done.

Open follow-ups come first by due date (overdue ones in red), then done ones. A new one
is added with a title and a due date (`models.timeline.add_follow_up`), by its Add
button or by Save (Ctrl+S) when a title is typed; "Mark done" completes the selected
one (`complete_follow_up`, version-checked).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.case_section import CaseSection, SaveRun, SaveStep
from desktop.case_tab_summary import show_date
from desktop.form_editors import DATE_FORMAT
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import run_for
from models.case_view import CaseSnapshot, FollowUpEntry
from models.timeline import add_follow_up, complete_follow_up
from models.vault import OpenVault
from translations import N_, _

HEADERS = (N_("Due"), N_("What is to be done"), N_("State"), N_("Assigned to"))
COLUMNS_KEY = "case_workspace/follow_up_columns"
DEFAULT_DAYS = 7
OVERDUE = QColor("#b00020")


class FollowUpModel(RowTableModel):
    """A case's follow-ups for a table."""

    headers = HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FollowUpEntry] = []

    def set_rows(self, rows: list[FollowUpEntry]) -> None:
        """Show these follow-ups."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cell(self, row: FollowUpEntry, column: int, role: int) -> Any:
        overdue = row.done_on is None and row.due_on < date.today()
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return OVERDUE
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and row.note:
            return row.note
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return show_date(row.due_on)
        if column == 1:
            return row.title
        if column == 2:
            if row.done_on is not None:
                return _("Done {date}").format(date=show_date(row.done_on))
            return _("Overdue") if overdue else _("Open")
        return row.assigned_name

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 3))


class FollowUpsTab(CaseSection):
    """The case's follow-ups: the list, a new one, marking one done."""

    key = "follow_ups"
    title = N_("Follow-ups")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.model = FollowUpModel(self)
        self.table = record_table_view(self, self.model, "follow_up_table", (110, 360, 130))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("follow_up_title")
        self.title_edit.setMaxLength(300)
        self.title_edit.textChanged.connect(self._typed)
        self.title_edit.returnPressed.connect(self.add)
        self.due = QDateEdit(self)
        self.due.setObjectName("follow_up_due")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat(DATE_FORMAT)
        self.due.setDateRange(QDate(2000, 1, 1), QDate(2100, 1, 1))
        self.due.dateChanged.connect(lambda _d: self._typed())
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("add_follow_up")
        self.add_button.clicked.connect(self.add)
        self.done_button = QPushButton(self)
        self.done_button.setObjectName("follow_up_done")
        self.done_button.clicked.connect(self.mark_done)
        self.title_label, self.due_label = QLabel(self), QLabel(self)

        row = QHBoxLayout()
        row.addWidget(self.title_label)
        row.addWidget(self.title_edit, 1)
        row.addWidget(self.due_label)
        row.addWidget(self.due)
        row.addWidget(self.add_button)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._reset()
        self.retranslate()

    def _default_due(self) -> QDate:
        day = date.today() + timedelta(days=DEFAULT_DAYS)
        return QDate(day.year, day.month, day.day)

    def _reset(self) -> None:
        self.title_edit.blockSignals(True)
        self.due.blockSignals(True)
        try:
            self.title_edit.clear()
            self.due.setDate(self._default_due())
        finally:
            self.title_edit.blockSignals(False)
            self.due.blockSignals(False)
        self._update_buttons()
        self.edited.emit()

    def _typed(self) -> None:
        self._update_buttons()
        self.edited.emit()

    def _update_buttons(self, *_args) -> None:
        self.add_button.setEnabled(bool(self.title_edit.text().strip()))
        selected = self.selected()
        self.done_button.setEnabled(selected is not None and selected.done_on is None)

    def selected(self) -> FollowUpEntry | None:
        """The follow-up selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _data(self) -> dict[str, Any]:
        return {"title": self.title_edit.text(), "due_on": self.due.date().toPython()}

    # --- actions --------------------------------------------------------------------------

    def add(self) -> None:
        """Add the typed follow-up now."""
        if not self.title_edit.text().strip():
            return
        data = self._data()
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id
        self.add_button.setEnabled(False)

        def done(_result) -> None:
            self._reset()
            self.reload_requested.emit()

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self.failed.emit(exc)

        run_for(
            self,
            lambda _r: add_follow_up(db=db, actor=actor, case_id=case_id, data=data),
            done,
            on_error=failed,
        )

    def mark_done(self) -> None:
        """Mark the selected follow-up as done today."""
        chosen = self.selected()
        if chosen is None or chosen.done_on is not None:
            return
        db, actor = self.opened.db, self.opened.actor
        self.done_button.setEnabled(False)
        self.run_action(
            lambda _r: complete_follow_up(
                db=db, actor=actor, follow_up_id=chosen.id, version=chosen.version
            )
        )

    # --- showing --------------------------------------------------------------------------

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        self.model.set_rows(snapshot.follow_ups)
        if not keep_edits:
            self._reset()
        self._update_buttons()
        return []

    def clear_personal(self) -> None:
        self.model.set_rows([])
        self._reset()

    def retranslate(self) -> None:
        self.title_label.setText(_("New follow-up:"))
        self.title_edit.setPlaceholderText(_("What is to be done, e.g. call the employer"))
        self.due_label.setText(_("Due:"))
        self.add_button.setText(_("Add follow-up"))
        self.done_button.setText(_("Mark done"))
        self.table.setAccessibleName(_("Follow-ups"))
        self.model.retranslate()

    # --- unsaved work ---------------------------------------------------------------------

    def edits(self) -> dict[str, Any]:
        if not self.title_edit.text().strip():
            return {}
        data = self._data()
        return {"title": data["title"], "due_on": data["due_on"].isoformat()}

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        if not edits:
            return
        self.title_edit.setText(str(edits.get("title") or ""))
        if edits.get("due_on"):
            day = date.fromisoformat(str(edits["due_on"]))
            self.due.setDate(QDate(day.year, day.month, day.day))

    def save_step(self) -> SaveStep | None:
        if not self.title_edit.text().strip():
            return None
        data = self._data()

        def step(run: SaveRun) -> Any:
            return add_follow_up(db=run.db, actor=run.actor, case_id=run.case_id, data=data)

        return step

    def saved(self) -> None:
        self._reset()

    def set_busy(self, busy: bool) -> None:
        self.title_edit.setReadOnly(busy)
        self.add_button.setEnabled(not busy and bool(self.title_edit.text().strip()))

    def save_state(self, settings: QSettings) -> None:
        save_columns(self.table, settings, COLUMNS_KEY)

    def restore_state(self, settings: QSettings) -> None:
        restore_columns(self.table, settings, COLUMNS_KEY)
