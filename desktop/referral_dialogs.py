"""Dialogs of the Referrals screen: changing a referral's status, and a letter's preview.

`StatusDialog` asks for the date a status change happened and a note (both go on the
case timeline) and calls `models.referrals.change_referral_status`. `LetterPreview` shows
a stored letter's pages, rendered in memory by pdfium (`render_pages`; nothing is written
to disk), and saves the PDF only where the user chooses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.settings_general import ERROR_STYLE, describe, run_for
from desktop.worker import BackgroundTask, Report
from models import referrals
from models.errors import ValidationFailed
from models.referral_queries import ReferralRow
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import _, current_language

PREVIEW_SCALE = 1.4  # pdfium pixels per PDF point in the letter preview


class StatusDialog(QDialog):
    """Move one referral to a new status, with the date it happened and a note."""

    def __init__(
        self, opened: OpenVault, row: ReferralRow, status: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("referral_status_dialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(440)
        self.opened, self.row, self.status = opened, row, status
        self.changed = False
        self.task: BackgroundTask | None = None
        lang = current_language()
        vocab = default_vocabularies()["referral_status"]
        self.setWindowTitle(_("Change referral status"))
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setText(
            _("Referral {number} ({case}): “{old}” → “{new}”").format(
                number=row.register_number or _("(draft)"), case=row.case_number,
                old=vocab.label(row.status, lang), new=vocab.label(status, lang),
            )
        )  # fmt: skip
        self.on = QDateEdit(self)
        self.on.setObjectName("status_date")
        self.on.setCalendarPopup(True)
        self.on.setMaximumDate(QDate.currentDate())
        self.on.setDate(QDate.currentDate())
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("status_note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText(_("What happened, e.g. the answer's number and date"))
        self.error = QLabel(self)
        self.error.setObjectName("status_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Change status"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("Date:"), self.on)
        form.addRow(_("Note:"), self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        """Change the status in the background; the dialog closes when it is done."""
        db, actor, row, status = self.opened.db, self.opened.actor, self.row, self.status
        note, on = self.note.toPlainText(), self.on.date().toPython()

        def work(_report: Report) -> Any:
            return referrals.change_referral_status(
                db=db, actor=actor, referral_id=row.id, version=row.version, status=status,
                note=note, on=on,
            )  # fmt: skip

        def done(_result: Any) -> None:
            self.changed = True
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            if isinstance(exc, ValidationFailed):
                self.error.setText("\n".join(exc.field_errors.values()))
            else:
                self.error.setText(describe(exc))
            self.error.show()

        self.ok_button.setEnabled(False)
        self.error.hide()
        self.task = run_for(self, work, done, on_error=failed)

    def reject(self) -> None:
        """Close without changing anything (not while the change runs)."""
        if self.task is None or not self.task.running:
            super().reject()


def render_pages(content: bytes, scale: float = PREVIEW_SCALE) -> list[QImage]:
    """The pages of a PDF as images, rendered in memory (nothing is written to disk)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(content)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=scale, rev_byteorder=True)
            image = QImage(
                bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                QImage.Format.Format_RGB888,
            )  # fmt: skip
            images.append(image.copy())  # detached from pdfium's buffer
            page.close()
        return images
    finally:
        document.close()


class LetterPreview(QDialog):
    """A referral letter's pages on screen, with Save as PDF (recorded in the audit log)."""

    saved = Signal(str)

    def __init__(
        self,
        opened: OpenVault,
        row: ReferralRow,
        content: bytes,
        pages: list[QImage],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("letter_preview")
        self.opened, self.row, self.content = opened, row, content
        self.task: BackgroundTask | None = None
        number = row.register_number or _("(draft)")
        self.setWindowTitle(
            _("Letter {number} — case {case}").format(number=number, case=row.case_number)
        )
        self.resize(900, 900)
        holder = QWidget(self)
        pages_layout = QVBoxLayout(holder)
        self.page_labels: list[QLabel] = []
        for image in pages:
            label = QLabel(holder)
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(label)
        scroll = QScrollArea(self)
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        self.save_button = QPushButton(_("Save as PDF…"), self)
        self.save_button.setObjectName("save_letter")
        self.save_button.clicked.connect(self.choose_file)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def file_name(self) -> str:
        """A file name for the letter made of its register number."""
        number = re.sub(r"[^0-9A-Za-z]+", "-", self.row.register_number or "").strip("-")
        return f"letter-{number or 'draft'}.pdf"

    def choose_file(self) -> None:
        """Ask where to save the letter, then save it there."""
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save letter"), str(Path.home() / self.file_name()),
            _("PDF documents ({pattern})").format(pattern="*.pdf"),
        )  # fmt: skip
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Record the export in the audit log, then write the letter to `path` (background).

        The letter holds personal data: the file is written only where the user chose.
        """
        db, actor, referral_id = self.opened.db, self.opened.actor, self.row.id

        def work(_report: Report) -> None:
            referrals.record_letter_output(
                db=db, actor=actor, referral_id=referral_id, output="save_pdf",
                params={"file": path.name},
            )  # fmt: skip
            path.write_bytes(self.content)

        def done(_result: Any) -> None:
            self.save_button.setEnabled(True)
            self.saved.emit(str(path))

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else describe(exc)
            QMessageBox.warning(
                self, _("Komok"), _("The letter could not be saved: {reason}").format(reason=reason)
            )

        self.save_button.setEnabled(False)
        self.task = run_for(self, work, done, on_error=failed)
