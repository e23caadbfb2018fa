"""The referral dialog: write a letter from a case, see it, then number, store and print it.

On the left, `ReferralForm` (institution, template, letter language, reason, services,
facts to disclose, consent). On the right, the preview: the real PDF, rendered by
`reports.referral_letter` and turned into images by pdfium, off the UI thread, a moment
after the last change; a value the letter lacks, or a missing consent, is explained
instead. "Save and number" takes the next number of the outgoing register and stores the
PDF with the case; then "Save as PDF…" and "Print…" work on that stored letter, and both
are recorded in the audit log.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.letter_printing import print_pdf, print_support
from desktop.login_dialog import ERROR_STYLE
from desktop.referral_dialogs import render_pages
from desktop.referral_form import OK_STYLE, ReferralForm
from desktop.settings_general import describe, run_for
from desktop.worker import BackgroundTask, Report
from models.errors import ValidationFailed
from models.referrals import (
    ReferralOptions,
    record_letter_output,
    referral_options,
    stored_letter,
)
from models.tables import Referral
from models.vault import OpenVault
from reports.referral_letter import issue_letter, preview_letter
from translations import _

PREVIEW_DELAY_MS = 350
A4_WIDTH_POINTS = 595
PAGE_MARGIN = 24  # pixels around a previewed page
MIN_SCALE, MAX_SCALE = 0.6, 1.6


class ReferralDialog(QDialog):
    """Compose, preview, issue and print a referral letter for one case."""

    loaded = Signal()
    previewed = Signal()
    issued = Signal(object)

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("referral_dialog")
        self.opened, self.case_id = opened, case_id
        self.referral: Referral | None = None
        self.pdf: bytes | None = None
        self.task: BackgroundTask | None = None
        self.preview_task: BackgroundTask | None = None
        self.preview_wanted = False
        self.generation = 0
        self.resize(1250, 820)

        self.form = ReferralForm(self)
        self.form.changed.connect(self.schedule_preview)
        scroll_form = QScrollArea(self)
        scroll_form.setWidget(self.form)
        scroll_form.setWidgetResizable(True)
        self.message = QLabel(self)
        self.message.setObjectName("referral_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        splitter.addWidget(scroll_form)
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
        self.save_button.clicked.connect(self.save)
        self.save_pdf_button.clicked.connect(self.choose_pdf_file)
        self.print_button.clicked.connect(self.print_letter)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.save_button, self.save_pdf_button, self.print_button):
            buttons.addWidget(button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.refresh_preview)
        self.retranslate()
        self._set_enabled(False)
        self._load()

    @property
    def options(self) -> ReferralOptions | None:
        """What the case offers (institutions, facts, consent); None until loaded."""
        return self.form.options

    def retranslate(self) -> None:
        """Set every text in the interface language."""
        self.setWindowTitle(_("New referral letter"))
        self.form.retranslate()
        self.save_button.setText(_("Save and number"))
        self.save_pdf_button.setText(_("Save as PDF…"))
        self.print_button.setText(_("Print…"))
        self.close_button.setText(_("Close"))
        if print_support() is None:
            self.print_button.setToolTip(_("Printing is not available in this installation."))

    def _set_enabled(self, enabled: bool) -> None:
        self.form.setEnabled(enabled)
        self.save_button.setEnabled(enabled)
        issued = self.pdf is not None
        self.save_pdf_button.setEnabled(issued)
        self.print_button.setEnabled(issued and print_support() is not None)

    def _say(self, text: str, style: str = "") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed) and exc.field_errors:
            lines = "\n".join(f"• {message}" for message in exc.field_errors.values())
            text = _("The letter cannot be made until these are filled in:") + "\n" + lines
        else:
            text = describe(exc)
        self._say(text, ERROR_STYLE)

    # --- loading -----------------------------------------------------------------------

    def _load(self) -> None:
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id

        def work(_report: Report) -> ReferralOptions:
            return referral_options(db=db, actor=actor, case_id=case_id)

        def done(options: ReferralOptions) -> None:
            self.form.set_options(options)
            self._set_enabled(True)
            self._say(_("Choose the institution the letter goes to."))
            self.loaded.emit()

        self._say(_("Loading…"))
        self.task = run_for(self, work, done, on_error=self._show_error)

    # --- preview -----------------------------------------------------------------------

    def schedule_preview(self) -> None:
        """Render the preview again shortly (changes in quick succession render once)."""
        if self.referral is None:
            self.timer.start()

    def preview_scale(self) -> float:
        """Pixels per PDF point that make an A4 page fit the preview's width."""
        width = self.preview.viewport().width() - 2 * PAGE_MARGIN
        return max(MIN_SCALE, min(MAX_SCALE, width / A4_WIDTH_POINTS))

    def refresh_preview(self) -> None:
        """Render the letter as it stands, without a number, in the background."""
        data = self.form.current_data()
        if data is None or self.referral is not None:
            return
        if self.preview_task is not None and self.preview_task.running:
            self.preview_wanted = True  # render again once this one is back
            return
        self.generation += 1
        generation = self.generation
        db, actor, scale = self.opened.db, self.opened.actor, self.preview_scale()

        def work(_report: Report) -> list[QImage]:
            return render_pages(preview_letter(db=db, actor=actor, data=data), scale=scale)

        def done(pages: list[QImage]) -> None:
            self._preview_finished()
            if generation == self.generation and self.referral is None:
                self.show_pages(pages)
                self._say(_("Preview: the number is given when the letter is saved."))
                self.previewed.emit()

        def failed(exc: BaseException) -> None:
            self._preview_finished()
            if generation == self.generation and self.referral is None:
                self.show_pages([])
                self._show_error(exc)
                self.previewed.emit()

        self.preview_task = run_for(self, work, done, on_error=failed)

    def _preview_finished(self) -> None:
        if self.preview_wanted:
            self.preview_wanted = False
            QTimer.singleShot(0, self.refresh_preview)

    def show_pages(self, pages: list[QImage]) -> None:
        """Show rendered pages in the preview (replacing what was there)."""
        for label in self.page_labels:
            self.pages_layout.removeWidget(label)
            label.hide()
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

    # --- issuing, saving, printing -----------------------------------------------------

    def save(self) -> None:
        """Number the letter, store it with the case (in the background), then show it."""
        data = self.form.current_data()
        if data is None:
            self._say(_("Choose the institution the letter goes to."), ERROR_STYLE)
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
            number = self.referral.register_number
            self._set_enabled(False)
            self.show_pages(pages)
            self.setWindowTitle(_("Referral letter № {number}").format(number=number))
            self._say(
                _("Saved as № {number} and kept with the case.").format(number=number), OK_STYLE
            )
            self.issued.emit(self.referral)

        def failed(exc: BaseException) -> None:
            self._set_enabled(True)
            self._show_error(exc)

        self._set_enabled(False)
        self._say(_("Saving…"))
        self.task = run_for(self, work, done, on_error=failed)

    def file_name(self) -> str:
        """A file name for the saved letter made of its number."""
        number = self.referral.register_number if self.referral is not None else ""
        safe = re.sub(r"[^0-9A-Za-z]+", "-", number or "").strip("-")
        return f"letter-{safe or 'draft'}.pdf"

    def choose_pdf_file(self) -> None:
        """Ask where to save the issued letter's PDF, then save it there."""
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save letter"), str(Path.home() / self.file_name()),
            _("PDF documents ({pattern})").format(pattern="*.pdf"),
        )  # fmt: skip
        if name:
            self.save_pdf_to(Path(name))

    def save_pdf_to(self, path: Path) -> None:
        """Write the issued letter to `path` (the export is recorded in the audit log).

        The letter holds personal data: it is written only where the user chose.
        """
        if self.referral is None or self.pdf is None:
            return
        try:
            record_letter_output(
                db=self.opened.db, actor=self.opened.actor, referral_id=self.referral.id,
                output="save_pdf", params={"file": path.name},
            )  # fmt: skip
            path.write_bytes(self.pdf)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            QMessageBox.warning(
                self, _("Komok"), _("The letter could not be saved: {reason}").format(reason=reason)
            )
            return
        self._say(_("The letter was saved to {path}.").format(path=path), OK_STYLE)

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
        """Print the issued letter on `printer` and record it; return the pages printed."""
        if self.referral is None or self.pdf is None:
            return 0
        pages = print_pdf(printer, self.pdf)
        if not pages:
            QMessageBox.warning(self, _("Komok"), _("The printer could not be started."))
            return 0
        record_letter_output(
            db=self.opened.db, actor=self.opened.actor, referral_id=self.referral.id,
            output="print",
            params={"printer": printer.printerName() or printer.outputFileName(),
                    "pages": pages, "copies": printer.copyCount()},
        )  # fmt: skip
        self._say(_("The letter was sent to the printer."), OK_STYLE)
        return pages

    def reject(self) -> None:
        """Close, unless the letter is being saved."""
        if self.task is not None and self.task.running and self.options is not None:
            return
        self.timer.stop()
        super().reject()
