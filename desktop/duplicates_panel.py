"""The "Already on file?" panel beside the intake form: clients who may be the one typed.

`DuplicatesPanel(opened, parent)` is given the form's values with `check(fields)` as they
change (family_name, given_name, patronymic, latin_name, phones — one number or a list —,
birth_year or birth_date; other keys are ignored). About 150 ms after the last call it
asks `models.duplicates.likely_duplicates` on the background thread; answers to older
values are dropped. It lists each candidate with their name, birth year, latest case and
why they were found (same phone, similar name), each with an "Open existing" button that
emits `person_chosen(Person)` (the client's row: `id`, `family_name`, `given_name`…).
The panel hides itself while there is no candidate; `clear()` empties and hides it,
`retranslate()` redraws it in the interface language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.worker import run_in_background
from models.duplicates import DuplicateCandidate, likely_duplicates, reason_label
from models.tables import Person
from models.vault import OpenVault
from translations import _, ngettext

DEBOUNCE_MS = 150
LIMIT = 8
NAME_FIELDS = ("family_name", "given_name", "patronymic", "latin_name")


def duplicate_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `likely_duplicates` from a form's values."""
    out: dict[str, Any] = {k: str(fields.get(k) or "").strip() for k in NAME_FIELDS}
    phones = fields.get("phones")
    if isinstance(phones, str):
        phones = [phones]
    out["phones"] = tuple(str(p) for p in phones or () if p and str(p).strip())
    year = fields.get("birth_year")
    born = fields.get("birth_date")
    if not isinstance(year, int) and isinstance(born, date):
        year = born.year
    try:
        out["birth_year"] = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        out["birth_year"] = None
    return out


class CandidateCard(QFrame):
    """One client who may be the one being recorded, with "Open existing"."""

    def __init__(self, candidate: DuplicateCandidate, person: Person, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("duplicate_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.candidate, self.person = candidate, person
        self.name = QLabel(self)
        self.name.setObjectName("duplicate_name")
        self.name.setWordWrap(True)
        self.details = QLabel(self)
        self.details.setObjectName("duplicate_details")
        self.details.setWordWrap(True)
        self.reason = QLabel(self)
        self.reason.setObjectName("duplicate_reason")
        self.reason.setWordWrap(True)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open_existing")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.name)
        layout.addWidget(self.details)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        """Show the card in the interface language now in force."""
        c = self.candidate
        title = c.name or c.latin_name
        if c.latin_name and c.name:
            title = f"{c.name} ({c.latin_name})"
        self.name.setText(f"<b>{_escape(title)}</b>")
        parts = []
        if c.birth_year:
            parts.append(_("born {year}").format(year=c.birth_year))
        if c.phones:
            parts.append(", ".join(c.phones))
        if c.case_count > 1:
            parts.append(
                _("case {number} and {more} more").format(
                    number=c.case_number, more=c.case_count - 1
                )
            )
        elif c.case_number:
            parts.append(_("case {number}").format(number=c.case_number))
        else:
            parts.append(_("no case you can see"))
        self.details.setText(" · ".join(parts))
        self.reason.setText(" · ".join(reason_label(r) for r in c.reasons))
        self.open_button.setText(_("Open existing"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DuplicatesPanel(QWidget):
    """Clients already on file who may be the one typed; emits `person_chosen(Person)`."""

    person_chosen = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates_panel")
        self.opened = opened
        self.candidates: list[tuple[DuplicateCandidate, Person]] = []
        self.cards: list[CandidateCard] = []
        self._fields: dict[str, Any] = {}
        self._asked: dict[str, Any] | None = None  # the values the shown list answers
        self._generation = 0
        self._running = False
        self.title = QLabel(self)
        self.title.setObjectName("duplicates_title")
        self.title.setWordWrap(True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.list_widget = QWidget(self)
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._ask)
        self.setMinimumWidth(260)
        self.retranslate()
        self.hide()

    @property
    def busy(self) -> bool:
        """Whether a check is waiting or running."""
        return self.timer.isActive() or self._running

    def check(self, fields: Mapping[str, Any]) -> None:
        """Look for clients matching these form values (after a short pause)."""
        self._fields = duplicate_fields(fields)
        self._generation += 1
        self.timer.start()

    def clear(self) -> None:
        """Forget the values and the candidates; hide."""
        self.timer.stop()
        self._generation += 1
        self._fields = {}
        self._show([], None)

    def _ask(self) -> None:
        if self._running:
            return  # asked again when the running check answers
        fields = dict(self._fields)
        if not _worth_asking(fields):
            self._show([], fields)
            return
        self._running = True
        generation = self._generation
        db, actor = self.opened.db, self.opened.actor

        def work(_report):
            with db.read() as session:
                found = likely_duplicates(session, actor, **fields, limit=LIMIT)
                people = {p.id: p for p in (session.get(Person, c.person_id) for c in found) if p}
            return [(c, people[c.person_id]) for c in found if c.person_id in people]

        def done(result) -> None:
            if shiboken6.isValid(self):
                self._answered(generation, fields, result)

        def failed(_exc: BaseException) -> None:
            # A failed check must not block the intake: the panel just shows nothing.
            if shiboken6.isValid(self):
                self._answered(generation, fields, [])

        run_in_background(None, work, on_done=done, on_error=failed)

    def _answered(self, generation: int, fields: dict[str, Any], result: list) -> None:
        self._running = False
        if generation != self._generation:
            self._ask()  # the values changed meanwhile: ask again with the new ones
            return
        self._show(result, fields)

    def _show(self, result: list[tuple[DuplicateCandidate, Person]], fields) -> None:
        self.candidates = result
        self._asked = fields
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for candidate, person in result:
            card = CandidateCard(candidate, person, self.list_widget)
            card.open_button.clicked.connect(lambda _c=False, p=person: self.person_chosen.emit(p))
            self.list_layout.insertWidget(self.list_layout.count() - 1, card)
            self.cards.append(card)
        self.retranslate()
        self.setVisible(bool(result))

    def retranslate(self) -> None:
        """Show the panel in the interface language now in force."""
        count = len(self.candidates)
        self.title.setText(
            "<b>"
            + ngettext(
                "Already on file? {n} client looks like this one",
                "Already on file? {n} clients look like this one",
                count,
            ).format(n=count)
            + "</b>"
        )
        self.hint.setText(
            _("Open the existing client instead of recording the same person twice.")
        )
        for card in self.cards:
            card.retranslate()


def _worth_asking(fields: Mapping[str, Any]) -> bool:
    """Whether the values hold enough to compare: a phone, or two words of a name."""
    if fields.get("phones"):
        return True
    names = " ".join(str(fields.get(k) or "") for k in NAME_FIELDS)
    return sum(1 for word in names.split() if any(ch.isalpha() for ch in word)) >= 2


__all__ = ["CandidateCard", "DuplicatesPanel", "duplicate_fields"]
