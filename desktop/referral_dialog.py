"""The referral dialog: write a letter from a case, see it, then number, store and print it.

The caseworker picks the institution, the template (proposed from the case's categories
and the institution's kind), the letter's language (independent of the interface), the
reason, the services asked for, and ticks the facts to disclose: only what the chosen
letter needs is ticked at first (data minimisation), and each fact shows the value that
would be printed. The client's consent to referral is shown; when it is missing only a
coordinator may override it, with a reason (audited).

The preview on the right is the real PDF, rendered by `reports.referral_letter` and
turned into images by pdfium, off the UI thread; a value the letter lacks is listed
instead of a preview. Save takes the next number of the outgoing register and stores
the PDF with the case; then "Save PDF as…" and "Print…" become available (both audited).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import LANGUAGE_NAMES
from desktop.login_dialog import ERROR_STYLE
from desktop.referral_dialogs import render_pages
from desktop.settings_general import describe, run_for
from desktop.worker import BackgroundTask, Report
from models.errors import ValidationFailed
from models.letters import LETTER_LANGUAGES, default_letters, fact_label
from models.referral_facts import FACT_KEYS
from models.referrals import (
    ReferralOptions,
    institution_name,
    record_letter_output,
    referral_options,
    stored_letter,
)
from models.tables import Institution, Referral
from models.vault import OpenVault
from models.vocab import default_vocabularies
from reports.referral_letter import issue_letter, preview_letter
from translations import _, current_language

PREVIEW_DELAY_MS = 350
SERVICES_HEIGHT = 150
A4_WIDTH_POINTS = 595
PAGE_MARGIN = 24  # pixels around a previewed page
MIN_SCALE, MAX_SCALE = 0.6, 1.6
FACTS_HEIGHT = 300
PAGE_ROLE = Qt.ItemDataRole.UserRole


def print_support() -> Any | None:
    """Qt's printing module, or None when this Qt build has none."""
    try:
        from PySide6 import QtPrintSupport
    except ImportError:
        return None
    return QtPrintSupport


