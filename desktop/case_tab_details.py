"""The Details tab of an open case: the case form (problem, work and stay, consents) and the
sections that follow its categories (unpaid wages, forced labour, entry ban…).

The form is `forms.details.details_form()` shown by `FormView`; sections appear as
categories are ticked. Only the fields the user changed are sent on Save (Ctrl+S)
through `forms.details.save_details`, so a refresh that brings someone else's changes
to other fields loses nothing. Values are compared and kept in drafts as JSON (dates as
ISO text, amounts as text), which the form's editors read back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.case_section import CaseSection, SaveRun, SaveStep
from desktop.form_view import FormView
from forms.details import details_form, save_details, values_for
from models.case_view import CaseSnapshot
from models.deadlines import default_rules
from models.vault import OpenVault
from translations import N_, current_language


def jsonable(value: Any) -> Any:
    """A form value as JSON (what a draft stores and what is compared)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


class DetailsTab(CaseSection):
    """The case's form: every detail beyond the summary."""

    key = "details"
    title = N_("Details")

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.form = details_form()
        self.view = FormView(self.form, language=current_language(), parent=self)
        self.view.changed.connect(self.edited)
        self.dates_changed = False  # the last save changed a date a deadline rule counts from
        self.baseline: dict[str, Any] = {k: jsonable(v) for k, v in self.view.all_values().items()}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def _current(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in self.view.all_values().items()}

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        fresh = {
            k: jsonable(v) for k, v in values_for(snapshot.case, snapshot.categories).items()
        }
        current = self._current()
        edited = (
            {k for k in current if not _same(current[k], self.baseline.get(k))}
            if keep_edits
            else set()
        )
        conflicts = [
            k for k in edited
            if not _same(fresh.get(k), self.baseline.get(k)) and not _same(fresh.get(k), current[k])
        ]  # fmt: skip
        self.view.set_values({k: v for k, v in fresh.items() if k not in edited})
        shown = self._current()
        self.baseline = {k: fresh.get(k) if k in edited else shown[k] for k in shown}
        self.edited.emit()
        return conflicts

    def clear_personal(self) -> None:
        self.view.set_values({key: None for key in self.view.rows})
        self.view.clear_errors()

    def retranslate(self) -> None:
        self.view.retranslate(current_language())

    def edits(self) -> dict[str, Any]:
        current = self._current()
        return {k: v for k, v in current.items() if not _same(v, self.baseline.get(k))}

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        self.view.set_values(edits)
        self.edited.emit()

    def save_step(self) -> SaveStep | None:
        edits = self.edits()
        if not edits:
            return None
        values = {k: v for k, v in self.view.all_values().items() if k in edits}
        watched = default_rules().watched_fields | {"destination_country", "categories"}
        self.dates_changed = any(key in watched for key in edits)

        def step(run: SaveRun) -> Any:
            case = save_details(
                db=run.db, actor=run.actor, case_id=run.case_id, version=run.case_version,
                values=values,
            )  # fmt: skip
            run.case_version = case.version
            return case

        return step

    def show_errors(self, field_errors: Mapping[str, str]) -> dict[str, str]:
        self.view.show_errors(field_errors)
        return {}

    def set_busy(self, busy: bool) -> None:
        self.view.setEnabled(not busy)
