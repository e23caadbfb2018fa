"""The Retention settings page: anonymize cases closed long ago, after a preview.

Personal data should not be kept longer than needed. A coordinator picks how many months
after closing a case its people's names and contacts are removed, presses Preview to see
how many cases and people that touches (and the first case numbers), and only then may
press Anonymize, which asks once more with the count and says it cannot be undone.
Statistics keep counting anonymized cases. Both steps run in the background through
`models.retention`; the count confirmed is passed on, so nothing more is changed than
what was previewed.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.settings_general import (
    ERROR_STYLE,
    OK_STYLE,
    FieldErrors,
    SettingsPage,
    run_for,
    show_failure,
)
from desktop.worker import Report
from models import retention
from models.errors import ValidationFailed
from models.retention import RetentionPreview
from models.settings import change_setting, get_setting
from models.vault import OpenVault
from translations import N_, _, current_language, ngettext

SHOWN_NUMBERS = 10


class RetentionPage(SettingsPage):
    """Months after closing, Preview, Anonymize."""

    key = "retention"
    title = N_("Retention")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_retention")
        self.preview: RetentionPreview | None = None
        self.previewed_months: int | None = None
        self.errors = FieldErrors()
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.months = QSpinBox(self)
        self.months.setObjectName("retention_months")
        self.months.setRange(0, 1200)
        self.months.setMaximumWidth(200)
        self.months.valueChanged.connect(self._months_changed)
        self.months_label = QLabel(self)
        self.months_label.setBuddy(self.months)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("save_retention")
        self.save_button.clicked.connect(self.save)
        self.preview_button = QPushButton(self)
        self.preview_button.setObjectName("retention_preview")
        self.preview_button.clicked.connect(self.run_preview)
        self.anonymize_button = QPushButton(self)
        self.anonymize_button.setObjectName("retention_anonymize")
        self.anonymize_button.setEnabled(False)
        self.anonymize_button.clicked.connect(self.anonymize)
        self.result = QLabel(self)
        self.result.setObjectName("retention_result")
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.months_label, self.errors.wrap("months", self.months))
        buttons = QHBoxLayout()
        for button in (self.save_button, self.preview_button, self.anonymize_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.intro.setText(
            _(
                "Names, contacts and notes of cases closed long ago can be removed for good. "
                "The cases stay in the statistics, without anything that identifies a person."
            )
        )
        self.months_label.setText(_("Anonymize cases closed more than:"))
        self.months.setSuffix(" " + _("months ago"))
        self.months.setSpecialValueText(_("never (keep all cases)"))
        self.save_button.setText(_("Save as the rule"))
        self.preview_button.setText(_("Preview"))
        self.anonymize_button.setText(_("Anonymize…"))
        if self.preview is not None:
            self._show_preview(self.preview)

    def refresh(self) -> None:
        """Read the organisation's rule (months) into the field."""
        super().refresh()
        db = self.opened.db

        def work(_report: Report) -> Any:
            with db.read() as session:
                return get_setting(session, "retention_months")

        run_for(self, work, self._show_months)

    def _show_months(self, months: Any) -> None:
        if isinstance(months, int) and not isinstance(months, bool):
            self.months.setValue(months)

    def _months_changed(self, _value: int) -> None:
        # A preview holds only for the months it was made with.
        self.anonymize_button.setEnabled(False)
        if self.preview is not None:
            self.preview = None
            self.result.clear()

    def save(self) -> None:
        """Keep the months as the organisation's rule."""
        db, actor, months = self.opened.db, self.opened.actor, self.months.value()
        self.errors.clear()

        def work(_report: Report) -> None:
            change_setting(db=db, actor=actor, key="retention_months", value=months)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationFailed):
                self.errors.show({"months": "\n".join(exc.field_errors.values())})
            else:
                show_failure(self, exc)

        run_for(self, work, lambda _r: self._say(_("Saved."), OK_STYLE), on_error=failed)

    def _say(self, text: str, style: str = "") -> None:
        self.result.setStyleSheet(style)
        self.result.setText(text)

    def run_preview(self) -> None:
        """Count what would be anonymized, in the background."""
        db, actor, months = self.opened.db, self.opened.actor, self.months.value()
        self.anonymize_button.setEnabled(False)
        self.preview_button.setEnabled(False)

        def work(_report: Report) -> RetentionPreview:
            return retention.preview_anonymization(db, actor, months=months)

        def done(preview: RetentionPreview) -> None:
            self.preview_button.setEnabled(True)
            self.preview, self.previewed_months = preview, months
            self._show_preview(preview)
            self.anonymize_button.setEnabled(preview.case_count > 0)

        def failed(exc: BaseException) -> None:
            self.preview_button.setEnabled(True)
            if isinstance(exc, ValidationFailed) and "months" in exc.field_errors:
                self.errors.show(exc.field_errors)
            else:
                show_failure(self, exc)

        self.errors.clear()

        run_for(self, work, done, on_error=failed)

    def _show_preview(self, preview: RetentionPreview) -> None:
        lang = current_language()
        count = preview.case_count
        if count == 0:
            self._say(_("No case waiting to be anonymized was closed that long ago."))
            return
        text = ngettext(
            "{count} case would be anonymized. The personal details of {people} people "
            "would be removed and {documents} documents deleted.",
            "{count} cases would be anonymized. The personal details of {people} people "
            "would be removed and {documents} documents deleted.",
            count,
        ).format(
            count=format_decimal(count, locale=lang),
            people=format_decimal(preview.people_count, locale=lang),
            documents=format_decimal(preview.attachment_count, locale=lang),
        )
        numbers = list(preview.case_numbers)[:SHOWN_NUMBERS]
        if numbers:
            more = "…" if count > len(numbers) else ""
            text += "\n" + _("Cases: {numbers}").format(numbers=", ".join(numbers) + more)
        self._say(text, ERROR_STYLE)

    def anonymize(self) -> None:
        """After a confirmation with the count, anonymize what the preview showed."""
        if self.preview is None or self.previewed_months is None:
            return
        count, months = self.preview.case_count, self.previewed_months
        answer = QMessageBox.question(
            self,
            _("Anonymize cases"),
            ngettext(
                "Remove names, contacts and notes from {count} case for good? "
                "This cannot be undone.",
                "Remove names, contacts and notes from {count} cases for good? "
                "This cannot be undone.",
                count,
            ).format(count=format_decimal(count, locale=current_language())),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, actor = self.opened.db, self.opened.actor
        self.anonymize_button.setEnabled(False)
        self.preview_button.setEnabled(False)

        def work(_report: Report) -> int:
            return retention.anonymize_closed_cases(db, actor, months=months, expected_count=count)

        def done(changed: int) -> None:
            self.preview_button.setEnabled(True)
            self.preview = None
            message = ngettext(
                "{count} case was anonymized.", "{count} cases were anonymized.", changed
            ).format(count=format_decimal(changed, locale=current_language()))
            self._say(message, OK_STYLE)
            QMessageBox.information(self, _("Retention"), message)

        def failed(exc: BaseException) -> None:
            self.preview_button.setEnabled(True)
            self.preview = None
            self.result.clear()
            show_failure(self, exc)

        run_for(self, work, done, on_error=failed, progress_label=_("Anonymizing old cases…"))