class ReferralDialog(QDialog):
    """Compose, preview, issue and print a referral letter for one case."""

    loaded = Signal()
    previewed = Signal()
    issued = Signal(object)

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("referral_dialog")
        self.opened, self.case_id = opened, case_id
        self.options: ReferralOptions | None = None
        self.referral: Referral | None = None
        self.pdf: bytes | None = None
        self.task: BackgroundTask | None = None
        self.preview_task: BackgroundTask | None = None
        self.preview_wanted = False
        self.generation = 0
        self.template_touched = self.language_touched = False
        self._filling = False
        self.resize(1250, 820)
        self._build()
        self.retranslate()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.refresh_preview)
        self._load()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setObjectName("referral_heading")
        self.institution = QComboBox(self)
        self.institution.setObjectName("referral_institution")
        self.institution.setEditable(True)
        self.institution.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.institution.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.institution.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.template = QComboBox(self)
        self.template.setObjectName("referral_template")
        self.language = QComboBox(self)
        self.language.setObjectName("referral_language")
        for lang in LETTER_LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[lang], lang)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("referral_reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(84)
        self.services = QListWidget(self)
        self.services.setObjectName("referral_services")
        self.services.setFixedHeight(SERVICES_HEIGHT)
        self.facts = QListWidget(self)
        self.facts.setObjectName("referral_facts")
        self.facts.setMinimumHeight(FACTS_HEIGHT)
        self.facts.setWordWrap(True)
        self.facts_note = QLabel(self)
        self.facts_note.setWordWrap(True)
        self.consent = QLabel(self)
        self.consent.setObjectName("referral_consent")
        self.consent.setWordWrap(True)
        self.override = QCheckBox(self)
        self.override.setObjectName("referral_override")
        self.override_reason = QPlainTextEdit(self)
        self.override_reason.setObjectName("referral_override_reason")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setMaximumHeight(70)
        self.mark_sent = QCheckBox(self)
        self.mark_sent.setObjectName("referral_mark_sent")
        self.message = QLabel(self)
        self.message.setObjectName("referral_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.form = QFormLayout()
        self.form_labels = {}
        for key, widget in (
            ("institution", self.institution), ("template", self.template),
            ("language", self.language), ("reason", self.reason), ("services", self.services),
        ):  # fmt: skip
            label = QLabel(self)
            self.form_labels[key] = label
            self.form.addRow(label, widget)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.heading)
        left_layout.addLayout(self.form)
        self.facts_heading = QLabel(self)
        self.facts_heading.setStyleSheet("font-weight: bold;")
        left_layout.addWidget(self.facts_heading)
        left_layout.addWidget(self.facts_note)
        left_layout.addWidget(self.facts, 1)
        left_layout.addWidget(self.consent)
        left_layout.addWidget(self.override)
        left_layout.addWidget(self.override_reason)
        left_layout.addWidget(self.mark_sent)
        scroll_left = QScrollArea(self)
        scroll_left.setWidget(left)
        scroll_left.setWidgetResizable(True)

        self.pages_holder = QWidget(self)
        self.pages_layout = QVBoxLayout(self.pages_holder)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page_labels: list[QLabel] = []
        self.preview = QScrollArea(self)
        self.preview.setObjectName("referral_preview")
        self.preview.setWidget(self.pages_holder)
        self.preview.setWidgetResizable(True)
        self.preview.setStyleSheet("QScrollArea { background: #d9d9d9; }")
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.preview, 1)
        splitter = QSplitter(self)
        splitter.addWidget(scroll_left)
        splitter.addWidget(right)
        splitter.setSizes([470, 780])

        self.save_button = QPushButton(self)
        self.save_button.setObjectName("referral_save")
        self.save_button.setDefault(True)
        self.save_pdf_button = QPushButton(self)
        self.save_pdf_button.setObjectName("referral_save_pdf")
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("referral_print")
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.save_pdf_button.clicked.connect(self.choose_pdf_file)
        self.print_button.clicked.connect(self.print_letter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.save_button, self.save_pdf_button, self.print_button):
            buttons.addWidget(button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.institution.currentIndexChanged.connect(self._institution_changed)
        self.template.activated.connect(self._template_chosen)
        self.language.activated.connect(self._language_chosen)
        self.reason.textChanged.connect(self.schedule_preview)
        self.services.itemChanged.connect(self.schedule_preview)
        self.facts.itemChanged.connect(self.schedule_preview)
        self.override.toggled.connect(self._override_toggled)
        self.override_reason.textChanged.connect(self.schedule_preview)
        self._set_enabled(False)

    def retranslate(self) -> None:
        """Set every text in the interface language."""
        self.setWindowTitle(_("New referral letter"))
        for key, text in (
            ("institution", _("Institution:")), ("template", _("Letter:")),
            ("language", _("Letter language:")), ("reason", _("Reason:")),
            ("services", _("Help requested:")),
        ):  # fmt: skip
            self.form_labels[key].setText(text)
        self.reason.setPlaceholderText(
            _("What happened and what the client asks for. Written into the letter as it is.")
        )
        self.facts_heading.setText(_("Facts to disclose"))
        self.facts_note.setText(
            _("Only what this letter needs is ticked. Tick more only if the institution needs it.")
        )
        self.override.setText(_("Send without the consent (coordinator's decision)"))
        self.override_reason.setPlaceholderText(_("Why the letter must go without the consent"))
        self.mark_sent.setText(_("Mark as sent today"))
        self.save_button.setText(_("Save and number"))
        self.save_pdf_button.setText(_("Save as PDF…"))
        self.print_button.setText(_("Print…"))
        self.close_button.setText(_("Close"))
        if print_support() is None:
            self.print_button.setToolTip(_("Printing is not available in this installation."))

    # --- loading -----------------------------------------------------------------------

    def _load(self) -> None:
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id

        def work(_report: Report) -> ReferralOptions:
            return referral_options(db=db, actor=actor, case_id=case_id)

        self.message.setText(_("Loading…"))
        self.task = run_for(self, work, self._show_options, on_error=self._show_error)

    def _show_options(self, options: ReferralOptions) -> None:
        self.options = options
        lang = current_language()
        self._filling = True
        self.heading.setText(_("Case {number}").format(number=options.case_number))
        kinds = default_vocabularies()["institution_kind"]
        for institution in options.institutions:
            text = f"{institution_name(institution, lang)} — {kinds.label(institution.kind, lang)}"
            self.institution.addItem(text, str(institution.id))
        self.institution.setCurrentIndex(-1)
        for name in default_letters().names:
            self.template.addItem(default_letters().title(name, lang), name)
        for code, label in default_vocabularies()["assistance"].choices(lang):
            item = QListWidgetItem(label, self.services)
            item.setData(PAGE_ROLE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        for key in FACT_KEYS:
            value = options.facts.get(key)
            shown = value if value else _("not recorded on the case")
            item = QListWidgetItem(f"{fact_label(key)}: {shown}", self.facts)
            item.setData(PAGE_ROLE, key)
            item.setToolTip(shown)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if not value:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Unchecked)
        self._show_consent()
        self._choose_template()
        self._filling = False
        self._set_enabled(True)
        self.message.setText(_("Choose the institution the letter goes to."))
        self.loaded.emit()

    def _show_consent(self) -> None:
        options = self.options
        if options.consent_refer:
            self.consent.setText(_("✓ The client agreed to be referred."))
            self.consent.setStyleSheet("color: #1b6e20;")
            self.override.hide()
            self.override_reason.hide()
            return
        self.consent.setStyleSheet(ERROR_STYLE)
        if options.may_override:
            self.consent.setText(
                _("The client's consent to referral is not recorded. As a coordinator you may "
                  "send the letter anyway, with a reason; this is recorded in the audit log.")
            )  # fmt: skip
            self.override.show()
            self.override_reason.setVisible(self.override.isChecked())
        else:
            self.consent.setText(
                _("The client's consent to referral is not recorded. Record it on the case, "
                  "or ask a coordinator to override it.")
            )  # fmt: skip
            self.override.hide()
            self.override_reason.hide()

    # --- choices -----------------------------------------------------------------------

    def current_institution(self) -> Institution | None:
        """The institution chosen, or None."""
        if self.options is None or self.institution.currentIndex() < 0:
            return None
        wanted = self.institution.currentData()
        return next((i for i in self.options.institutions if str(i.id) == wanted), None)

    def select_institution(self, institution_id: uuid.UUID) -> None:
        """Choose an institution (as the user would in the list)."""
        self.institution.setCurrentIndex(self.institution.findData(str(institution_id)))

    def _institution_changed(self, _index: int) -> None:
        if self._filling:
            return
        institution = self.current_institution()
        if institution is not None and not self.language_touched:
            lang = "ky" if institution.country == "KG" else "ru"
            self.language.setCurrentIndex(self.language.findData(lang))
        if not self.template_touched:
            self._choose_template()
        self.schedule_preview()

    def _choose_template(self) -> None:
        institution = self.current_institution()
        name = default_letters().choose(
            self.options.categories, institution.kind if institution is not None else None
        )
        self.template.setCurrentIndex(self.template.findData(name))
        self._preselect_facts()

    def _template_chosen(self, _index: int) -> None:
        self.template_touched = True
        self._preselect_facts()
        self.schedule_preview()

    def _language_chosen(self, _index: int) -> None:
        self.language_touched = True
        self.schedule_preview()

    def _preselect_facts(self) -> None:
        """Tick only the facts the chosen letter needs (and the case records)."""
        available = [key for key, value in self.options.facts.items() if value]
        wanted = set(
            default_letters().preselected(
                self.template.currentData(), self.language.currentData(), available
            )
        )
        previous, self._filling = self._filling, True
        for row in range(self.facts.count()):
            item = self.facts.item(row)
            checked = item.data(PAGE_ROLE) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._filling = previous

    def _override_toggled(self, checked: bool) -> None:
        self.override_reason.setVisible(checked)
        self.schedule_preview()

    def _checked(self, widget: QListWidget) -> list[str]:
        return [
            widget.item(row).data(PAGE_ROLE)
            for row in range(widget.count())
            if widget.item(row).checkState() == Qt.CheckState.Checked
        ]

    def current_data(self) -> dict[str, Any] | None:
        """The referral as chosen so far (None until an institution is chosen)."""
        institution = self.current_institution()
        if institution is None:
            return None
        override = self.override_reason.toPlainText() if self.override.isChecked() else None
        return {
            "case_id": self.case_id,
            "institution_id": institution.id,
            "template": self.template.currentData(),
            "language": self.language.currentData(),
            "reason": self.reason.toPlainText(),
            "services": self._checked(self.services),
            "disclosed": self._checked(self.facts),
            "consent_override_reason": override,
            "mark_sent": self.mark_sent.isChecked(),
        }

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.institution, self.template, self.language, self.reason, self.services,
            self.facts, self.override, self.override_reason, self.mark_sent, self.save_button,
        ):  # fmt: skip
            widget.setEnabled(enabled)
        issued = self.pdf is not None
        self.save_pdf_button.setEnabled(issued)
        self.print_button.setEnabled(issued and print_support() is not None)

    # --- preview -----------------------------------------------------------------------

    def schedule_preview(self, *_args: Any) -> None:
        """Render the preview again shortly (changes in quick succession render once)."""
        if not self._filling and self.referral is None:
            self.timer.start()

    def refresh_preview(self) -> None:
        """Render the letter as it stands, without a number, in the background."""
        data = self.current_data()
        if data is None or self.referral is not None:
            return
        if self.preview_task is not None and self.preview_task.running:
            self.preview_wanted = True
            return
        self.generation += 1
        generation = self.generation
        db, actor = self.opened.db, self.opened.actor

        scale = self.preview_scale()

        def work(_report: Report) -> list[QImage]:
            return render_pages(preview_letter(db=db, actor=actor, data=data), scale=scale)

        def done(pages: list[QImage]) -> None:
            self._preview_finished()
            if generation == self.generation and self.referral is None:
                self.show_pages(pages)
                self.message.setText(_("Preview: the number is given when the letter is saved."))
                self.message.setStyleSheet("")
                self.previewed.emit()

        def failed(exc: BaseException) -> None:
            self._preview_finished()
            if generation == self.generation:
                self.show_pages([])
                self._show_error(exc)
                self.previewed.emit()

        self.preview_task = run_for(self, work, done, on_error=failed)

    def preview_scale(self) -> float:
        """Pixels per PDF point that make an A4 page fit the preview's width."""
        width = self.preview.viewport().width() - 2 * PAGE_MARGIN
        return max(MIN_SCALE, min(MAX_SCALE, width / A4_WIDTH_POINTS))

    def _preview_finished(self) -> None:
        if self.preview_wanted:
            self.preview_wanted = False
            QTimer.singleShot(0, self.refresh_preview)

    def show_pages(self, pages: list[QImage]) -> None:
        """Show rendered pages in the preview (replacing what was there)."""
        for label in self.page_labels:
            label.deleteLater()
        self.page_labels = []
        for image in pages:
            label = QLabel(self.pages_holder)
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            self.pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            label.show()
            self.page_labels.append(label)
        self.pages_holder.adjustSize()

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            text = str(exc) if not exc.field_errors else "\n".join(
                f"• {message}" for message in exc.field_errors.values()
            )  # fmt: skip
            head = _("The letter cannot be made until these are filled in:")
            self.message.setText(f"{head}\n{text}")
        else:
            self.message.setText(describe(exc))
        self.message.setStyleSheet(ERROR_STYLE)

    # --- issuing, saving, printing -----------------------------------------------------

    def save(self) -> None:
        """Number the letter, store it with the case (in the background), then show it."""
        data = self.current_data()
        if data is None:
            self.message.setText(_("Choose the institution the letter goes to."))
            self.message.setStyleSheet(ERROR_STYLE)
            return
        self.timer.stop()
        self.generation += 1  # a preview still running is no longer wanted
        db, actor, scale = self.opened.db, self.opened.actor, self.preview_scale()

        def work(_report: Report) -> tuple[Referral, bytes, list[QImage]]:
            referral = issue_letter(db=db, actor=actor, data=data)
            pdf = stored_letter(db=db, actor=actor, referral_id=referral.id)
            return referral, pdf, render_pages(pdf, scale=scale)

        def done(result: tuple[Referral, bytes, list[QImage]]) -> None:
            self.referral, self.pdf, pages = result
            self._set_enabled(False)
            self.show_pages(pages)
            self.setWindowTitle(_("Referral letter № {number}").format(
                number=self.referral.register_number))  # fmt: skip
            self.message.setText(
                _("Saved as № {number} and kept with the case.").format(
                    number=self.referral.register_number
                )
            )
            self.message.setStyleSheet("color: #1b6e20;")
            self.issued.emit(self.referral)

        def failed(exc: BaseException) -> None:
            self._set_enabled(True)
            self._show_error(exc)

        self._set_enabled(False)
        self.message.setText(_("Saving…"))
        self.task = run_for(self, work, done, on_error=failed)

    def file_name(self) -> str:
        """A file name for the saved letter made of its number."""
        number = self.referral.register_number if self.referral is not None else ""
        return (
            "letter-" + (re.sub(r"[^0-9A-Za-z]+", "-", number or "").strip("-") or "draft") + ".pdf"
        )

    def choose_pdf_file(self) -> None:
        """Ask where to save the issued letter's PDF, then save it there."""
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save letter"), str(Path.home() / self.file_name()),
            _("PDF documents ({pattern})").format(pattern="*.pdf"),
        )  # fmt: skip
        if name:
            self.save_pdf_to(Path(name))

    def save_pdf_to(self, path: Path) -> None:
        """Write the issued letter to `path` (the export is recorded in the audit log)."""
        if self.referral is None or self.pdf is None:
            return
        try:
            record_letter_output(
                db=self.opened.db, actor=self.opened.actor, referral_id=self.referral.id,
                output="save_pdf", params={"file": path.name},
            )  # fmt: skip
            path.write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, _("Komok"), _("The letter could not be saved: {reason}")
                                .format(reason=exc.strerror or exc))  # fmt: skip
            return
        self.message.setText(_("The letter was saved to {path}.").format(path=path))

    def print_letter(self) -> None:
        """Choose a printer and print the issued letter."""
        support = print_support()
        if support is None or self.pdf is None:
            return
        printer = support.QPrinter(support.QPrinter.PrinterMode.HighResolution)
        dialog = support.QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: Any) -> int:
        """Draw the issued letter's pages on `printer` at its resolution; return the pages."""
        if self.referral is None or self.pdf is None:
            return 0
        pages = render_pages(self.pdf, scale=min(printer.resolution(), 300) / 72)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, _("Komok"), _("The printer could not be started."))
            return 0
        try:
            for number, image in enumerate(pages):
                if number:
                    printer.newPage()
                area = QRectF(painter.viewport())
                scale = min(area.width() / image.width(), area.height() / image.height())
                target = QRectF(0, 0, image.width() * scale, image.height() * scale)
                painter.drawImage(target, image)
        finally:
            painter.end()
        record_letter_output(
            db=self.opened.db, actor=self.opened.actor, referral_id=self.referral.id,
            output="print",
            params={"printer": printer.printerName() or printer.outputFileName(),
                    "pages": len(pages), "copies": printer.copyCount()},
        )  # fmt: skip
        self.message.setText(_("The letter was sent to the printer."))
        return len(pages)

    def reject(self) -> None:
        """Close, unless a save is under way."""
        if self.task is not None and self.task.running and self.options is not None:
            return
        self.timer.stop()
        super().reject()
