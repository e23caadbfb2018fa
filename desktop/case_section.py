"""What every tab of an open case shares: showing a snapshot, unsaved edits, saving, locking.

A `CaseSection` is one tab of the case workspace (Summary, Person, Details, Timeline…).
The workspace reads a `CaseSnapshot` and hands it to every section; a section with
editors reports its unsaved `edits()` (kept in drafts) and, on Save, gives a `save_step`
that runs in the background. Steps run one after another in one background task and
share a `SaveRun`, which carries the case's and the client's newest `version` from one
step to the next (the Summary and Details tabs both change the case). Immediate actions
(change status, mark a follow-up done, add a document) run on their own and then ask the
workspace to read the case again (`reload_requested`), which keeps every unsaved edit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QWidget

from desktop.settings_general import run_for
from desktop.worker import Report
from models.actor import Actor
from models.case_view import CaseSnapshot
from models.db import Database
from models.vault import OpenVault


@dataclass
class SaveRun:
    """What one Save passes from step to step: where to write and the newest versions."""

    db: Database
    actor: Actor
    case_id: uuid.UUID
    case_version: int
    person_id: uuid.UUID
    person_version: int


SaveStep = Callable[[SaveRun], Any]


class CaseSection(QWidget):
    """One tab of an open case; subclasses fill in what they show and edit."""

    key = ""
    title = ""

    edited = Signal()  # unsaved edits changed
    failed = Signal(object)  # an action failed: the exception, for the workspace to show
    reload_requested = Signal()  # an action changed the case: read it again

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.opened = opened
        self.case_id = case_id
        self.snapshot: CaseSnapshot | None = None
        self.setObjectName(f"case_{self.key}")

    # --- showing --------------------------------------------------------------------------

    def show_snapshot(self, snapshot: CaseSnapshot, *, keep_edits: bool) -> list[str]:
        """Show freshly read data; with `keep_edits` unsaved edits stay. Returns conflicts."""
        self.snapshot = snapshot
        return []

    def clear_personal(self) -> None:
        """Show nothing personal (while the app is locked)."""

    def retranslate(self) -> None:
        """Show every text in the interface language now in force, keeping edits."""

    # --- unsaved work ---------------------------------------------------------------------

    def edits(self) -> dict[str, Any]:
        """The unsaved edits as JSON values (what a draft keeps); empty when clean."""
        return {}

    def apply_edits(self, edits: Mapping[str, Any]) -> None:
        """Put unsaved edits (from a draft) back."""

    def is_dirty(self) -> bool:
        """Whether this tab holds unsaved edits."""
        return bool(self.edits())

    def save_step(self) -> SaveStep | None:
        """The background work that saves this tab's edits (None when there are none)."""
        return None

    def saved(self) -> None:
        """Called after this tab's step succeeded, before the case is read again."""

    def show_errors(self, field_errors: Mapping[str, str]) -> dict[str, str]:
        """Show a service's field errors; returns those that have no field here."""
        return dict(field_errors)

    def set_busy(self, busy: bool) -> None:
        """Stop editing while a save runs, allow it again after."""

    # --- helpers --------------------------------------------------------------------------

    def run_action(self, work: Callable[[Report], Any], then: Callable[[Any], None] | None = None):
        """Run an immediate action in the background, then read the case again."""

        def done(result: Any) -> None:
            if then is not None:
                then(result)
            self.reload_requested.emit()

        return run_for(self, work, done, on_error=self.failed.emit)

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths and the like (shared by every open case)."""

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered."""
