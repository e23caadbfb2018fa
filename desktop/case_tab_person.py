"""The Person tab of an open case: the client's names, birth, phones and origin.

Edited in place and saved with the case (Ctrl+S) through `models.people.update_person`,
which checks the values (a phone number, a Latin spelling, a birth year that agrees with
the birth date) and refuses a stale version. A client can have several cases; a change
here shows in all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.case_fields import (
    ChoiceField,
    DateField,
    FieldSet,
    LineField,
    PhonesField,
    YearField,
    vocab_choices,
)
from desktop.case_section import CaseSection, SaveRun, SaveStep
from models.case_view import CaseSnapshot
from models.people import update_person
from models.vault import OpenVault
from translations import N_, _, ngettext

# (field, label) in the order of the form; labels are translated when drawn.
PERSON_LABELS = (
    ("family_name", N_("Family name:")),
    ("given_name", N_("Given name:")),
    ("patronymic", N_("Patronymic:")),
    ("latin_name", N_("Name in Latin letters (passport):")),
    ("sex", N_("Sex:")),
    ("birth_date", N_("Date of birth:")),
    ("birth_year", N_("Year of birth:")),
    ("phones", N_("Phone numbers:")),
    ("oblast", N_("Oblast of origin:")),
    ("rayon", N_("Rayon or town:")),
)


class PersonTab(CaseSection):
    """The client of the case."""

    key = "person"
    title = N_("Client")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.fields = FieldSet(self)
        self.fields.changed.connect(self.edited)
        adapters = {
            "family_name": LineField(self, "family_name", 100),
            "given_name": LineField(self, "given_name", 100),
            "patronymic": LineField(self, "patronymic", 100),
            "latin_name": LineField(self, "latin_name", 200),
            "sex": ChoiceField(self, "sex", vocab_choices("sex"), allow_empty=False),
            "birth_date": DateField(self, "birth_date"),
            "birth_year": YearField(self, "birth_year"),
            "phones": PhonesField(self, "phones", 200),
            "oblast": ChoiceField(self, "oblast", vocab_choices("oblast")),
            "rayon": LineField(self, "rayon", 100),
        }
        self.labels: dict[str, QLabel] = {}
        inner = QWidget(self)
        form = QFormLayout(inner)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for name, _label in PERSON_LABELS:
            self.labels[name] = QLabel(inner)
            form.addRow(self.labels[name], self.fields.add(name, adapters[name]))
        self.cases_label = QLabel(inner)
        self.cases_label.setObjectName("person_cases")
        self.cases_label.setWordWrap(True)
        form.addRow(self.cases_label)
        inner.setMaximumWidth(720)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.retranslate()

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        person = snapshot.person
        values = {name: getattr(person, name) for name, _label in PERSON_LABELS}
        conflicts = self.fields.load(values, keep_edits=keep_edits)
        self._show_count()
        return conflicts

    def _show_count(self) -> None:
        count = self.snapshot.person_case_count if self.snapshot is not None else 1
        others = count - 1
        text = ngettext(
            "This client has {count} other case.", "This client has {count} other cases.", others
        )
        self.cases_label.setText(text.format(count=others) if others > 0 else "")

    def clear_personal(self) -> None:
        self.fields.clear()
        self.cases_label.clear()

    def retranslate(self) -> None:
        for name, label in PERSON_LABELS:
            self.labels[name].setText(_(label))
        self.fields.fields["phones"].widget.setPlaceholderText(
            _("e.g. +996 555 123 456, +7 916 123 45 67")
        )
        self.fields.fields["latin_name"].widget.setPlaceholderText(_("as in the passport"))
        self.fields.retranslate()
        if self.snapshot is not None:
            self._show_count()

    def edits(self) -> dict[str, Any]:
        return self.fields.edits()

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        self.fields.apply(edits)

    def save_step(self) -> SaveStep | None:
        edits = self.fields.edits()
        if not edits:
            return None

        def step(run: SaveRun) -> Any:
            person = update_person(
                db=run.db, actor=run.actor, person_id=run.person_id,
                version=run.person_version, data=edits,
            )  # fmt: skip
            run.person_version = person.version
            return person

        return step

    def show_errors(self, field_errors: Mapping[str, str]) -> dict[str, str]:
        return self.fields.errors.show(field_errors)

    def set_busy(self, busy: bool) -> None:
        self.fields.set_enabled(not busy)
