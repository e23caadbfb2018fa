"""The New case dialog (Ctrl+N): the intake form, a check for clients already on file,
and the case opened in its own tab once it is saved.

The form is `forms/intake.yaml` shown by `FormView`; "Open the case" sends it to
`forms.intake.submit_intake` in the background. Beside the form, the duplicates panel
(`desktop.duplicates_panel`) looks for clients with a similar name or phone as they are
typed; choosing one records the case for that client instead of a new one (the client's
own fields in the form are then greyed out and not used). What is typed is kept as an
encrypted draft while the dialog is open, offered back the next time after a crash, and
hidden while the app is locked. Closing with something typed asks first.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import case_prompts
from desktop.case_drafts import DraftKeeper
from desktop.case_message_bar import MessageBar
from desktop.case_tab_details import jsonable
from desktop.duplicates_panel import DuplicatesPanel
from desktop.form_view import FormView
from desktop.settings_general import describe, run_for
from desktop.settings_users import local_time
from forms.intake import submit_intake
from forms.loader import default_forms
from models.drafts import INTAKE_KEY, DraftRecord
from models.errors import ValidationFailed
from models.people import require_person
from models.records import get_or_404
from models.tables import Person
from models.vault import OpenVault
from translations import _, current_language


class IntakeDialog(QDialog):
    """A new case from the intake form; emits `case_created(case_id)` when saved."""

    case_created = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intake_dialog")
        self.opened = opened
        self.saving = False
        self.existing_person: Any = None
        self.offer: DraftRecord | None = None
        self._stash: dict[str, Any] | None = None
        self._locked = False
        self._keeper_was_enabled = False
        self._closing_ok = False
        self.form = default_forms().intake
        self.view = FormView(self.form, language=current_language(), parent=self)
        self.view.changed.connect(self._edited)
        self.blank = self._values()
        self.message = MessageBar(self)
        self.person_bar = QWidget(self)
        self.person_label = QLabel(self.person_bar)
        self.person_label.setObjectName("chosen_person")
        self.person_label.setWordWrap(True)
        self.new_person_button = QPushButton(self.person_bar)
        self.new_person_button.setObjectName("use_new_person")
        self.new_person_button.clicked.connect(lambda: self.choose_person(None))
        bar = QHBoxLayout(self.person_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.person_label, 1)
        bar.addWidget(self.new_person_button)
        self.person_bar.hide()

        self.duplicates = DuplicatesPanel(opened, self)
        self.duplicates.person_chosen.connect(self.choose_person)
        body = QSplitter(self)
        body.addWidget(self.view)
        body.addWidget(self.duplicates)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)

        self.ok_button = QPushButton(self)
        self.ok_button.setObjectName("open_new_case")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.person_bar)
        layout.addWidget(body, 1)
        layout.addLayout(buttons)
        self.resize(980, 720)

        self.keeper = DraftKeeper(opened, key=INTAKE_KEY, state=self.draft_state, parent=self)
        self.keeper.enabled = False
        self.keeper.load(self._draft_found)
        self.retranslate()

    # --- values and drafts ----------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in self.view.all_values().items()}

    def edits(self) -> dict[str, Any]:
        """The fields typed so far (as JSON)."""
        blank = self.blank
        return {k: v for k, v in self._values().items() if v != blank.get(k)}

    def is_dirty(self) -> bool:
        """Whether anything was typed or a client was chosen."""
        return bool(self.edits()) or self.existing_person is not None

    def draft_state(self) -> dict[str, Any]:
        """What a draft keeps ({} when nothing was typed)."""
        if self._locked and self._stash is not None:
            return self._stash
        if not self.is_dirty():
            return {}
        person = self.existing_person
        return {"values": self.edits(), "person_id": str(person.id) if person else None}

    def _edited(self) -> None:
        if self._locked:
            return
        self.keeper.touch()
        if self.existing_person is None:
            self.duplicates.check(self.view.all_values())  # it waits for the typing to pause

    def _draft_found(self, record: DraftRecord | None) -> None:
        if record is None or not record.data.get("values"):
            self.keeper.enabled = True
            if self.is_dirty():
                self.keeper.touch()
            return
        self.offer = record
        self._show_offer()

    def _show_offer(self) -> None:
        if self.offer is None:
            return
        self.message.show_message(
            "info",
            _("A new case begun at {time} was not saved. Restore what was typed?").format(
                time=local_time(self.offer.updated_at)
            ),
            [(_("Restore"), self.restore_offer), (_("Discard"), self.discard_offer)],
            closable=False,
        )

    def restore_offer(self) -> None:
        """Put the kept draft back into the form."""
        record, self.offer = self.offer, None
        self.message.dismiss()
        self.keeper.enabled = True
        if record is not None:
            self.view.set_values(record.data.get("values") or {})
            self._edited()
            person_id = record.data.get("person_id")
            if person_id:
                self._restore_person(uuid.UUID(str(person_id)))

    def _restore_person(self, person_id: uuid.UUID) -> None:
        """Choose again the client on file that the draft was for (if still visible)."""
        db, actor = self.opened.db, self.opened.actor

        def work(_report):
            with db.read() as session:
                person = get_or_404(session, Person, person_id)
                require_person(session, actor, person)
                return person

        run_for(self, work, self.choose_person, on_error=lambda _exc: None)

    def discard_offer(self) -> None:
        """Throw the kept draft away."""
        self.offer = None
        self.message.dismiss()
        self.keeper.enabled = True
        self.keeper.discard()

    # --- clients already on file ----------------------------------------------------------

    def choose_person(self, person: Any) -> None:
        """Record the case for a client already on file (None: a new client after all)."""
        self.existing_person = person
        for row in self.view.rows.values():
            core = row.fdef.core
            if core is not None and core.target == "person":
                row.editor.widget.setEnabled(person is None)
        self.person_bar.setVisible(person is not None)
        self._show_person()
        if person is None:
            self.duplicates.check(self.view.all_values())
        else:
            self.duplicates.clear()
        self.keeper.touch()

    def _show_person(self) -> None:
        person = self.existing_person
        if person is None:
            self.person_label.clear()
            return
        name = " ".join(
            p for p in (getattr(person, "family_name", ""), getattr(person, "given_name", "")) if p
        )
        self.person_label.setText(
            _("The case will be recorded for {name}, a client already on file.").format(name=name)
        )

    # --- saving ---------------------------------------------------------------------------

    def submit(self) -> None:
        """Record the case in the background; problems are shown beside the fields."""
        if self.saving:
            return
        values = self.view.values()
        person = self.existing_person
        person_id: uuid.UUID | None = person.id if person is not None else None
        db, actor = self.opened.db, self.opened.actor
        self.saving = True
        self.ok_button.setEnabled(False)

        def work(_report):
            return submit_intake(db=db, actor=actor, values=values, existing_person_id=person_id)

        run_for(self, work, self._created, on_error=self._failed)

    def _created(self, case: Any) -> None:
        self.saving = False
        self.ok_button.setEnabled(True)
        self.keeper.enabled = False
        self.keeper.discard()
        self.case_created.emit(case.id)
        self._closing_ok = True
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.view.show_errors(exc.field_errors)
            self.message.show_message("error", _("Please correct the highlighted fields."))
        else:
            self.message.show_message("error", describe(exc))

    # --- closing --------------------------------------------------------------------------

    def reject(self) -> None:
        """Escape or Cancel: ask first when something was typed."""
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before throwing typed work away (Save records the case)."""
        if self._closing_ok or self.saving or self._locked or not self.is_dirty():
            if not self.saving:
                self._finish()
                event.accept()
            else:
                event.ignore()
            return
        answer = case_prompts.ask_unsaved(self, [_("The new case")])
        if answer == case_prompts.SAVE:
            event.ignore()
            self.submit()
        elif answer == case_prompts.DISCARD:
            self.keeper.enabled = False
            self.keeper.discard()
            self._finish()
            event.accept()
        else:
            event.ignore()

    def _finish(self) -> None:
        self.keeper.timer.stop()
        if self.keeper.enabled and self.offer is None:
            self.keeper.flush()
        self.keeper.enabled = False
        if not self._closing_ok:
            super().reject()

    # --- texts and locking ----------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every text in the interface language now in force, keeping what was typed."""
        self.setWindowTitle(_("New case"))
        self.ok_button.setText(_("Open the case"))
        self.cancel_button.setText(_("Cancel"))
        self.new_person_button.setText(_("A new client instead"))
        self.view.retranslate(current_language())
        self.duplicates.retranslate()
        self._show_person()
        if self.offer is not None:
            self._show_offer()

    def stash_for_lock(self) -> None:
        """Keep what was typed as a draft now and clear the form."""
        if self._locked:
            return
        state = self.draft_state()
        self.keeper.flush()
        self._stash, self._locked = state, True
        self._keeper_was_enabled, self.keeper.enabled = self.keeper.enabled, False
        self.view.set_values({key: None for key in self.view.rows})
        self.person_label.clear()
        self.duplicates.clear()

    def restore_after_unlock(self) -> None:
        """Bring back what was typed."""
        if not self._locked:
            return
        stash, self._stash, self._locked = self._stash or {}, None, False
        self.view.set_values(stash.get("values") or {})
        self.keeper.enabled = self._keeper_was_enabled
        self._show_person()
        if self.existing_person is None:
            self.duplicates.check(self.view.all_values())
