"""The Documents tab of an open case: files kept (encrypted) in the database with the case.

Add… takes files chosen in a file dialog; each is checked (type by content, size limit)
and stored by `models.attachments` in the background; a refused file is named with the
reason. Documents are never opened from a temporary file: "Save a copy…" first warns
that the copy will not be encrypted, then writes it only where the user chooses. Delete
is offered to the person who added a document and to coordinators.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.case_section import CaseSection
from desktop.login_dialog import ERROR_STYLE
from desktop.row_table_model import RowTableModel, record_table_view, restore_columns, save_columns
from desktop.settings_general import describe, run_for
from desktop.settings_users import local_time
from models.attachments import (
    ALLOWED_EXTENSIONS,
    AttachmentInfo,
    add_attachment_file,
    can_delete,
    delete_attachment,
    format_size,
    read_attachment,
)
from models.case_view import CaseSnapshot
from models.vault import OpenVault
from translations import N_, _

HEADERS = (N_("File"), N_("Size"), N_("Added by"), N_("Added"))
COLUMNS_KEY = "case_workspace/document_columns"
FOLDER_KEY = "case_workspace/document_folder"


class DocumentModel(RowTableModel):
    """A case's documents for a table."""

    headers = HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AttachmentInfo] = []

    def set_rows(self, rows: list[AttachmentInfo]) -> None:
        """Show these documents."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cell(self, row: AttachmentInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == 0:
            return row.filename
        if column == 1:
            return format_size(row.size)
        if column == 2:
            return row.author_name
        return local_time(row.created_at)

    def retranslate(self) -> None:
        """Redraw headers and cells in the interface language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 3))


class DocumentsTab(CaseSection):
    """The case's documents: add, save a copy, delete."""

    key = "documents"
    title = N_("Documents")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.model = DocumentModel(self)
        self.table = record_table_view(self, self.model, "document_table", (360, 90, 160))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.save_copy())
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("add_document")
        self.add_button.clicked.connect(lambda: self.add_files())
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("save_document")
        self.save_button.clicked.connect(lambda: self.save_copy())
        self.delete_button = QPushButton(self)
        self.delete_button.setObjectName("delete_document")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.message = QLabel(self)
        self.message.setObjectName("document_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.delete_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        self._update_buttons()
        self.retranslate()

    def selected(self) -> AttachmentInfo | None:
        """The document selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _update_buttons(self, *_args) -> None:
        chosen = self.selected()
        self.save_button.setEnabled(chosen is not None)
        self.delete_button.setEnabled(
            chosen is not None and can_delete(self.opened.actor, chosen.created_by)
        )

    def _show_message(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- actions --------------------------------------------------------------------------

    def _folder(self) -> str:
        return str(QSettings().value(FOLDER_KEY, "") or "")

    def add_files(self, paths: list[str] | None = None) -> None:
        """Add files (chosen in a file dialog when none are given) to the case."""
        if paths is None:
            patterns = " ".join(f"*.{ext}" for ext in ALLOWED_EXTENSIONS)
            paths, _filter = QFileDialog.getOpenFileNames(
                self, _("Add documents to the case"), self._folder(),
                _("Documents ({patterns})").format(patterns=patterns),
            )  # fmt: skip
        if not paths:
            return
        QSettings().setValue(FOLDER_KEY, str(Path(paths[0]).parent))
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id

        def work(_report) -> tuple[list[str], list[str]]:
            added, refused = [], []
            for path in paths:
                try:
                    info = add_attachment_file(db=db, actor=actor, case_id=case_id, path=path)
                except Exception as exc:
                    refused.append(describe(exc))
                else:
                    added.append(info.filename)
            return added, refused

        self.add_button.setEnabled(False)
        self._show_message(_("Adding documents…"), error=False)
        run_for(self, work, self._added, on_error=self._action_failed)

    def _added(self, result: tuple[list[str], list[str]]) -> None:
        added, refused = result
        self.add_button.setEnabled(True)
        self._show_message("\n".join(refused), error=bool(refused))
        if added:
            self.reload_requested.emit()

    def _action_failed(self, exc: BaseException) -> None:
        self.add_button.setEnabled(True)
        self._update_buttons()
        self._show_message(describe(exc), error=True)

    def save_copy(self, path: str | None = None) -> None:
        """Write a copy of the selected document where the user chooses, after a warning."""
        chosen = self.selected()
        if chosen is None:
            return
        if path is None:
            answer = QMessageBox.warning(
                self,
                _("Save an unencrypted copy"),
                _(
                    "The copy of “{name}” will NOT be encrypted: anyone who can open that "
                    "folder can read it. Save it only where it is safe (not on a shared or "
                    "synchronised folder), and delete it when it is no longer needed."
                ).format(name=chosen.filename),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Save:
                return
            folder = Path(self._folder() or Path.home())
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save a copy of the document"), str(folder / chosen.filename)
            )
        if not path:
            return
        target = Path(path)
        QSettings().setValue(FOLDER_KEY, str(target.parent))
        db, actor = self.opened.db, self.opened.actor

        def work(_report) -> str:
            document = read_attachment(db=db, actor=actor, attachment_id=chosen.id)
            try:
                target.write_bytes(document.content)
            except OSError as exc:
                raise OSError(
                    _("The copy could not be written to {path}: {error}").format(
                        path=target, error=exc.strerror or exc
                    )
                ) from exc
            return str(target)

        def done(written: str) -> None:
            self._show_message(_("Saved a copy to {path}").format(path=written), error=False)

        run_for(self, work, done, on_error=self._action_failed)

    def delete_selected(self, *, confirmed: bool = False) -> None:
        """Delete the selected document (after asking)."""
        chosen = self.selected()
        if chosen is None:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self,
                _("Delete the document"),
                _("Delete “{name}” from this case? This cannot be undone.").format(
                    name=chosen.filename
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        db, actor = self.opened.db, self.opened.actor
        self.delete_button.setEnabled(False)
        run_for(
            self,
            lambda _r: delete_attachment(db=db, actor=actor, attachment_id=chosen.id),
            lambda _result: self.reload_requested.emit(),
            on_error=self._action_failed,
        )

    # --- showing --------------------------------------------------------------------------

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        self.model.set_rows(snapshot.attachments)
        self._update_buttons()
        return []

    def clear_personal(self) -> None:
        self.model.set_rows([])
        self._show_message("", error=False)

    def retranslate(self) -> None:
        self.add_button.setText(_("Add…"))
        self.save_button.setText(_("Save a copy…"))
        self.delete_button.setText(_("Delete"))
        self.hint.setText(
            _(
                "Documents are kept encrypted inside the database. Allowed types: {types}."
            ).format(types=", ".join(ALLOWED_EXTENSIONS))
        )
        self.table.setAccessibleName(_("Documents"))
        self.model.retranslate()

    def save_state(self, settings: QSettings) -> None:
        save_columns(self.table, settings, COLUMNS_KEY)

    def restore_state(self, settings: QSettings) -> None:
        restore_columns(self.table, settings, COLUMNS_KEY)
