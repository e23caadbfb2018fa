"""The Audit log settings page: who did what and when, newest first, and a chain check.

The log can hold millions of entries, so `AuditModel` reads it in pages by sequence
number, newest first, fetching the next page as the user scrolls — never all of it.
"Verify chain" walks the hash chain in the background (`models.audit.verify_chain`) and
reports either how many entries are intact or the first entry that is broken; the table
then jumps to that entry and selects it. Only field names of a change are shown, never
the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shiboken6
from babel.numbers import format_decimal
from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import ERROR_STYLE, OK_STYLE, SettingsPage, describe, run_for
from desktop.settings_users import local_time
from desktop.worker import Report, run_in_background
from models.audit import ChainReport, verify_chain
from models.tables import AuditEntry, AuditHead
from models.vault import OpenVault
from translations import N_, _, current_language, ngettext

Index = QModelIndex | QPersistentModelIndex

HEADER_KEY = "settings/audit/header"
HEADERS = (
    N_("No."), N_("Time"), N_("User"), N_("Action"), N_("Record"), N_("Record ID"),
    N_("Changed fields"),
)  # fmt: skip
DEFAULT_WIDTHS = (70, 180, 120, 160, 110, 160)
SeqRole = Qt.ItemDataRole.UserRole + 1
CONTEXT_ROWS = 20  # newer entries shown above an entry the table jumps to

ACTIONS = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "view": N_("Viewed"),
    "login": N_("Signed in"),
    "failed_login": N_("Failed sign-in"),
    "status": N_("Status changed"),
    "reopen": N_("Reopened"),
    "delete": N_("Removed"),
    "export": N_("Exported"),
    "print": N_("Printed"),
    "backup": N_("Backup made"),
    "restore": N_("Restored from backup"),
    "anonymize": N_("Anonymized"),
    "password": N_("Password changed"),
    "unlock": N_("Unlocked"),
    "lock": N_("Locked"),
    "demo": N_("Demo data created"),
    "complete": N_("Completed"),
    "sync": N_("Synchronised"),
}
ENTITIES = {
    "case": N_("Case"),
    "person": N_("Person"),
    "user": N_("User"),
    "setting": N_("Setting"),
    "database": N_("Database"),
    "referral": N_("Referral"),
    "follow_up": N_("Follow-up"),
    "event": N_("Timeline entry"),
    "institution": N_("Institution"),
    "attachment": N_("Document"),
}
PROBLEMS = {
    "missing entry": N_("an entry is missing"),
    "broken link": N_("the link to the previous entry is broken"),
    "content changed": N_("the entry was changed"),
    "truncated": N_("entries at the end were removed"),
}


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the table shows it (field names only, no values)."""

    seq: int
    at: datetime
    username: str
    action: str
    entity: str
    entity_id: str | None
    fields: tuple[str, ...]


def fetch_page(session, *, below: int | None, limit: int) -> list[AuditRow]:
    """Up to `limit` entries with a sequence number below `below` (None: the newest)."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if below is not None:
        query = query.where(AuditEntry.seq < below)
    return [
        AuditRow(e.seq, e.at, e.username, e.action, e.entity, e.entity_id,
                 tuple(sorted(e.changes or {})))
        for e in session.exec(query)
    ]  # fmt: skip


class AuditModel(RowTableModel):
    """The audit log for a QTableView, read lazily in pages by sequence number, newest first."""

    headers = HEADERS

    COL_SEQ, COL_TIME, COL_USER, COL_ACTION, COL_ENTITY, COL_ID, COL_FIELDS = range(7)
    PAGE_SIZE = 200

    loaded = Signal()
    total_changed = Signal(int)
    load_failed = Signal(str)

    def __init__(self, db, *, page_size: int | None = None, parent=None) -> None:
        super().__init__(parent)
        self._db = db
        self.page_size = page_size or self.PAGE_SIZE
        self.rows: list[AuditRow] = []
        self.total = 0
        self.loading = False
        self._exhausted = True
        self._generation = 0

    def refresh(self, *, start_at: int | None = None) -> None:
        """Read the first page again: the newest entries, or those from `start_at` down."""
        self._generation += 1
        db, size = self._db, self.page_size
        below = None if start_at is None else start_at + 1

        def work(_report: Report) -> tuple[int, list[AuditRow]]:
            with db.read() as session:
                head = session.get(AuditHead, 1)  # entries are numbered 1, 2, … without gaps
                total = head.seq if head is not None else 0
                return total, fetch_page(session, below=below, limit=size)

        self._start(work, self._first_page)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next (older) page in the background."""
        if parent.isValid() or self._exhausted or self.loading or not self.rows:
            return
        db, size, below = self._db, self.page_size, self.rows[-1].seq

        def work(_report: Report) -> list[AuditRow]:
            with db.read() as session:
                return fetch_page(session, below=below, limit=size)

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
                    _("The audit log could not be read: {error}").format(error=describe(exc))
                )
                self.loaded.emit()

        self.loading = True
        run_in_background(None, work, on_done=done, on_error=failed)

    def _first_page(self, result: tuple[int, list[AuditRow]]) -> None:
        total, rows = result
        self.beginResetModel()
        self.rows, self.total = rows, total
        self._exhausted = len(rows) < self.page_size
        self.endResetModel()
        self.total_changed.emit(total)

    def _next_page(self, rows: list[AuditRow]) -> None:
        self._exhausted = len(rows) < self.page_size
        if rows:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def row_of(self, seq: int) -> int | None:
        """The row showing entry `seq` (or the nearest older one), if read."""
        for number, row in enumerate(self.rows):
            if row.seq <= seq:
                return number
        return None

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == SeqRole:
            return row.seq
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_SEQ:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_ID:
            return row.entity_id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == self.COL_SEQ:
            return format_decimal(row.seq, locale=current_language())
        if column == self.COL_TIME:
            return local_time(row.at)
        if column == self.COL_USER:
            return row.username
        if column == self.COL_ACTION:
            return _(ACTIONS[row.action]) if row.action in ACTIONS else row.action
        if column == self.COL_ENTITY:
            return _(ENTITIES[row.entity]) if row.entity in ENTITIES else row.entity
        if column == self.COL_ID:
            return short_id(row.entity_id)
        return ", ".join(row.fields)

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            last = self.index(len(self.rows) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DisplayRole])


