"""The Timeline tab of an open case: what happened, newest first, and a box to add to it.

Each entry shows when it happened (in the computer's time zone, formatted for the
interface language), its kind, who wrote it and what it says; status changes show the
move and its reason. Notes, calls, meetings and documents are added with
`models.timeline.add_event` by the Add button, or by Save (Ctrl+S) when text is typed.
Typed text counts as unsaved work: it is kept in drafts and asked about when closing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, QSettings, Qt
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.case_fields import ChoiceField
from desktop.case_section import CaseSection, SaveRun, SaveStep
from desktop.form_editors import DATE_FORMAT
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import run_for
from desktop.settings_users import local_time
from models.case_view import CaseSnapshot, TimelineEntry
from models.schemas import USER_EVENT_KINDS
from models.timeline import add_event
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language

HEADERS = (N_("When"), N_("Kind"), N_("Author"), N_("What happened"))
COLUMNS_KEY = "case_workspace/timeline_columns"
SPLITTER_KEY = "case_workspace/timeline_splitter"


def describe_entry(entry: TimelineEntry) -> str:
    """What a timeline entry says, in the interface language."""
    vocab, lang = default_vocabularies(), current_language()
    if entry.kind == "status_change":
        statuses = vocab["case_status"]
        moved = _("{old} → {new}").format(
            old=statuses.label(str(entry.data.get("from")), lang),
            new=statuses.label(str(entry.data.get("to")), lang),
        )
        reason = entry.data.get("reason")
        if reason:
            moved += " — " + vocab["closure_reason"].label(str(reason), lang)
        return f"{moved}\n{entry.text}" if entry.text else moved
    return entry.text


class TimelineModel(RowTableModel):
    """Timeline entries for a table, newest first."""

    headers = HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TimelineEntry] = []

    def set_rows(self, rows: list[TimelineEntry]) -> None:
        """Show these entries."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cell(self, row: TimelineEntry, column: int, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == 0:
            return local_time(row.occurred_at)
        if column == 1:
            return default_vocabularies()["event_kind"].label(row.kind, current_language())
        if column == 2:
            return row.author_name
        return describe_entry(row)

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 3))


class TimelineTab(CaseSection):
    """The case's history and a box for a new note, call, meeting or document entry."""

    key = "timeline"
    title = N_("Timeline")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self._when_touched = False
        self._resetting = False
        self.model = TimelineModel(self)
        self.table = record_table_view(self, self.model, "timeline_table", (150, 120, 150))
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        composer = QWidget(self)
        self.kind = ChoiceField(
            composer,
            "event_kind",
            lambda: [
                (code, label)
                for code, label in default_vocabularies()["event_kind"].choices(current_language())
                if code in USER_EVENT_KINDS
            ],
            allow_empty=False,
        )
        self.when = QDateTimeEdit(composer)
        self.when.setObjectName("event_when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat(DATE_FORMAT + " HH:mm")
        self.when.dateTimeChanged.connect(self._when_changed)
        self.text = QPlainTextEdit(composer)
        self.text.setObjectName("event_text")
        self.text.setTabChangesFocus(True)
        self.text.textChanged.connect(self._text_changed)
        self.add_button = QPushButton(composer)
        self.add_button.setObjectName("add_event")
        self.add_button.clicked.connect(self.add_entry)
        self.kind.on_change(self._text_changed)
        self.kind_label, self.when_label = QLabel(composer), QLabel(composer)
        row = QHBoxLayout()
        row.addWidget(self.kind_label)
        row.addWidget(self.kind.widget)
        row.addSpacing(12)
        row.addWidget(self.when_label)
        row.addWidget(self.when)
        row.addStretch(1)
        row.addWidget(self.add_button)
        box = QVBoxLayout(composer)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.text)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("timeline_splitter")
        self.splitter.addWidget(composer)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([140, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self._reset_composer()
        self.retranslate()

    # --- composer -------------------------------------------------------------------------

    def _reset_composer(self) -> None:
        self._resetting = True
        try:
            self.text.clear()
            self.kind.set("note")
            self.when.setDateTime(QDateTime.currentDateTime())
            self._when_touched = False
        finally:
            self._resetting = False
        self._update_button()
        self.edited.emit()

    def _when_changed(self) -> None:
        if not self._resetting:
            self._when_touched = True

    def _text_changed(self) -> None:
        if self._resetting:
            return
        self._update_button()
        self.edited.emit()

    def _update_button(self) -> None:
        self.add_button.setEnabled(bool(self.text.toPlainText().strip()))

    def _event_data(self) -> dict[str, Any]:
        when = self.when.dateTime().toPython().astimezone() if self._when_touched else None
        return {"kind": self.kind.get(), "text": self.text.toPlainText(), "occurred_at": when}

    def add_entry(self) -> None:
        """Add the typed entry to the timeline now."""
        if not self.text.toPlainText().strip():
            return
        data = self._event_data()
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id
        self.add_button.setEnabled(False)

        def work(_report):
            return add_event(db=db, actor=actor, case_id=case_id, data=data)

        def failed(exc: BaseException) -> None:
            self._update_button()
            self.failed.emit(exc)

        def done(_event) -> None:
            self._reset_composer()
            self.reload_requested.emit()

        run_for(self, work, done, on_error=failed)

    # --- showing --------------------------------------------------------------------------

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        self.model.set_rows(snapshot.events)
        if not keep_edits:
            self._reset_composer()
        return []

    def clear_personal(self) -> None:
        self.model.set_rows([])
        self._reset_composer()

    def retranslate(self) -> None:
        self.kind_label.setText(_("New entry:"))
        self.when_label.setText(_("When:"))
        self.add_button.setText(_("Add to timeline"))
        self.text.setPlaceholderText(
            _("What happened: a call, a meeting, a document received, a note…")
        )
        self.table.setAccessibleName(_("Timeline"))
        self._resetting = True
        try:
            self.kind.retranslate()
        finally:
            self._resetting = False
        self.model.retranslate()

    # --- unsaved work ---------------------------------------------------------------------

    def edits(self) -> dict[str, Any]:
        text = self.text.toPlainText()
        if not text.strip():
            return {}
        data = self._event_data()
        when = data["occurred_at"]
        return {**data, "occurred_at": when.isoformat() if isinstance(when, datetime) else None}

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        if not edits:
            return
        self.kind.set(edits.get("kind") or "note")
        self.text.setPlainText(str(edits.get("text") or ""))
        when = edits.get("occurred_at")
        if when:
            moment = datetime.fromisoformat(str(when)).astimezone()
            self._resetting = True
            try:
                self.when.setDateTime(QDateTime(moment.replace(tzinfo=None)))
            finally:
                self._resetting = False
            self._when_touched = True

    def save_step(self) -> SaveStep | None:
        if not self.text.toPlainText().strip():
            return None
        data = self._event_data()

        def step(run: SaveRun) -> Any:
            return add_event(db=run.db, actor=run.actor, case_id=run.case_id, data=data)

        return step

    def saved(self) -> None:
        self._reset_composer()

    def show_errors(self, field_errors: Mapping[str, str]) -> dict[str, str]:
        return dict(field_errors)

    def set_busy(self, busy: bool) -> None:
        self.text.setReadOnly(busy)
        self.add_button.setEnabled(not busy and bool(self.text.toPlainText().strip()))

    # --- remembered layout ----------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        save_columns(self.table, settings, COLUMNS_KEY)
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        restore_columns(self.table, settings, COLUMNS_KEY)
        state = settings.value(SPLITTER_KEY)
        if state is not None:
            self.splitter.restoreState(state)
