"""The tab area of the main window: the current screen first, then every open case.

The first tab holds the screen chosen in the navigation (Cases, People…) and cannot be
closed; each case opened from a list, a search or the intake gets its own tab
(`CaseWorkspace`), so several cases are open at once. Opening a case that is already
open shows its tab. Closing a tab with unsaved changes asks Save / Discard / Cancel
(`desktop.case_prompts`); closing the window asks once for all of them. When a case
tab changed something, the first screen is refreshed the next time it is shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QTabBar, QTabWidget, QWidget

from desktop import case_prompts
from desktop.case_workspace import CaseWorkspace
from models.vault import OpenVault


class CaseTabs(QTabWidget):
    """The first screen and the open cases, as tabs."""

    home_stale = Signal()  # a case changed: the first screen should read its list again

    def __init__(self, opened: OpenVault, home: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("case_tabs")
        self.opened = opened
        self.home = home
        self._stale = False
        self.setDocumentMode(True)
        self.setMovable(True)
        self.setTabsClosable(True)
        self.setUsesScrollButtons(True)
        self.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        self.addTab(home, "")
        self._hide_close_button(0)
        self.tabCloseRequested.connect(lambda index: self.close_tab(index))
        self.currentChanged.connect(self._current_changed)
        self.tabBar().tabMoved.connect(self._keep_home_first)

    def _hide_close_button(self, index: int) -> None:
        bar = self.tabBar()
        for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
            button = bar.tabButton(index, side)
            if button is not None:
                button.hide()
                bar.setTabButton(index, side, None)

    def _keep_home_first(self, _from: int, _to: int) -> None:
        if self.indexOf(self.home) != 0:
            self.tabBar().moveTab(self.indexOf(self.home), 0)

    def _current_changed(self, index: int) -> None:
        if index == 0 and self._stale:
            self._stale = False
            self.home_stale.emit()

    # --- the open cases -------------------------------------------------------------------

    def workspaces(self) -> list[CaseWorkspace]:
        """The open cases, in tab order."""
        found = [self.widget(i) for i in range(self.count())]
        return [w for w in found if isinstance(w, CaseWorkspace)]

    def workspace(self, case_id: uuid.UUID) -> CaseWorkspace | None:
        """The open tab of a case, if it is open."""
        return next((w for w in self.workspaces() if w.case_id == case_id), None)

    def current_workspace(self) -> CaseWorkspace | None:
        """The case tab in front, if a case (not the first screen) is shown."""
        widget = self.currentWidget()
        return widget if isinstance(widget, CaseWorkspace) else None

    def show_home(self) -> None:
        """Bring the first screen to the front."""
        self.setCurrentIndex(self.indexOf(self.home))

    def open_case(self, case_id: uuid.UUID) -> CaseWorkspace:
        """Show a case in its tab, opening (and reading) it when it is not open yet."""
        existing = self.workspace(case_id)
        if existing is not None:
            self.setCurrentWidget(existing)
            return existing
        workspace = CaseWorkspace(self.opened, case_id, self)
        workspace.restore_state(QSettings())
        workspace.title_changed.connect(lambda w=workspace: self._retitle(w))
        workspace.changed.connect(self.mark_stale)
        self.addTab(workspace, workspace.tab_title())
        self.setCurrentWidget(workspace)
        workspace.load()
        return workspace

    def mark_stale(self) -> None:
        """Have the first screen read its list again the next time it is shown."""
        self._stale = True

    def _retitle(self, workspace: CaseWorkspace) -> None:
        if not shiboken6.isValid(workspace):
            return
        index = self.indexOf(workspace)
        if index >= 0:
            self.setTabText(index, workspace.tab_title())
            self.setTabToolTip(index, workspace.heading.text())

    # --- closing --------------------------------------------------------------------------

    def close_tab(self, index: int, then: Callable[[bool], None] | None = None) -> None:
        """Close the case tab at `index`, asking first when it has unsaved changes."""
        finish = then or (lambda _closed: None)
        workspace = self.widget(index)
        if not isinstance(workspace, CaseWorkspace):
            finish(False)
            return
        if workspace.saving:
            finish(False)
            return
        if not workspace.is_dirty():
            self._remove(workspace)
            finish(True)
            return
        self.setCurrentWidget(workspace)
        answer = case_prompts.ask_unsaved(self, [workspace.tab_title().rstrip(" •")])
        if answer == case_prompts.SAVE:

            def saved(ok: bool) -> None:
                if ok and shiboken6.isValid(workspace) and not workspace.is_dirty():
                    self._remove(workspace)
                finish(ok)

            workspace.save(then=saved)
        elif answer == case_prompts.DISCARD:
            workspace.discard_changes()
            self._remove(workspace)
            finish(True)
        else:
            finish(False)

    def close_current(self) -> None:
        """Close the case tab in front (Ctrl+W); the first screen stays."""
        if self.current_workspace() is not None:
            self.close_tab(self.currentIndex())

    def _remove(self, workspace: CaseWorkspace) -> None:
        workspace.save_state(QSettings())
        workspace.close_down()
        self.removeTab(self.indexOf(workspace))
        workspace.deleteLater()

    def dirty_workspaces(self) -> list[CaseWorkspace]:
        """The open cases with unsaved changes."""
        return [w for w in self.workspaces() if w.is_dirty()]

    def resolve_unsaved(self, then: Callable[[bool], None]) -> None:
        """Before the window closes: ask once about all unsaved cases, save or discard them;
        `then(True)` when the window may close."""
        dirty = self.dirty_workspaces()
        if not dirty:
            then(True)
            return
        names = [w.tab_title().rstrip(" •") for w in dirty]
        answer = case_prompts.ask_unsaved(self, names)
        if answer == case_prompts.DISCARD:
            for workspace in dirty:
                workspace.discard_changes()
            then(True)
        elif answer == case_prompts.SAVE:
            self._save_all(dirty, then)
        else:
            then(False)

    def _save_all(self, pending: list[CaseWorkspace], then: Callable[[bool], None]) -> None:
        if not pending:
            then(True)
            return
        first, rest = pending[0], pending[1:]

        def saved(ok: bool) -> None:
            if not ok:
                self.setCurrentWidget(first)
                then(False)
            else:
                self._save_all(rest, then)

        first.save(then=saved)

    def close_all(self) -> None:
        """Stop every case tab's draft keeping (the window is closing)."""
        for workspace in self.workspaces():
            workspace.save_state(QSettings())
            workspace.close_down()

    # --- shared screen duties -------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every open case in the interface language now in force."""
        for workspace in self.workspaces():
            workspace.retranslate()
            self._retitle(workspace)

    def save_state(self, settings: QSettings) -> None:
        """Remember the layout of the case in front (columns, chosen tab)."""
        workspace = self.current_workspace() or next(iter(self.workspaces()), None)
        if workspace is not None:
            workspace.save_state(settings)