def short_id(value: str | None) -> str:
    """A record ID short enough for a column: the start of a UUID, a setting's key whole."""
    if not value:
        return ""
    return value[:8] if len(value) == 36 and value.count("-") == 4 else value


class AuditPage(SettingsPage):
    """The audit log table with Newest (refresh) and Verify chain."""

    key = "audit"
    title = N_("Audit log")
    verified = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_audit")
        self.report: ChainReport | None = None
        self._select_seq: int | None = None
        self.model = AuditModel(opened.db, parent=self)
        self.model.loaded.connect(self._loaded)
        self.model.total_changed.connect(lambda _total: self._show_count())
        self.model.load_failed.connect(self._load_failed)
        self.table = record_table_view(self, self.model, "audit_table", DEFAULT_WIDTHS)
        self.count_label = QLabel(self)
        self.newest_button = QPushButton(self)
        self.newest_button.setObjectName("audit_newest")
        self.newest_button.clicked.connect(self.refresh)
        self.verify_button = QPushButton(self)
        self.verify_button.setObjectName("verify_chain")
        self.verify_button.clicked.connect(self.verify)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("chain_result")
        self.result_label.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.newest_button)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result_label)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.newest_button.setText(_("Show newest"))
        self.verify_button.setText(_("Verify chain"))
        self.verify_button.setToolTip(
            _("Check that no entry of the log was changed or removed since it was written.")
        )
        self.table.setAccessibleName(_("Audit log"))
        self.model.retranslate()
        self._show_count()
        self._show_report()

    def _show_count(self) -> None:
        total = self.model.total
        text = ngettext("{count} entry", "{count} entries", total)
        self.count_label.setText(
            text.format(count=format_decimal(total, locale=current_language()))
        )

    def refresh(self) -> None:
        """Read the newest entries again."""
        super().refresh()
        self._select_seq = None
        self.model.refresh()

    def _loaded(self) -> None:
        if self._select_seq is None:
            return
        row = self.model.row_of(self._select_seq)
        self._select_seq = None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(
                self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter
            )

    def _load_failed(self, message: str) -> None:
        self.result_label.setStyleSheet(ERROR_STYLE)
        self.result_label.setText(message)

    def show_entry(self, seq: int) -> None:
        """Jump to entry `seq` (with a few newer ones above it) and select it."""
        self._select_seq = seq
        self.model.refresh(start_at=seq + min(CONTEXT_ROWS, self.model.page_size // 4))

    def verify(self) -> None:
        """Check the whole hash chain in the background, with a progress dialog."""
        db = self.opened.db
        self.verify_button.setEnabled(False)

        def work(_report: Report) -> ChainReport:
            with db.read() as session:
                return verify_chain(session)

        run_for(
            self, work, self._verified, on_error=self._verify_failed,
            progress_label=_("Checking the audit log…"),
        )  # fmt: skip

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        self.report = report
        self._show_report()
        if not report.ok and report.first_bad_seq is not None:
            self.show_entry(report.first_bad_seq)
        self.verified.emit(report)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.report = None
        self.result_label.setStyleSheet(ERROR_STYLE)
        self.result_label.setText(describe(exc))

    def _show_report(self) -> None:
        report = self.report
        if report is None:
            if not self.result_label.text():
                self.result_label.clear()
            return
        lang = current_language()
        if report.ok:
            self.result_label.setStyleSheet(OK_STYLE)
            self.result_label.setText(
                _("Intact: {count} entries, none changed or removed.").format(
                    count=format_decimal(report.checked, locale=lang)
                )
            )
            return
        problem = PROBLEMS.get(report.problem)
        self.result_label.setStyleSheet(ERROR_STYLE)
        self.result_label.setText(
            _(
                "The audit log was tampered with: at entry No. {seq} {problem}. "
                "{count} earlier entries are intact. Keep this computer as it is and "
                "tell your coordinator."
            ).format(
                seq=format_decimal(report.first_bad_seq or 0, locale=lang),
                problem=_(problem) if problem else report.problem,
                count=format_decimal(report.checked, locale=lang),
            )
        )

    def save_state(self, settings: QSettings) -> None:
        """Remember the column widths."""
        save_columns(self.table, settings, HEADER_KEY)

    def restore_state(self, settings: QSettings) -> None:
        """Restore the column widths."""
        restore_columns(self.table, settings, HEADER_KEY)
