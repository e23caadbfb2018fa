"""The Follow-ups screen: open follow-ups grouped as Overdue, Today, This week and Later.

One table, each group under a heading row with its count. Columns: case number, client,
what to do, due date (in the interface language), the rule's legal source (with the
full source, link, note and any review warning as a tooltip), and who it is assigned to.
"Mark done" completes the selected follow-up; a double-click (or Enter) asks to open its
case (`open_case_requested(case_id)`). Lists are read off the UI thread; "Only mine"
and the column layout are remembered in QSettings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from PySide6.QtCore import QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.login_dialog import error_label
from desktop.row_table_model import Index, RowTableModel, record_table_view
from desktop.worker import run_in_background
from models.deadlines import Rule, default_rules
from models.follow_up_queries import (
    BUCKETS,
    LATER,
    OVERDUE,
    THIS_WEEK,
    TODAY,
    FollowUpLists,
    FollowUpRow,
    open_follow_ups,
)
from models.timeline import complete_follow_up
from models.vault import OpenVault
from translations import N_, _, current_language

HEADER_KEY = "follow_ups/header"
MINE_KEY = "follow_ups/mine_only"
DEFAULT_WIDTHS = (120, 190, 320, 110, 260, 150)
BUCKET_TITLES = {
    OVERDUE: N_("Overdue"),
    TODAY: N_("Today"),
    THIS_WEEK: N_("This week"),
    LATER: N_("Later"),
}
OVERDUE_COLOUR = QColor("#b00020")
GROUP_BACKGROUND = QColor("#eef1f5")
FollowUpRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class GroupRow:
    """The heading row of a bucket."""

    bucket: str
    count: int
    shown: int


class FollowUpsModel(RowTableModel):
    """Heading rows and follow-up rows, in bucket order."""

    COL_CASE, COL_CLIENT, COL_TITLE, COL_DUE, COL_RULE, COL_ASSIGNED = range(6)
    headers = (
        N_("Case"), N_("Client"), N_("To do"), N_("Due"), N_("Rule and source"),
        N_("Assigned to"),
    )  # fmt: skip

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[GroupRow | FollowUpRow] = []
        self.today = date.today()

    def set_lists(self, lists: FollowUpLists) -> None:
        """Show freshly read lists."""
        self.beginResetModel()
        self.today = lists.today
        self.rows = []
        for bucket in BUCKETS:
            items = lists.bucket(bucket)
            count = lists.counts.get(bucket, len(items))
            if count:
                self.rows.append(GroupRow(bucket, count, len(items)))
                self.rows.extend(items)
        self.endResetModel()

    def group_rows(self) -> list[int]:
        """The positions of the heading rows."""
        return [i for i, row in enumerate(self.rows) if isinstance(row, GroupRow)]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self.rows[index.row()], GroupRow):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def cell(self, row: Any, column: int, role: int) -> Any:
        if isinstance(row, GroupRow):
            return self._group_cell(row, column, role)
        if role == FollowUpRole:
            return row
        rule = default_rules().get(row.rule_code)  # read once, when first needed
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, rule, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_RULE and rule is not None:
                return rule_tooltip(rule, current_language())
            if column == self.COL_TITLE and row.note:
                return row.note
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_DUE:
            return QBrush(OVERDUE_COLOUR) if row.due_on < self.today else None
        return None

    def _group_cell(self, row: GroupRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and column == 0:
            title = _(BUCKET_TITLES[row.bucket])
            if row.shown < row.count:
                return _("{title} ({count}, the first {shown} shown)").format(
                    title=title, count=row.count, shown=row.shown
                )
            return _("{title} ({count})").format(title=title, count=row.count)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(GROUP_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and row.bucket == OVERDUE:
            return QBrush(OVERDUE_COLOUR)
        return None

    def _text(self, row: FollowUpRow, rule: Rule | None, column: int) -> str:
        lang = current_language()
        if column == self.COL_CASE:
            return row.case_number
        if column == self.COL_CLIENT:
            return row.client
        if column == self.COL_TITLE:
            return rule.title.get(lang) if rule is not None else row.title
        if column == self.COL_DUE:
            return format_date(row.due_on, format="medium", locale=lang)
        if column == self.COL_RULE:
            if rule is None:
                return ""
            return ("⚠ " if rule.review else "") + rule.source.short_citation()
        if column == self.COL_ASSIGNED:
            return row.assignee
        return ""

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language now in force."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers) - 1)
        if self.rows:
            last = self.index(len(self.rows) - 1, len(self.headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last)


def rule_tooltip(rule: Rule, lang: str) -> str:
    """A rule's title, who it applies to, its full source, link, note and review warning."""
    lines = [
        rule.title.get(lang),
        _("Applies to: {who}").format(who=rule.applies_to.get(lang)),
        _("Source: {source}").format(source=rule.source.citation()),
    ]
    if rule.source.url:
        lines.append(rule.source.url)
    lines.append(
        _("In force since {date}").format(
            date=format_date(rule.effective_from, format="medium", locale=lang)
        )
    )
    if rule.note is not None:
        lines.append(rule.note.get(lang))
    if rule.review:
        lines.append("⚠ " + _("This rule is flagged for review: check it against the current law."))
    return "\n".join(lines)


