"""Moving a case to another status: the allowed next statuses, a closure reason, a note.

Only the transitions the workflow allows are offered (`models.cases.allowed_statuses`);
closing asks why (the reason is required), reopening a closed case is allowed and
audited by the service. The change runs in the background; a refusal (someone changed
the case meanwhile, a missing reason) is shown and the dialog stays open with its input.
"""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QLabel, QWidget

from desktop.case_fields import ChoiceField, TextField, vocab_choices
from desktop.settings_general import ServiceDialog
from models.cases import allowed_statuses, change_status
from models.errors import ValidationFailed
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import _, current_language


class StatusDialog(ServiceDialog):
    """Choose the next status of a case (and why, when closing); OK changes it."""

    def __init__(
        self,
        opened: OpenVault,
        *,
        case_id: uuid.UUID,
        version: int,
        current: str,
        target: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("status_dialog")
        self.opened, self.case_id, self.version, self.current = opened, case_id, version, current
        self.result_case = None
        vocab = default_vocabularies()["case_status"]
        allowed = allowed_statuses(current)
        self.current_label = QLabel(self)
        self.status = ChoiceField(
            self,
            "new_status",
            lambda: [(c, vocab.label(c, current_language())) for c in allowed],
            allow_empty=False,
        )
        if target is not None:
            self.status.set(target)
        self.reason = ChoiceField(self, "closure_reason", vocab_choices("closure_reason"))
        self.note = TextField(self, "status_note")
        self.note.widget.setMaximumHeight(90)
        self.status_label, self.reason_label, self.note_label = QLabel(), QLabel(), QLabel()
        self.form.addRow(self.current_label)
        self.form.addRow(self.status_label, self.errors.wrap("status", self.status.widget))
        self.form.addRow(
            self.reason_label, self.errors.wrap("closure_reason", self.reason.widget)
        )
        self.form.addRow(self.note_label, self.errors.wrap("note", self.note.widget))
        self.status.on_change(self._status_changed)
        self._status_changed()
        self.retranslate()

    def _status_changed(self) -> None:
        closing = self.status.get() == "closed"
        self.reason.widget.setVisible(closing)
        self.reason_label.setVisible(closing)
        self.errors.clear()

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.setWindowTitle(_("Change the case status"))
        label = default_vocabularies()["case_status"].label(self.current, current_language())
        self.current_label.setText(_("Now: {status}").format(status=label))
        self.status_label.setText(_("New status:"))
        self.reason_label.setText(_("Why is it closed:"))
        self.note_label.setText(_("Note:"))
        self.ok_button.setText(_("Change status"))
        self.status.retranslate()
        self.reason.retranslate()

    def submit(self) -> None:
        """Change the status in the background; errors keep the dialog open."""
        if self.busy:
            return
        status = self.status.get()
        data = {
            "status": status,
            "closure_reason": self.reason.get() if status == "closed" else None,
            "note": self.note.get(),
        }
        db, actor, case_id, version = self.opened.db, self.opened.actor, self.case_id, self.version

        def work(_report):
            return change_status(db=db, actor=actor, case_id=case_id, version=version, data=data)

        self._run(work)

    def _done(self, result) -> None:
        self.result_case = result
        super()._done(result)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed) and "" in exc.field_errors:
            # The whole-form rule (a reason only when closing) belongs to the reason field.
            errors = dict(exc.field_errors)
            errors["closure_reason"] = errors.pop("")
            exc = ValidationFailed(errors)
        super()._failed(exc)
