"""One open case: its tabs (Summary, Client, Details, Timeline, Follow-ups, Referrals,
Documents), Save and Refresh, and the guard that keeps unsaved work from being lost.

Opening reads the case with `models.case_view.load_case_snapshot` (the opening is
audited) in the background. Each tab is a `CaseSection`. Save (Ctrl+S) runs the dirty
tabs' save steps one after another in one background task and reads the case again
(`desktop.case_saving`); a refused step (a wrong value, a stale version) is shown in the
message bar with the user's text kept, and the case is re-read with their edits laid
over it so they can check and save again. Refresh (F5) does the same re-read. Unsaved
edits are kept as an encrypted draft in the database a few seconds after each change,
an earlier session's draft is offered back, and while the app is locked the workspace
shows nothing personal (`desktop.case_workspace_drafts`; `stash_for_lock` and
`restore_after_unlock` are the `desktop.lock.Lockable` hook).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from desktop.case_drafts import DraftKeeper
from desktop.case_message_bar import MessageBar
from desktop.case_saving import SaveOutcome, failure_text, save_in_order
from desktop.case_section import CaseSection, SaveRun
from desktop.case_tab_details import DetailsTab
from desktop.case_tab_documents import DocumentsTab
from desktop.case_tab_follow_ups import FollowUpsTab
from desktop.case_tab_person import PersonTab
from desktop.case_tab_referrals import ReferralsTab
from desktop.case_tab_summary import SummaryTab
from desktop.case_tab_timeline import TimelineTab
from desktop.case_workspace_drafts import WorkspaceDrafts
from desktop.follow_up_proposals import offer_proposals
from desktop.login_dialog import heading_label
from desktop.settings_general import run_for
from models.case_view import CaseSnapshot, load_case_snapshot
from models.drafts import DraftRecord
from models.errors import StaleEditError, ValidationFailed
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import _, current_language

SECTION_KEY = "case_workspace/section"
SECTION_CLASSES: tuple[type[CaseSection], ...] = (
    SummaryTab, PersonTab, DetailsTab, TimelineTab, FollowUpsTab, ReferralsTab, DocumentsTab,
)  # fmt: skip


def person_name(snapshot: CaseSnapshot) -> str:
    """The client's name as a case shows it: family name, given name, patronymic."""
    person = snapshot.person
    parts = (person.family_name, person.given_name, person.patronymic or "")
    return " ".join(p for p in parts if p)


