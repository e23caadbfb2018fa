"""The Referrals tab of an open case: the letters sent about it and where they stand.

A read-only list (register number, institution in the interface language, status,
letter language, sent and response-due dates) and a "New referral…" button that opens
the referral dialog (`desktop.referral_dialog`); after it closes the case is read again.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.case_section import CaseSection
from desktop.case_tab_summary import show_date
from desktop.i18n import LANGUAGE_NAMES
from desktop.referral_dialog import ReferralDialog
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from models.case_view import CaseSnapshot, ReferralEntry
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language

HEADERS = (
    N_("Register number"), N_("Institution"), N_("Status"), N_("Letter language"), N_("Sent"),
    N_("Answer due"),
)  # fmt: skip
COLUMNS_KEY = "case_workspace/referral_columns"
LATE = QColor("#b00020")
WAITING = ("sent", "acknowledged")


class ReferralModel(RowTableModel):
    """A case's referrals for a table."""

    headers = HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ReferralEntry] = []

    def set_rows(self, rows: list[ReferralEntry]) -> None:
        """Show these referrals."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cell(self, row: ReferralEntry, column: int, role: int) -> Any:
        late = (
            row.status in WAITING
            and row.response_due_on is not None
            and row.response_due_on < date.today()
        )
        if role == Qt.ItemDataRole.ForegroundRole and late and column == 5:
            return LATE
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        lang = current_language()
        if column == 0:
            return row.register_number or _("(draft)")
        if column == 1:
            return row.institution(lang)
        if column == 2:
            return default_vocabularies()["referral_status"].label(row.status, lang)
        if column == 3:
            return LANGUAGE_NAMES.get(row.language, row.language)
        if column == 4:
            return show_date(row.sent_on)
        return show_date(row.response_due_on)

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            last = self.index(len(self.rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)


class ReferralsTab(CaseSection):
    """The case's referrals, and the way to write a new one."""

    key = "referrals"
    title = N_("Referrals")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.dialog: ReferralDialog | None = None
        self.model = ReferralModel(self)
        self.table = record_table_view(
            self, self.model, "referral_table", (130, 320, 120, 100, 100)
        )
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("no_referrals")
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new_referral")
        self.new_button.clicked.connect(self.new_referral)
        bar = QHBoxLayout()
        bar.addWidget(self.empty_label, 1)
        bar.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def new_referral(self) -> ReferralDialog:
        """Open the referral dialog for this case; the case is read again when it closes."""
        dialog = ReferralDialog(self.opened, self.case_id, self)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: ReferralDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.reload_requested.emit()

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        self.model.set_rows(snapshot.referrals)
        self._show_empty()
        return []

    def _show_empty(self) -> None:
        empty = self.snapshot is not None and not self.snapshot.referrals
        self.empty_label.setText(_("No referrals yet.") if empty else "")

    def clear_personal(self) -> None:
        self.model.set_rows([])

    def retranslate(self) -> None:
        self.new_button.setText(_("New referral…"))
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.retranslate()
        self.table.setAccessibleName(_("Referrals"))
        self.model.retranslate()
        self._show_empty()

    def save_state(self, settings: QSettings) -> None:
        save_columns(self.table, settings, COLUMNS_KEY)

    def restore_state(self, settings: QSettings) -> None:
        restore_columns(self.table, settings, COLUMNS_KEY)
