"""The Referrals screen: every referral of the cases the user may see, and where each stands.

The list (register number, case, institution in the interface language, status, sent and
answer-due dates) is read page by page as the user scrolls (`models.referral_queries`),
sorted by the database when a column header is clicked, and filtered by status,
institution and "only overdue answers". An answer is overdue when a sent letter's answer
date has passed; such dates are shown in red. Actions on the selected referral: change
its status (the next statuses the workflow allows, with a date and a note that go on the
case timeline), open its letter (rendered in memory with pdfium, saved only where the
user chooses), open its case (double-click; `open_case_requested` carries the case id).
"Mark overdue as no response" moves every overdue referral to "no response" at once.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.referral_dialogs import LetterPreview, StatusDialog, render_pages
from desktop.referral_list_model import ReferralRole, ReferralsModel
from desktop.row_table_model import record_table_view
from desktop.settings_general import ERROR_STYLE, OK_STYLE, describe, run_for, show_failure
from desktop.worker import Report
from models import institutions, referrals
from models import referral_queries as rq
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

HEADER_KEY = "referrals_view/header"
DEFAULT_WIDTHS = (130, 130, 380, 160, 110)


def _uuid(value: object) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


class ReferralsView(QWidget):
    """All referrals with filters and actions; emits `open_case_requested(case uuid)`."""

    title = N_("Referrals")
    open_case_requested = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referrals_view")
        self.opened = opened
        self.loaded = False
        self._select_after_load: uuid.UUID | None = None
        self._error = ""
        self.previews: list[LetterPreview] = []
        self.model = ReferralsModel(opened, parent=self)
        self.model.loaded.connect(self._loaded)
        self.model.total_changed.connect(lambda _total: self._show_count())
        self.model.load_failed.connect(self._failed)
        self.table = record_table_view(self, self.model, "referral_list", DEFAULT_WIDTHS)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)  # newest first
        header.sortIndicatorChanged.connect(self.model.sort_by)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._enable)

        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("referral_status_filter")
        self.status_filter.setMinimumContentsLength(12)
        self.status_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.institution_filter = QComboBox(self)
        self.institution_filter.setObjectName("referral_institution_filter")
        self.institution_filter.setMinimumContentsLength(16)
        self.institution_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.overdue_filter = QCheckBox(self)
        self.overdue_filter.setObjectName("referral_overdue_filter")
        self.status_filter.currentIndexChanged.connect(self._filter)
        self.institution_filter.currentIndexChanged.connect(self._filter)
        self.overdue_filter.toggled.connect(self._filter)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("referral_count")
        self.overdue_label = QLabel(self)
        self.overdue_label.setObjectName("referral_overdue_count")
        self.overdue_label.setStyleSheet(ERROR_STYLE)
        self.message = QLabel(self)
        self.message.setObjectName("referrals_message")
        self.message.setWordWrap(True)

        self.status_button = QToolButton(self)
        self.status_button.setObjectName("change_referral_status")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_menu = QMenu(self.status_button)
        self.status_menu.aboutToShow.connect(self._fill_status_menu)
        self.status_button.setMenu(self.status_menu)
        self.letter_button = QPushButton(self)
        self.letter_button.setObjectName("open_letter")
        self.letter_button.clicked.connect(self.open_letter)
        self.case_button = QPushButton(self)
        self.case_button.setObjectName("open_referral_case")
        self.case_button.clicked.connect(self.open_case)
        self.no_response_button = QPushButton(self)
        self.no_response_button.setObjectName("mark_no_response")
        self.no_response_button.clicked.connect(self.mark_no_response)
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("refresh_referrals")
        self.refresh_button.clicked.connect(self.refresh)

        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.institution_filter, 1)
        filters.addWidget(self.overdue_filter)
        counts = QHBoxLayout()
        counts.addWidget(self.count_label)
        counts.addWidget(self.overdue_label)
        counts.addWidget(self.no_response_button)
        counts.addWidget(self.message, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_button)
        buttons.addWidget(self.letter_button)
        buttons.addWidget(self.case_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._institutions: list[tuple[uuid.UUID, str]] = []
        self._fill_filters()
        self.retranslate()
        self._enable()

    # --- filters -------------------------------------------------------------------------

    def _fill_filters(self) -> None:
        """(Re)fill the status and institution lists, keeping what is chosen."""
        status, institution = (
            self.status_filter.currentData(),
            self.institution_filter.currentData(),
        )
        for combo in (self.status_filter, self.institution_filter):
            combo.blockSignals(True)
            combo.clear()
        self.status_filter.addItem(_("All statuses"), None)
        for code, label in default_vocabularies()["referral_status"].choices(current_language()):
            self.status_filter.addItem(label, code)
        self.institution_filter.addItem(_("All institutions"), None)
        for institution_id, name in self._institutions:  # QVariant compares text, not UUIDs
            self.institution_filter.addItem(name, str(institution_id))
        for combo, value in ((self.status_filter, status), (self.institution_filter, institution)):
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)

    def _read_institutions(self) -> None:
        db, actor, lang = self.opened.db, self.opened.actor, current_language()

        def work(_report: Report) -> list[tuple[uuid.UUID, str]]:
            rows = institutions.list_institutions(db=db, actor=actor, active=None, language=lang)
            return [(row.id, institutions.institution_name(row, lang)) for row in rows]

        def done(rows: list[tuple[uuid.UUID, str]]) -> None:
            self._institutions = rows
            self._fill_filters()

        run_for(self, work, done, on_error=lambda exc: self._failed(describe(exc)))

    def query(self) -> rq.ReferralFilter:
        """The filters as chosen now, in the list's current order."""
        return replace(
            self.model.query, status=self.status_filter.currentData(),
            institution_id=_uuid(self.institution_filter.currentData()),
            overdue=self.overdue_filter.isChecked(),
        )  # fmt: skip

    def _filter(self, *_args: Any) -> None:
        self.model.set_query(self.query())
        self._show_count()

    def show_overdue(self) -> None:
        """Show only the referrals whose answer is overdue (any status, any institution)."""
        for combo in (self.status_filter, self.institution_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.overdue_filter.setChecked(True)
        self._filter()

    # --- reading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the list and the institutions again (in the background)."""
        self.loaded = True
        self._read_institutions()
        self.model.refresh()
        self._show_count()

    def showEvent(self, event) -> None:
        """Read the list the first time the screen is shown."""
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def _loaded(self) -> None:
        self._show_count()
        wanted = self._select_after_load
        self._select_after_load = None
        if wanted is not None:
            number = self.model.row_of(wanted)
            if number is not None:
                self.table.selectRow(number)
        self._enable()

    def _failed(self, message: str) -> None:
        self._error = message
        self.say(message, ERROR_STYLE)

    def _show_count(self) -> None:
        lang = current_language()
        if self.model.loading:
            self.count_label.setText(_("Reading referrals…"))
            return
        total = self.model.total
        text = ngettext("{count} referral", "{count} referrals", total)
        self.count_label.setText(text.format(count=format_decimal(total, locale=lang)))
        overdue = self.model.overdue_total
        text = ngettext("{count} answer overdue", "{count} answers overdue", overdue)
        self.overdue_label.setText(text.format(count=format_decimal(overdue, locale=lang)))
        self.overdue_label.setVisible(overdue > 0)
        self.no_response_button.setEnabled(overdue > 0)

    def say(self, text: str, style: str = "") -> None:
        """Show a line of news above the table."""
        self.message.setStyleSheet(style)
        self.message.setText(text)

    # --- selection -----------------------------------------------------------------------

    def selected(self) -> rq.ReferralRow | None:
        """The selected referral, if any."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ReferralRole) if rows else None

    def next_statuses(self, row: rq.ReferralRow) -> tuple[str, ...]:
        """The statuses a referral may move to (a draft with a number may be marked sent)."""
        allowed = referrals.allowed_referral_statuses(row.status)
        return tuple(s for s in allowed if s != "sent" or row.register_number)

    def _enable(self, *_args: Any) -> None:
        row = self.selected()
        self.status_button.setEnabled(row is not None and bool(self.next_statuses(row)))
        self.letter_button.setEnabled(row is not None and row.has_letter)
        self.case_button.setEnabled(row is not None)

    def _fill_status_menu(self) -> None:
        self.status_menu.clear()
        row = self.selected()
        if row is None:
            return
        vocab, lang = default_vocabularies()["referral_status"], current_language()
        for status in self.next_statuses(row):
            action = self.status_menu.addAction(vocab.label(status, lang))
            action.setData(status)
            action.triggered.connect(lambda _checked=False, s=status: self.change_status(s))

    # --- actions -------------------------------------------------------------------------

    def change_status(self, status: str) -> StatusDialog | None:
        """Ask for the date and a note, then move the selected referral to `status`."""
        row = self.selected()
        if row is None:
            return None
        dialog = StatusDialog(self.opened, row, status, self)

        def closed(_result: int) -> None:
            if dialog.changed:
                label = default_vocabularies()["referral_status"].label(status, current_language())
                self.say(
                    _("Referral {number}: {status}.").format(
                        number=row.register_number or _("(draft)"), status=label
                    ),
                    OK_STYLE,
                )
                self._select_after_load = row.id
                self.model.refresh()
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def mark_no_response(self) -> None:
        """Move every referral whose answer is overdue to "no response", after asking."""
        overdue = self.model.overdue_total
        if overdue <= 0:
            return
        answer = QMessageBox.question(
            self, _("Mark overdue as no response"),
            ngettext(
                "{count} referral has had no answer past its answer date. Mark it as "
                "“no response”? Each change goes on its case timeline.",
                "{count} referrals have had no answer past their answer date. Mark them as "
                "“no response”? Each change goes on its case timeline.",
                overdue,
            ).format(count=format_decimal(overdue, locale=current_language())),
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, actor, today = self.opened.db, self.opened.actor, date.today()

        def work(_report: Report) -> Any:
            return referrals.mark_no_response(db=db, actor=actor, today=today)

        def done(result: Any) -> None:
            self.no_response_button.setEnabled(True)
            count = result if isinstance(result, int) else len(result or ())
            self.say(
                ngettext(
                    "{count} referral marked as no response.",
                    "{count} referrals marked as no response.", count,
                ).format(count=format_decimal(count, locale=current_language())),
                OK_STYLE,
            )  # fmt: skip
            self.model.refresh()

        def failed(exc: BaseException) -> None:
            self.no_response_button.setEnabled(True)
            show_failure(self, exc)

        self.no_response_button.setEnabled(False)
        run_for(self, work, done, on_error=failed, progress_label=_("Marking overdue referrals…"))

    def open_letter(self) -> None:
        """Show the selected referral's stored letter in a preview window."""
        row = self.selected()
        if row is None or not row.has_letter:
            return
        db, actor = self.opened.db, self.opened.actor

        def work(_report: Report) -> tuple[bytes, list[QImage]]:
            content = referrals.stored_letter(db=db, actor=actor, referral_id=row.id)
            return content, render_pages(content)

        def done(result: tuple[bytes, list[QImage]]) -> None:
            content, pages = result
            preview = LetterPreview(self.opened, row, content, pages, self)
            preview.saved.connect(
                lambda path: self.say(_("Letter saved: {path}").format(path=path), OK_STYLE)
            )
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.destroyed.connect(lambda _obj=None: self._forget(preview))
            self.previews.append(preview)
            preview.show()

        run_for(self, work, done, on_error=lambda exc: show_failure(self, exc),
                progress_label=_("Opening the letter…"))  # fmt: skip

    def _forget(self, preview: LetterPreview) -> None:
        if preview in self.previews:
            self.previews.remove(preview)

    def open_case(self) -> None:
        """Ask the window to open the selected referral's case."""
        row = self.selected()
        if row is not None:
            self.open_case_requested.emit(row.case_id)

    def _activated(self, index) -> None:
        row = index.data(ReferralRole)
        if row is not None:
            self.open_case_requested.emit(row.case_id)

    # --- text and layout -----------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.overdue_filter.setText(_("Only overdue answers"))
        self.overdue_filter.setToolTip(
            _("Letters sent whose answer date has passed without an answer.")
        )
        self.status_button.setText(_("Change status"))
        self.letter_button.setText(_("Open letter…"))
        self.case_button.setText(_("Open case"))
        self.no_response_button.setText(_("Mark overdue as no response…"))
        self.refresh_button.setText(_("Refresh"))
        self.table.setAccessibleName(_("Referrals"))
        if self._institutions and self.loaded:
            self._read_institutions()  # names in the new language
        self._fill_filters()
        self.model.retranslate()
        self._show_count()

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths, order and the sort."""
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered (the list is read when the screen is shown)."""
        state = settings.value(HEADER_KEY)
        if state is None:
            return
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        try:
            header.restoreState(state)
        finally:
            header.blockSignals(False)
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if 0 <= column < self.model.columnCount():
            self.model.query = replace(
                self.model.query, sort=ReferralsModel.SORT_BY_COLUMN[column],
                descending=order == Qt.SortOrder.DescendingOrder,
            )  # fmt: skip