class CaseWorkspace(QWidget):
    """An open case with its tabs; see the module docstring."""

    title_changed = Signal()  # the tab title (number, name, unsaved mark) changed
    dirty_changed = Signal(bool)
    loaded = Signal()  # the case was read and shown for the first time
    changed = Signal()  # this workspace changed the case (saved, new status, new entry…)

    def __init__(self, opened: OpenVault, case_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("case_workspace")
        self.opened, self.case_id = opened, case_id
        self.snapshot: CaseSnapshot | None = None
        self.saving = False
        self.reading = False
        self._read_again = False
        self._dirty = False
        self._load_error = ""

        self.heading = heading_label("", self, scale=1.3)
        self.heading.setObjectName("case_heading")
        self.facts = QLabel(self)
        self.facts.setObjectName("case_facts")
        self.facts.setWordWrap(True)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("save_case")
        self.save_button.clicked.connect(lambda: self.save())
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("refresh_case")
        self.refresh_button.clicked.connect(self.refresh)
        self.message = MessageBar(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("case_sections")
        self.tabs.setDocumentMode(True)
        self.sections: list[CaseSection] = []
        for cls in SECTION_CLASSES:
            section = cls(opened, case_id, self.tabs)
            section.edited.connect(self.edits_changed)
            section.failed.connect(self.show_error)
            section.reload_requested.connect(self._changed_by_action)
            self.sections.append(section)
            self.tabs.addTab(section, "")
        self.section("summary").details_requested.connect(
            lambda: self.tabs.setCurrentWidget(self.section("details"))
        )
        self.drafts = WorkspaceDrafts(self)

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.facts)
        top.addLayout(titles, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.tabs.setEnabled(False)
        self.retranslate()

    def section(self, key: str) -> Any:
        """The tab whose `key` is given ("summary", "person", "details"…)."""
        return next(s for s in self.sections if s.key == key)

    @property
    def keeper(self) -> DraftKeeper:
        """What keeps this case's draft."""
        return self.drafts.keeper

    @property
    def offer(self) -> DraftRecord | None:
        """An earlier session's draft waiting for Restore or Discard."""
        return self.drafts.offer

    @property
    def locked(self) -> bool:
        """Whether the app is locked (the tabs show nothing)."""
        return self.drafts.locked

    # --- reading --------------------------------------------------------------------------

    def _read(self, work_audited: bool, done: Callable[[CaseSnapshot], None], failed) -> None:
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id
        self.reading = True

        def finish(snapshot: CaseSnapshot) -> None:
            self.reading = False
            done(snapshot)

        def fail(exc: BaseException) -> None:
            self.reading = False
            failed(exc)

        run_for(
            self,
            lambda _r: load_case_snapshot(
                db=db, actor=actor, case_id=case_id, audit_view=work_audited
            ),
            finish,
            on_error=fail,
        )

    def load(self) -> None:
        """Read the case for the first time (audited) and look for a kept draft."""
        self._read(True, self._first_loaded, self._load_failed)

    def _first_loaded(self, snapshot: CaseSnapshot) -> None:
        self._show(snapshot, reset=True)
        self.tabs.setEnabled(True)
        self.drafts.look_for_earlier()
        self.loaded.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self._load_error = failure_text(exc)
        self.heading.setText(_("The case could not be opened"))
        self.show_error(exc)

    def refresh(self) -> None:
        """Read the case again, keeping unsaved edits (F5)."""
        if self.snapshot is None:
            if not self.reading:
                self.load()
            return
        if self.saving or self.locked:
            return
        if self.reading:
            self._read_again = True  # something changed during this read: read once more
            return

        def done(snapshot: CaseSnapshot) -> None:
            if not self.locked and self._show(snapshot, reset=False):
                self._warn_conflicts()
            if self._read_again:
                self._read_again = False
                self.refresh()

        self._read(False, done, self.show_error)

    def _changed_by_action(self) -> None:
        self.changed.emit()
        self.refresh()

    def _show(self, snapshot: CaseSnapshot, *, reset: bool | set[str]) -> list[str]:
        """Show `snapshot`; tabs named in `reset` (all when True) drop their edits, the
        others keep them. Returns the fields changed both here and meanwhile."""
        self.snapshot = snapshot
        conflicts: list[str] = []
        for section in self.sections:
            drop = reset is True or (isinstance(reset, set) and section.key in reset)
            conflicts += section.show_snapshot(snapshot, keep_edits=not drop)
        self._show_heading()
        self.edits_changed()
        return conflicts

    def _show_heading(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or self.locked:
            return
        case, lang, vocab = snapshot.case, current_language(), default_vocabularies()
        self.heading.setText(
            _("{number} — {name}").format(number=case.number, name=person_name(snapshot))
        )
        facts = [
            vocab["case_status"].label(case.status, lang),
            _("Risk: {risk}").format(risk=vocab["risk_level"].label(case.risk_level, lang)),
        ]
        if case.minor:
            facts.append(_("Minor"))
        if snapshot.assigned_name:
            facts.append(_("Assigned to {name}").format(name=snapshot.assigned_name))
        self.facts.setText(" · ".join(facts))

    def _warn_conflicts(self) -> None:
        self.message.show_message(
            "warning",
            _(
                "Someone else changed this case while you were editing it. Your unsaved "
                "changes are kept; check them before saving."
            ),
        )

    # --- unsaved work ---------------------------------------------------------------------

    def is_dirty(self) -> bool:
        """Whether any tab holds unsaved edits."""
        return any(section.is_dirty() for section in self.sections)

    def edits_changed(self) -> None:
        """A tab's edits changed: mark the tabs, the title and Save; keep a draft soon."""
        if self.locked:
            return
        dirty = self.is_dirty()
        for index, section in enumerate(self.sections):
            mark = " •" if section.is_dirty() else ""
            self.tabs.setTabText(index, _(section.title) + mark)
        self.save_button.setEnabled(dirty and not self.saving)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self.title_changed.emit()
        self.drafts.changed()

    def draft_state(self) -> dict[str, Any]:
        """The unsaved edits as a draft ({} when there are none)."""
        return self.drafts.state()

    def restore_offer(self) -> None:
        """Restore the draft an earlier session left."""
        self.drafts.restore_offer()

    def discard_offer(self) -> None:
        """Throw away the draft an earlier session left."""
        self.drafts.discard_offer()

    def discard_changes(self) -> None:
        """Throw away unsaved edits and their draft (the tab is being closed)."""
        self.drafts.discard()

    def close_down(self) -> None:
        """Stop keeping drafts (the tab closes); a pending offer's draft stays for later."""
        self.drafts.close_down()

    # --- saving ---------------------------------------------------------------------------

    def save(self, then: Callable[[bool], None] | None = None) -> bool:
        """Save every tab's edits (Ctrl+S); `then(ok)` is called when done."""
        finish = then or (lambda _ok: None)
        if self.saving or self.snapshot is None or self.locked:
            finish(False)
            return False
        steps = [(s.key, step) for s in self.sections if (step := s.save_step()) is not None]
        if not steps:
            finish(True)
            return True
        snapshot = self.snapshot
        run = SaveRun(
            db=self.opened.db, actor=self.opened.actor, case_id=self.case_id,
            case_version=snapshot.case.version, person_id=snapshot.person.id,
            person_version=snapshot.person.version,
        )  # fmt: skip
        self._set_saving(True)
        if self.message.kind == "error":
            self.message.dismiss()

        def crashed(exc: BaseException) -> None:
            self._set_saving(False)
            self.show_error(exc)
            finish(False)

        run_for(
            self,
            lambda _report: save_in_order(steps, run),
            lambda outcome: self._saved(outcome, finish),
            on_error=crashed,
        )
        return True

    def _proposals_added(self, _count: int) -> None:
        """Follow-ups proposed by the deadline rules were added: show them."""
        self.refresh()

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        for section in self.sections:
            section.set_busy(saving)
        self.save_button.setEnabled(not saving and self.is_dirty())
        self.refresh_button.setEnabled(not saving)

    def _saved(self, outcome: SaveOutcome, finish: Callable[[bool], None]) -> None:
        self._set_saving(False)
        for key in outcome.done:
            self.section(key).saved()
        conflicts = []
        if outcome.fresh is not None:
            conflicts = self._show(outcome.fresh, reset=set(outcome.done))
        if outcome.done:
            self.changed.emit()
        exc = outcome.error
        if exc is None:
            self.drafts.saved()
            details = self.section("details")
            if "details" in outcome.done and details.dates_changed:
                details.dates_changed = False
                offer_proposals(self, self.opened, self.case_id, on_added=self._proposals_added)
            finish(True)
            return
        if isinstance(exc, ValidationFailed) and outcome.failed_key is not None:
            section = self.section(outcome.failed_key)
            rest = section.show_errors(exc.field_errors)
            self.tabs.setCurrentWidget(section)
            text = _("Please correct the highlighted fields.")
            self.message.show_message("error", "\n".join([text, *rest.values()]))
        else:
            self.show_error(exc)
        if conflicts and not isinstance(exc, StaleEditError):
            self._warn_conflicts()
        finish(False)

    def show_error(self, exc: BaseException) -> None:
        """Show why an action failed in the message bar."""
        self.message.show_message("error", failure_text(exc))

    # --- texts ----------------------------------------------------------------------------

    def tab_title(self) -> str:
        """The title of this case's tab: number and client, marked when unsaved."""
        if self.snapshot is None or self.locked:
            return _("Case…") if not self._load_error else _("Case")
        person = self.snapshot.person
        name = " ".join(p for p in (person.family_name, person.given_name) if p)
        title = f"{self.snapshot.case.number} {name}"
        return f"{title} •" if self._dirty else title

    def retranslate(self) -> None:
        """Show every text in the interface language now in force, keeping edits."""
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save the changes to this case (Ctrl+S)"))
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Read the case again; unsaved changes stay (F5)"))
        for section in self.sections:
            section.retranslate()
        if self.snapshot is None:
            self.heading.setText(
                _("The case could not be opened") if self._load_error else _("Reading the case…")
            )
        self._show_heading()
        if self.offer is not None and self.message.kind == "info":
            self.drafts.show_offer()
        self.edits_changed()

    # --- locking (desktop.lock.Lockable) --------------------------------------------------

    def stash_for_lock(self) -> None:
        """Keep the unsaved edits as a draft now and clear every personal text."""
        if self.locked:
            return
        self.drafts.stash_for_lock()
        self.heading.setText(_("Komok — locked"))
        self.facts.clear()
        if self.message.kind == "error":
            self.message.dismiss()

    def restore_after_unlock(self) -> None:
        """Show the case and the unsaved edits again."""
        if not self.locked:
            return
        self.drafts.restore_after_unlock()
        self._show_heading()
        self.edits_changed()

    # --- remembered layout ----------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember the chosen tab and each tab's columns (shared by all open cases)."""
        settings.setValue(SECTION_KEY, self.tabs.currentIndex())
        for section in self.sections:
            section.save_state(settings)

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered."""
        index = settings.value(SECTION_KEY)
        if index is not None and 0 <= int(index) < self.tabs.count():
            self.tabs.setCurrentIndex(int(index))
        for section in self.sections:
            section.restore_state(settings)
