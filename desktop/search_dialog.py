"""The Find dialog (Ctrl+F): clients and cases by name, phone or case number, as you type.

`SearchDialog(opened, parent)` is a small non-modal window: a line to type in and the
results below it, updated about 150 ms after the typing stops. The query runs on the
background thread (`desktop.worker`) through `models.search.search`, so typing never
waits for the database; an answer that arrives after the text changed again is dropped.
Keys: Up/Down move through the results without leaving the line, Enter opens the chosen
one (the first when none is chosen; pressed before the results came, it waits for them),
Esc closes. Double-click opens too.

Signals, for the window that opens it: `case_requested(uuid)` when a case is chosen,
`person_requested(uuid)` when a client is chosen (the caller decides what to show, e.g.
their latest case). The dialog closes itself after either. `retranslate()` redraws it in
the interface language; the results are personal, so the app lock hides the dialog like
any other window.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from babel.numbers import format_decimal
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.worker import run_in_background
from models.errors import KomokError
from models.search import SearchHit, search
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

DEBOUNCE_MS = 150
RESULT_LIMIT = 30
HitRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = (N_("Client"), N_("Case"), N_("Born"), N_("Found by"))
MATCHED = {
    "name": N_("name"),
    "phone": N_("phone"),
    "number": N_("case number"),
}


def hit_texts(hit: SearchHit, language: str) -> tuple[str, str, str, str]:
    """The four cells of a result row, in the interface language."""
    name = hit.name or _("(anonymized)")
    case = hit.case_number
    if case and hit.case_status:
        status = default_vocabularies()["case_status"].label(hit.case_status, language)
        case = f"{case} · {status}"
    if hit.kind == "person" and hit.case_count > 1:
        more = format_decimal(hit.case_count - 1, locale=language)
        case = _("{case} (+{more})").format(case=case, more=more)
    if hit.kind == "person" and not hit.case_number:
        case = _("no case")
    born = str(hit.birth_year) if hit.birth_year else ""
    return name, case, born, _(MATCHED.get(hit.matched, hit.matched))


class SearchDialog(QDialog):
    """Find clients and cases; emits `case_requested(uuid)` or `person_requested(uuid)`."""

    case_requested = Signal(object)
    person_requested = Signal(object)

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search_dialog")
        self.opened = opened
        self.hits: list[SearchHit] = []
        self.searching = False
        self._generation = 0  # bumped by every edit: older answers are stale
        self._running = False
        self._shown_text = ""
        self._error = ""
        self._open_when_answered = False  # Enter pressed before the results came

        self.edit = QLineEdit(self)
        self.edit.setObjectName("search_edit")
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._text_changed)
        self.edit.returnPressed.connect(self.open_current)
        self.edit.installEventFilter(self)
        self.results = QTreeWidget(self)
        self.results.setObjectName("search_results")
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setAllColumnsShowFocus(True)
        self.results.setColumnCount(len(COLUMNS))
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.itemActivated.connect(lambda item, _col: self._open_item(item))
        header = self.results.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel(self)
        self.status.setObjectName("search_status")
        self.status.setWordWrap(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_query)

        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.resize(840, 460)
        self.retranslate()
        self.edit.setFocus()

    @property
    def busy(self) -> bool:
        """Whether a search is waiting for the typing to pause or running."""
        return self.timer.isActive() or self._running

    # --- querying ------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Put `text` in the search line (as if typed)."""
        self.edit.setText(text)

    def _text_changed(self, _text: str) -> None:
        self._generation += 1
        self._open_when_answered = False
        self.timer.start()

    def run_query(self) -> None:
        """Search for the text now typed (in the background); one query at a time."""
        self.timer.stop()
        text = self.edit.text().strip()
        if self._running:
            return  # started again when the running one answers
        if not text:
            self._show([], text)
            return
        self._running = True
        self.searching = True
        self._update_status()
        generation = self._generation
        db, actor = self.opened.db, self.opened.actor

        def work(_report):
            with db.read() as session:
                return search(session, actor, text, limit=RESULT_LIMIT)

        def done(hits: list[SearchHit]) -> None:
            if shiboken6.isValid(self):
                self._answered(generation, text, hits, "")

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                message = str(exc) if isinstance(exc, KomokError) else _(
                    "The search failed: {error}"
                ).format(error=exc)
                self._answered(generation, text, None, message)

        run_in_background(None, work, on_done=done, on_error=failed)

    def _answered(
        self, generation: int, text: str, hits: list[SearchHit] | None, error: str
    ) -> None:
        self._running = False
        if generation != self._generation:
            self.run_query()  # typed on meanwhile: this answer is stale
            return
        self.searching = False
        self._error = error
        self._show(hits or [], text)
        if self._open_when_answered:
            self._open_when_answered = False
            self.open_current()

    def _show(self, hits: list[SearchHit], text: str) -> None:
        self.hits = hits
        self._shown_text = text
        self.searching = False
        language = current_language()
        self.results.clear()
        for hit in hits:
            item = QTreeWidgetItem(list(hit_texts(hit, language)))
            item.setData(0, HitRole, hit)
            tip = f"{item.text(0)}\n{hit.latin_name}" if hit.latin_name else item.text(0)
            item.setToolTip(0, tip)
            self.results.addTopLevelItem(item)
        if hits:
            self.results.setCurrentItem(self.results.topLevelItem(0))
        self._update_status()

    def _update_status(self) -> None:
        if self.searching:
            text = _("Searching…")
        elif self._error:
            text = self._error
        elif not self._shown_text:
            text = _("Type a name (in any script), a phone number or a case number.")
        elif not self.hits:
            text = _("No client or case found for “{text}”.").format(text=self._shown_text)
        else:
            count = len(self.hits)
            text = ngettext("{n} found", "{n} found", count).format(
                n=format_decimal(count, locale=current_language())
            )
            if count >= RESULT_LIMIT:
                text += ". " + _("Type more to narrow the search.")
        self.status.setText(text)

    # --- choosing ------------------------------------------------------------------------

    def current_hit(self) -> SearchHit | None:
        """The result chosen in the list (None when there is none)."""
        item = self.results.currentItem()
        return item.data(0, HitRole) if item is not None else None

    def open_current(self) -> None:
        """Open the chosen result, or the first one (Enter)."""
        if self.timer.isActive() or self._running:
            self._open_when_answered = True  # the list is about to change
            return
        item = self.results.currentItem() or self.results.topLevelItem(0)
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QTreeWidgetItem) -> None:
        hit: SearchHit = item.data(0, HitRole)
        if hit is None:
            return
        if hit.kind == "case" and hit.case_id is not None:
            self.case_requested.emit(hit.case_id)
        else:
            self.person_requested.emit(hit.person_id)
        self.accept()

    def _move(self, step: int) -> None:
        count = self.results.topLevelItemCount()
        if not count:
            return
        current = self.results.currentItem()
        row = self.results.indexOfTopLevelItem(current) if current is not None else -1
        row = max(0, min(count - 1, row + step))
        self.results.setCurrentItem(self.results.topLevelItem(row))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/Page keys in the search line move through the results."""
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            steps = {
                Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10,
            }  # fmt: skip
            step = steps.get(Qt.Key(event.key()))
            if step is not None:
                self._move(step)
                return True
        return super().eventFilter(watched, event)

    # --- texts ---------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Show the dialog in the interface language now in force."""
        self.setWindowTitle(_("Find a client or case"))
        self.edit.setPlaceholderText(_("Name, phone or case number…"))
        self.results.setHeaderLabels([_(title) for title in COLUMNS])
        language = current_language()
        for row in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(row)
            hit: Any = item.data(0, HitRole)
            for column, cell in enumerate(hit_texts(hit, language)):
                item.setText(column, cell)
        self._update_status()


__all__ = ["SearchDialog", "hit_texts"]
