"""The unsaved work of one open case: its draft, the offer to restore an earlier one, and
what happens to it while the app is locked.

`WorkspaceDrafts` keeps the workspace's edits as a draft (through a `DraftKeeper`) a few
seconds after each change. When the case is opened it looks for a draft left by an
earlier session (a crash, a kill, a lock that was never undone); if one is found, the
message bar offers Restore / Discard, and no new draft is written until the user
chose, so the old one cannot be overwritten by accident. Before a lock the edits are
kept at once and held in memory, the tabs are emptied; after the unlock they come back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.case_drafts import DraftKeeper
from desktop.settings_users import local_time
from models.drafts import DraftRecord, case_draft_key
from translations import _

if TYPE_CHECKING:
    from desktop.case_workspace import CaseWorkspace


class WorkspaceDrafts(QObject):
    """Drafts, the restore offer and the lock for one `CaseWorkspace`."""

    def __init__(self, workspace: CaseWorkspace) -> None:
        super().__init__(workspace)
        self.ws = workspace
        self.keeper = DraftKeeper(
            workspace.opened, key=case_draft_key(workspace.case_id), state=self.state,
            case_id=workspace.case_id, parent=self,
        )  # fmt: skip
        self.keeper.enabled = False  # until the draft of an earlier session was looked for
        self.offer: DraftRecord | None = None
        self.locked = False
        self._stash: dict[str, Any] | None = None
        self._was_enabled = False

    # --- the draft ------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The unsaved edits as a draft ({} when there are none)."""
        if self.locked and self._stash is not None:
            return self._stash
        edits = {s.key: e for s in self.ws.sections if (e := s.edits())}
        if not edits:
            return {}
        snapshot = self.ws.snapshot
        return {"number": snapshot.case.number if snapshot else "", "sections": edits}

    def apply(self, state: dict[str, Any]) -> None:
        """Put the edits of a draft back into their tabs."""
        for key, edits in (state.get("sections") or {}).items():
            section = next((s for s in self.ws.sections if s.key == key), None)
            if section is not None and isinstance(edits, dict):
                section.apply_edits(edits)

    def changed(self) -> None:
        """The edits changed: keep them a few seconds from now."""
        if not self.locked:
            self.keeper.touch()

    def saved(self) -> None:
        """Everything was saved: the draft is no longer needed."""
        if not self.ws.is_dirty():
            self.keeper.discard()

    def discard(self) -> None:
        """Throw the draft away with the edits (the tab closes without saving)."""
        self.keeper.enabled = False
        self.keeper.discard()

    def close_down(self) -> None:
        """Stop keeping drafts (the tab closes); a pending offer's draft stays for later."""
        if self.keeper.enabled and self.offer is None:
            self.keeper.flush()
        self.keeper.timer.stop()
        self.keeper.enabled = False

    # --- an earlier session's draft -------------------------------------------------------

    def look_for_earlier(self) -> None:
        """Look for a draft an earlier session left (once, after the case is first read)."""
        self.keeper.load(self._found)

    def _found(self, record: DraftRecord | None) -> None:
        if record is None or not record.data.get("sections"):
            self.keeper.enabled = True
            if self.ws.is_dirty():
                self.keeper.touch()
            return
        self.offer = record
        self.show_offer()

    def show_offer(self) -> None:
        """Offer (again, in the interface language) to restore or discard the draft."""
        if self.offer is None:
            return
        self.ws.message.show_message(
            "info",
            _(
                "Changes to this case from {time} were not saved (Komok was closed or "
                "stopped). Restore them?"
            ).format(time=local_time(self.offer.updated_at)),
            [(_("Restore"), self.restore_offer), (_("Discard"), self.discard_offer)],
            closable=False,
        )

    def restore_offer(self) -> None:
        """Put the offered draft back into the tabs (and keep keeping it)."""
        record, self.offer = self.offer, None
        self.ws.message.dismiss()
        self.keeper.enabled = True
        if record is not None:
            self.apply(record.data)
            self.ws.edits_changed()

    def discard_offer(self) -> None:
        """Throw the offered draft away."""
        self.offer = None
        self.ws.message.dismiss()
        self.keeper.enabled = True
        self.keeper.discard()
        if self.ws.is_dirty():
            self.keeper.touch()

    # --- the lock -------------------------------------------------------------------------

    def stash_for_lock(self) -> None:
        """Keep the edits as a draft now, hold them in memory, empty every tab."""
        if self.locked:
            return
        state = self.state()
        self.keeper.flush()
        self._stash, self.locked = state, True
        self._was_enabled, self.keeper.enabled = self.keeper.enabled, False
        for section in self.ws.sections:
            section.clear_personal()

    def restore_after_unlock(self) -> None:
        """Show the case and its edits again."""
        if not self.locked:
            return
        stash, self._stash, self.locked = self._stash or {}, None, False
        snapshot = self.ws.snapshot
        if snapshot is not None:
            for section in self.ws.sections:
                section.show_snapshot(snapshot, keep_edits=False)
            self.apply(stash)
        self.keeper.enabled = self._was_enabled