class FollowUpsView(QWidget):
    """The Follow-ups screen (see the module docstring)."""

    open_case_requested = Signal(object)  # the case's uuid.UUID

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("follow_ups_view")
        self.opened = opened
        self.loading = False
        self._pending = False
        self.model = FollowUpsModel(self)
        self.table = record_table_view(self, self.model, "follow_up_table", DEFAULT_WIDTHS)
        self.table.horizontalHeader().setSectionsMovable(True)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

        self.summary = QLabel(self)
        self.summary.setObjectName("follow_up_summary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.mine_only = QCheckBox(self)
        self.mine_only.setObjectName("follow_ups_mine_only")
        self.mine_only.toggled.connect(lambda _on: self.refresh())
        self.done_button = QPushButton(self)
        self.done_button.setObjectName("mark_done")
        self.done_button.clicked.connect(self.mark_done)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open_case")
        self.open_button.clicked.connect(self._open_selected)
        self.refresh_button = QToolButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        self.error = error_label(self, "follow_up_error")
        self.empty = QLabel(self)
        self.empty.setObjectName("follow_ups_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.mine_only)
        bar.addWidget(self.open_button)
        bar.addWidget(self.done_button)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self._lists: FollowUpLists | None = None
        self._stale = True  # the lists need reading when the screen is next shown
        self.retranslate()
        self._update_buttons()

    # --- reading -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Read the lists when the screen is shown and they are not up to date."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the lists again in the background (today's date is taken now); while the
        screen is hidden, only once it is shown (on a large database the read takes
        seconds, and it would hold up the case list's reads behind it)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self.loading:
            self._pending = True
            return
        self.loading = True
        self._pending = False
        self.summary.setText(_("Reading follow-ups…"))
        db, actor, mine = self.opened.db, self.opened.actor, self.mine_only.isChecked()
        today = date.today()
        run_in_background(
            self,
            lambda _report: open_follow_ups(db=db, actor=actor, today=today, mine_only=mine),
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _loaded(self, lists: FollowUpLists) -> None:
        self.loading = False
        self._lists = lists
        self.error.hide()
        self.model.set_lists(lists)
        self.table.clearSpans()
        for row in self.model.group_rows():
            self.table.setSpan(row, 0, 1, self.model.columnCount())
        self._show_summary()
        self._update_buttons()
        if self._pending:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.summary.setText("")
        self.error.setText(_("The follow-ups could not be read: {error}").format(error=exc))
        self.error.show()
        if self._pending:
            self.refresh()

    # --- actions -------------------------------------------------------------------------

    def selected(self) -> FollowUpRow | None:
        """The selected follow-up, if any."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(FollowUpRole) if rows else None

    def select_follow_up(self, follow_up_id: uuid.UUID) -> bool:
        """Select the row of a follow-up; False when it is not listed."""
        for number, row in enumerate(self.model.rows):
            if isinstance(row, FollowUpRow) and row.id == follow_up_id:
                self.table.selectRow(number)
                return True
        return False

    def mark_done(self) -> None:
        """Complete the selected follow-up (today), then read the lists again."""
        row = self.selected()
        if row is None:
            return
        self.done_button.setEnabled(False)
        db, actor = self.opened.db, self.opened.actor
        run_in_background(
            self,
            lambda _report: complete_follow_up(
                db=db, actor=actor, follow_up_id=row.id, version=row.version
            ),
            on_done=lambda _done: self.refresh(),
            on_error=self._done_failed,
        )

    def _done_failed(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()
        self.refresh()

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(FollowUpRole)
        if isinstance(row, FollowUpRow):
            self.open_case_requested.emit(row.case_id)

    def _open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_case_requested.emit(row.case_id)

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.done_button.setEnabled(has)
        self.open_button.setEnabled(has)

    # --- text ----------------------------------------------------------------------------

    def _show_summary(self) -> None:
        lists = self._lists
        if lists is None:
            self.summary.setText("")
            return
        total = sum(lists.counts.values())
        self.table.setVisible(bool(total))
        self.empty.setVisible(not total)
        overdue = lists.counts.get(OVERDUE, 0)
        due_today = lists.counts.get(TODAY, 0)
        self.summary.setText(
            _("Open: {total} · overdue: {overdue} · today: {today}").format(
                total=total, overdue=overdue, today=due_today
            )
        )

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.mine_only.setText(_("Only mine"))
        self.mine_only.setToolTip(_("Only follow-ups assigned to me (or on my cases)"))
        self.done_button.setText(_("Mark done"))
        self.open_button.setText(_("Open case"))
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Read the list again (F5)"))
        self.empty.setText(_("No open follow-ups."))
        self.table.setAccessibleName(_("Follow-ups"))
        self.model.retranslate()
        if self.loading:
            self.summary.setText(_("Reading follow-ups…"))
        else:
            self._show_summary()

    # --- remembered layout ---------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember the columns and the "Only mine" choice."""
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())
        settings.setValue(MINE_KEY, self.mine_only.isChecked())

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered, then read the lists."""
        state = settings.value(HEADER_KEY)
        if state is not None:
            self.table.horizontalHeader().restoreState(state)
        mine = settings.value(MINE_KEY, False)
        blocked = self.mine_only.blockSignals(True)
        self.mine_only.setChecked(mine in (True, "true", "1", 1))
        self.mine_only.blockSignals(blocked)
        self.refresh()
