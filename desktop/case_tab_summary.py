"""The Summary tab of an open case: where it stands at a glance, and who works on it.

Shows the status (changed only through the workflow's transitions, in its own dialog:
closing asks why, reopening is allowed), the problem categories, the risk, the key dates
(opened, entry, contract end, closed), the next follow-up and the consents, as saved.
The assignee is edited here and saved with the case (Ctrl+S); categories, risk, dates
and consents are edited on the Details tab ("Edit details" switches to it), so each
value has exactly one editor in the workspace.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

import shiboken6
from babel.dates import format_date
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.case_fields import ChoiceField, FieldSet
from desktop.case_section import CaseSection, SaveRun, SaveStep
from desktop.case_status_dialog import StatusDialog
from models.case_view import CaseSnapshot
from models.cases import allowed_statuses, update_case
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language

ALERT_STYLE = "color: #b00020;"
RISK_STYLES = {"high": "color: #b00020;", "critical": "color: #b00020; font-weight: bold;"}


def show_date(value: date | None) -> str:
    """A date in the interface language ("" for none)."""
    return format_date(value, format="medium", locale=current_language()) if value else ""


def _value_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class SummaryTab(CaseSection):
    """Where the case stands and who works on it."""

    key = "summary"
    title = N_("Summary")
    details_requested = Signal()  # "Edit details": show the Details tab

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(opened, case_id, parent)
        self.dialog: StatusDialog | None = None
        self.fields = FieldSet(self)
        self.fields.changed.connect(self.edited)
        inner = QWidget(self)
        self.status_value = _value_label(inner, "status_value")
        font = self.status_value.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.status_value.setFont(font)
        self.status_button = QPushButton(inner)
        self.status_button.setObjectName("change_status")
        self.status_button.clicked.connect(lambda: self.change_status())
        self.details_button = QPushButton(inner)
        self.details_button.setObjectName("edit_details")
        self.details_button.clicked.connect(self.details_requested)
        self.closure_value = _value_label(inner, "closure_value")
        self.assignee = ChoiceField(inner, "assigned_user_id", lambda: [])
        self.values: dict[str, QLabel] = {
            name: _value_label(inner, name)
            for name in (
                "categories", "risk_level", "problem", "opened_on", "entry_date",
                "contract_end_date", "closed_on", "next_follow_up", "consents",
            )
        }  # fmt: skip
        self.captions: dict[str, QLabel] = {}

        status_row = QHBoxLayout()
        self.status_caption = QLabel(inner)
        status_row.addWidget(self.status_caption)
        status_row.addWidget(self.status_value)
        status_row.addSpacing(12)
        status_row.addWidget(self.status_button)
        status_row.addSpacing(12)
        status_row.addWidget(self.closure_value, 1)
        status_row.addWidget(self.details_button)

        self.work_box = QGroupBox(inner)
        work = QFormLayout(self.work_box)
        work.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.captions["assigned_user_id"] = QLabel(inner)
        work.addRow(
            self.captions["assigned_user_id"], self.fields.add("assigned_user_id", self.assignee)
        )
        for name in ("categories", "risk_level", "problem", "consents"):
            self.captions[name] = QLabel(inner)
            work.addRow(self.captions[name], self.values[name])
        self.dates_box = QGroupBox(inner)
        dates = QFormLayout(self.dates_box)
        for name in ("opened_on", "entry_date", "contract_end_date", "closed_on", "next_follow_up"):
            self.captions[name] = QLabel(inner)
            dates.addRow(self.captions[name], self.values[name])

        columns = QHBoxLayout()
        columns.addWidget(self.work_box, 3, Qt.AlignmentFlag.AlignTop)
        columns.addWidget(self.dates_box, 2, Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout(inner)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(status_row)
        box.addLayout(columns)
        box.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addWidget(inner)
        self.retranslate()

    # --- showing --------------------------------------------------------------------------

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        self.snapshot = snapshot
        case = snapshot.case
        users = [(u.id, u.display_name, u.active) for u in snapshot.users]
        current = case.assigned_user_id
        self.assignee.set_choices(
            lambda: [(str(uid), name) for uid, name, active in users if active or uid == current]
        )
        assigned = str(case.assigned_user_id) if case.assigned_user_id else None
        conflicts = self.fields.load({"assigned_user_id": assigned}, keep_edits=keep_edits)
        self._show_read_only()
        return conflicts

    def _show_read_only(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        case, lang = snapshot.case, current_language()
        vocab = default_vocabularies()
        self.status_value.setText(vocab["case_status"].label(case.status, lang))
        self.status_button.setEnabled(bool(allowed_statuses(case.status)))
        if case.status == "closed" and case.closure_reason:
            reason = vocab["closure_reason"].label(case.closure_reason, lang)
            self.closure_value.setText(_("Closure reason: {reason}").format(reason=reason))
        else:
            self.closure_value.setText("")
        values = self.values
        values["categories"].setText(
            "\n".join(vocab["category"].label(code, lang) for code in snapshot.categories)
        )
        values["risk_level"].setText(vocab["risk_level"].label(case.risk_level, lang))
        values["risk_level"].setStyleSheet(RISK_STYLES.get(case.risk_level, ""))
        summary = (case.details or {}).get("summary")
        values["problem"].setText(str(summary) if summary else "—")
        consents = [_("store the data")] if case.consent_store else []
        if case.consent_refer:
            consents.append(_("referrals to institutions"))
        if case.consent_stats:
            consents.append(_("statistics"))
        values["consents"].setText("\n".join(consents) if consents else _("none recorded"))
        values["opened_on"].setText(show_date(case.opened_on))
        for name in ("entry_date", "contract_end_date", "closed_on"):
            values[name].setText(show_date(getattr(case, name)) or "—")
        upcoming = snapshot.next_follow_up
        label = values["next_follow_up"]
        if upcoming is None:
            label.setText(_("None planned"))
            label.setStyleSheet("")
            label.setToolTip("")
        else:
            label.setText(
                _("{date}: {title}").format(date=show_date(upcoming.due_on), title=upcoming.title)
            )
            overdue = upcoming.due_on < date.today()
            label.setStyleSheet(ALERT_STYLE if overdue else "")
            label.setToolTip(_("Overdue") if overdue else "")

    def clear_personal(self) -> None:
        self.fields.clear()
        for label in (*self.values.values(), self.closure_value, self.status_value):
            label.clear()

    def retranslate(self) -> None:
        self.status_caption.setText(_("Status:"))
        self.status_button.setText(_("Change status…"))
        self.details_button.setText(_("Edit details"))
        self.work_box.setTitle(_("The case"))
        self.dates_box.setTitle(_("Key dates"))
        captions = {
            "assigned_user_id": _("Assigned to:"), "categories": _("Problem categories:"),
            "risk_level": _("Risk:"), "problem": _("In a few words:"), "consents": _("Consents:"),
            "opened_on": _("Opened:"), "entry_date": _("Entry into the country:"),
            "contract_end_date": _("Contract ends:"), "closed_on": _("Closed:"),
            "next_follow_up": _("Next follow-up:"),
        }  # fmt: skip
        for name, text in captions.items():
            self.captions[name].setText(text)
        self.fields.retranslate()
        self._show_read_only()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.retranslate()

    # --- status ---------------------------------------------------------------------------

    def change_status(self, target: str | None = None) -> StatusDialog | None:
        """Open the status dialog (optionally with a status chosen); the case is re-read after."""
        if self.snapshot is None:
            return None
        case = self.snapshot.case
        dialog = StatusDialog(
            self.opened, case_id=case.id, version=case.version, current=case.status,
            target=target, parent=self,
        )  # fmt: skip
        dialog.accepted.connect(self.reload_requested)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: StatusDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # --- unsaved work ---------------------------------------------------------------------

    def edits(self) -> dict[str, Any]:
        return self.fields.edits()

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        self.fields.apply(edits)

    def save_step(self) -> SaveStep | None:
        edits = self.fields.edits()
        if not edits:
            return None

        def step(run: SaveRun) -> Any:
            case = update_case(
                db=run.db, actor=run.actor, case_id=run.case_id, version=run.case_version,
                data=edits,
            )  # fmt: skip
            run.case_version = case.version
            return case

        return step

    def show_errors(self, field_errors: Mapping[str, str]) -> dict[str, str]:
        return self.fields.errors.show(field_errors)

    def set_busy(self, busy: bool) -> None:
        self.fields.set_enabled(not busy)
        self.status_button.setEnabled(not busy and self.snapshot is not None)
