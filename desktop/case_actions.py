"""The main window's case commands: New case (Ctrl+N), Save (Ctrl+S), Close tab (Ctrl+W),
Find (Ctrl+F), and opening a case from anywhere (a list, the search, the intake).

`CaseActions` owns these menu actions, the intake dialog and the search dialog
(`desktop.search_dialog`), and sends cases to the window's `CaseTabs`. A case chosen in
the search opens in its tab; a client chosen there opens their latest case (or, without
one the user may see, the People screen).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from desktop.case_tabs import CaseTabs
from desktop.case_workspace import CaseWorkspace
from desktop.follow_up_proposals import offer_proposals
from desktop.intake_dialog import IntakeDialog
from desktop.search_dialog import SearchDialog
from desktop.settings_general import run_for
from models.case_view import latest_case_of
from models.vault import OpenVault
from translations import _


class CaseActions(QObject):
    """Case commands of a main window; `show_screen(key)` switches its navigation."""

    def __init__(
        self,
        window: QWidget,
        opened: OpenVault,
        tabs: CaseTabs,
        *,
        show_screen: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.window, self.opened, self.tabs = window, opened, tabs
        self._show_screen = show_screen
        self.intake: IntakeDialog | None = None
        self.search_dialog: SearchDialog | None = None
        self.new_case_action = self._action("new_case_action", "Ctrl+N", self.new_case)
        self.save_action = self._action("save_case_action", "Ctrl+S", self.save_case)
        self.close_case_action = self._action("close_case_action", "Ctrl+W", self.close_case)
        self.search_action = self._action("search_action", "Ctrl+F", self.search)
        tabs.currentChanged.connect(lambda _index: self.update_enabled())

    def _action(self, name: str, keys: str, slot: Callable[[], object]) -> QAction:
        action = QAction(self.window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def retranslate(self) -> None:
        """Show the actions and open dialogs in the interface language now in force."""
        self.new_case_action.setText(_("&New case…"))
        self.save_action.setText(_("&Save the case"))
        self.close_case_action.setText(_("&Close the case tab"))
        self.search_action.setText(_("&Find…"))
        self.update_enabled()
        if self.intake is not None:
            self.intake.retranslate()
        if self.search_dialog is not None:
            self.search_dialog.retranslate()

    def update_enabled(self) -> None:
        """Save and Close apply to a case tab in front."""
        in_front = self.tabs.current_workspace() is not None
        self.save_action.setEnabled(in_front)
        self.close_case_action.setEnabled(in_front)

    def lockables(self) -> list[object]:
        """What holds unsaved work besides the screens: open cases and the intake."""
        extra: list[object] = [*self.tabs.workspaces()]
        if self.intake is not None:
            extra.append(self.intake)
        return extra

    # --- commands -------------------------------------------------------------------------

    def open_case(self, case_id: uuid.UUID) -> CaseWorkspace:
        """Show a case in its own tab (reading it when it is not open yet)."""
        return self.tabs.open_case(case_id)

    def new_case(self) -> IntakeDialog:
        """Open the intake (Ctrl+N); the new case opens in a tab once saved."""
        if self.intake is not None and self.intake.isVisible():
            self.intake.raise_()
            self.intake.activateWindow()
            return self.intake
        dialog = IntakeDialog(self.opened, self.window)
        dialog.case_created.connect(self._case_created)
        dialog.finished.connect(lambda _result, d=dialog: self._intake_closed(d))
        self.intake = dialog
        dialog.show()
        return dialog

    def _intake_closed(self, dialog: IntakeDialog) -> None:
        if self.intake is dialog:
            self.intake = None
        dialog.deleteLater()

    def _case_created(self, case_id: uuid.UUID) -> None:
        self.tabs.mark_stale()
        # The deadline rules may propose follow-ups from the intake's dates (entry, contract…).
        workspace = self.open_case(case_id)
        offer_proposals(self.window, self.opened, case_id, on_added=lambda _n: workspace.refresh())

    def save_case(self) -> None:
        """Save the case in front (Ctrl+S)."""
        workspace = self.tabs.current_workspace()
        if workspace is not None:
            workspace.save()

    def close_case(self) -> None:
        """Close the case in front, asking when it has unsaved changes (Ctrl+W)."""
        self.tabs.close_current()

    def search(self) -> SearchDialog:
        """Open the search (Ctrl+F); a case or client found there opens in a tab."""
        if self.search_dialog is not None and self.search_dialog.isVisible():
            self.search_dialog.raise_()
            self.search_dialog.activateWindow()
            return self.search_dialog
        dialog = SearchDialog(self.opened, self.window)
        dialog.case_requested.connect(self.open_case)
        dialog.person_requested.connect(self.person_requested)
        dialog.finished.connect(lambda _result, d=dialog: self._search_closed(d))
        self.search_dialog = dialog
        dialog.show()
        return dialog

    def _search_closed(self, dialog: SearchDialog) -> None:
        if self.search_dialog is dialog:
            self.search_dialog = None
        dialog.deleteLater()

    def person_requested(self, person: object) -> None:
        """A client was chosen: open their latest case (else show the People screen)."""
        person_id = person if isinstance(person, uuid.UUID) else getattr(person, "id", None)
        if not isinstance(person_id, uuid.UUID):
            return
        opened = self.opened

        def show(case_id: uuid.UUID | None) -> None:
            if case_id is not None:
                self.open_case(case_id)
            else:
                self._show_screen("people")

        run_for(
            self.window,
            lambda _r: latest_case_of(db=opened.db, actor=opened.actor, person_id=person_id),
            show,
        )
