"""The follow-ups the deadline rules propose for a case, to add with one click.

After a case's entry date, contract dates (or another date a rule watches) are saved,
call `offer_proposals(parent, opened, case_id)`: it reads the proposals in the background
and, when there are any, shows `ProposalsDialog` — one check box per proposal with its
title, due date, legal source (tooltip: who it applies to, the link, the note) and a ⚠
for rules flagged for review. Proposals already past their due date start unticked.
"Add" creates the ticked ones as follow-ups (`models.deadlines.apply_proposals`); the
dialog's `added(int)` signal then says how many, so the caller can refresh its lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from babel.dates import format_date
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.follow_ups_view import rule_tooltip
from desktop.login_dialog import error_label
from desktop.worker import run_in_background
from models.deadlines import Proposal, apply_proposals, proposals_for_case
from models.vault import OpenVault
from translations import _, current_language, ngettext

ProposalRole = Qt.ItemDataRole.UserRole + 2


class ProposalsDialog(QDialog):
    """Tick the proposed follow-ups to add to a case (see the module docstring)."""

    added = Signal(int)

    def __init__(
        self,
        opened: OpenVault,
        case_id: uuid.UUID,
        proposals: Sequence[Proposal],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("follow_up_proposals")
        self.opened, self.case_id = opened, case_id
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("proposal_list")
        lang = current_language()
        for proposal in proposals:
            due = format_date(proposal.due_on, format="medium", locale=lang)
            mark = "⚠ " if proposal.rule.review else ""
            text = f"{mark}{proposal.title} — {due}\n{proposal.rule.source.short_citation()}"
            item = QListWidgetItem(text, self.list)
            item.setData(ProposalRole, proposal)
            item.setToolTip(rule_tooltip(proposal.rule, lang))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsSelectable)  # fmt: skip
            ticked = not proposal.overdue
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.error = error_label(self, "proposal_error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.add_ticked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(620, 360)
        self.retranslate()

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.setWindowTitle(_("Proposed follow-ups"))
        self.intro.setText(
            _(
                "The deadline rules propose these follow-ups for the dates just saved. "
                "Tick the ones to add; hover over one to see its legal source."
            )
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Add"))

    def ticked(self) -> list[Proposal]:
        """The proposals now ticked."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [
            item.data(ProposalRole) for item in items if item.checkState() == Qt.CheckState.Checked
        ]

    def add_ticked(self) -> None:
        """Add the ticked proposals in the background; close when done."""
        chosen = self.ticked()
        if not chosen:
            self.accept()
            return
        self.buttons.setEnabled(False)
        db, actor, case_id = self.opened.db, self.opened.actor, self.case_id
        run_in_background(
            self,
            lambda _report: apply_proposals(db=db, actor=actor, case_id=case_id, proposals=chosen),
            on_done=self._done,
            on_error=self._failed,
        )

    def _done(self, follow_ups: list) -> None:
        self.added.emit(len(follow_ups))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(_("The follow-ups could not be added: {error}").format(error=exc))
        self.error.show()


def added_message(count: int) -> str:
    """A status line for follow-ups just added."""
    return ngettext("{count} follow-up added.", "{count} follow-ups added.", count).format(
        count=count
    )


def offer_proposals(parent: QWidget, opened: OpenVault, case_id: uuid.UUID, on_added=None) -> None:
    """Read a case's proposals in the background and, if any, show the dialog.

    `on_added(count)` is called after follow-ups were added. Errors while reading are
    not shown: proposals are a help, and the case itself is already saved.
    """
    db, actor = opened.db, opened.actor

    def show(proposals: list[Proposal]) -> None:
        if not proposals:
            return
        dialog = ProposalsDialog(opened, case_id, proposals, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if on_added is not None:
            dialog.added.connect(on_added)
        dialog.open()

    run_in_background(
        parent,
        lambda _report: proposals_for_case(db=db, actor=actor, case_id=case_id),
        on_done=show,
        on_error=lambda _exc: None,
    )
