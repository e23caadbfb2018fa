"""The case list's filter bar: which cases to show, shown as chips, remembered between runs.

One drop-down button per filter (status, category, destination, the client's oblast, who
the case is assigned to, the opened dates) and a toggle for overdue follow-ups. Each
filter in force is shown below the buttons as a chip that removes it, beside "Clear
filters", so the list never hides cases without saying so. The state is a
`case_queries.CaseFilter`; `filters_to_text` / `filters_from_text` keep it in QSettings
as JSON, dropping codes the vocabularies or the user list no longer have.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGridLayout, QMenu, QPushButton, QToolButton, QWidget, QWidgetAction

from desktop.case_queries import ASSIGNED_ME, UNASSIGNED, CaseFilter
from desktop.filter_widgets import ChoiceMenu, DateRange, FlowLayout
from models.vocab import default_vocabularies
from translations import N_, _, current_language

CHIP_STYLE = (
    "QToolButton#filter_chip { border: 1px solid #8fb3bf; border-radius: 10px;"
    " padding: 2px 8px; background: #e8f2f5; color: #123; }"
    " QToolButton#filter_chip:hover { background: #d3e6ec; }"
)
BUTTON_STYLE = "QToolButton::menu-indicator { image: none; width: 0px; }"
CHIP_MAX_CHARS = 60
SET_FIELDS = ("statuses", "categories", "countries", "regions", "oblasts", "assignees")

# The filter buttons: key, title (marked, translated when drawn).
TITLES = {
    "status": N_("Status"),
    "category": N_("Categories"),
    "destination": N_("Destination"),
    "oblast": N_("Oblast"),
    "assigned": N_("Assigned to"),
    "opened": N_("Opened"),
}


# --- the state as text ---------------------------------------------------------------------


def filters_to_text(filters: CaseFilter) -> str:
    """The filters as JSON, for QSettings."""
    data: dict[str, Any] = {name: sorted(getattr(filters, name)) for name in SET_FIELDS}
    data["opened_from"] = filters.opened_from.isoformat() if filters.opened_from else None
    data["opened_to"] = filters.opened_to.isoformat() if filters.opened_to else None
    data["overdue"] = filters.overdue
    return json.dumps(data, sort_keys=True)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def filters_from_text(text: Any, *, users: Collection[str] = ()) -> CaseFilter:
    """The filters `filters_to_text` wrote; anything unreadable or unknown is left out.

    `users` are the hex ids of the users an assignee filter may name.
    """
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return CaseFilter()
    vocab = default_vocabularies()
    allowed = {
        "statuses": set(vocab["case_status"].codes),
        "categories": set(vocab["category"].codes),
        "countries": set(vocab["country"].codes),
        "regions": set(vocab["region"].codes),
        "oblasts": set(vocab["oblast"].codes),
        "assignees": {ASSIGNED_ME, UNASSIGNED, *users},
    }
    sets = {}
    for name in SET_FIELDS:
        values = data.get(name)
        values = values if isinstance(values, list) else []
        sets[name] = frozenset(v for v in values if isinstance(v, str) and v in allowed[name])
    start, end = _date(data.get("opened_from")), _date(data.get("opened_to"))
    return CaseFilter(**sets, opened_from=start, opened_to=end, overdue=data.get("overdue") is True)


# --- the state as chips --------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """One filter in force as the user reads it, and the `CaseFilter` fields it clears."""

    fields: tuple[str, ...]
    text: str


def _short(day: date) -> str:
    return format_date(day, format="short", locale=current_language())


def describe_filters(filters: CaseFilter, *, users: Mapping[str, str]) -> list[Chip]:
    """The chips of the filters in force, in the interface language, in button order.

    `users` maps user hex ids to display names.
    """
    lang = current_language()
    vocab = default_vocabularies()

    def labels(vocabulary: str, codes: frozenset[str]) -> list[str]:
        v = vocab[vocabulary]
        return [v.label(code, lang) for code in v.codes if code in codes]

    def chip(fields: tuple[str, ...], title: str, values: list[str]) -> Chip:
        text = _("{field}: {values}").format(field=_(title), values=", ".join(values))
        return Chip(fields, text)

    chips = []
    f = filters
    if f.statuses:
        chips.append(chip(("statuses",), TITLES["status"], labels("case_status", f.statuses)))
    if f.categories:
        chips.append(chip(("categories",), TITLES["category"], labels("category", f.categories)))
    if f.countries or f.regions:
        places = labels("country", f.countries) + labels("region", f.regions)
        chips.append(chip(("countries", "regions"), TITLES["destination"], places))
    if f.oblasts:
        chips.append(chip(("oblasts",), TITLES["oblast"], labels("oblast", f.oblasts)))
    if f.assignees:
        names = [_("me")] if ASSIGNED_ME in f.assignees else []
        names += [_("unassigned")] if UNASSIGNED in f.assignees else []
        names += sorted(users.get(code, _("unknown user")) for code in f.assignees
                        if code not in (ASSIGNED_ME, UNASSIGNED))  # fmt: skip
        chips.append(chip(("assignees",), TITLES["assigned"], names))
    if f.opened_from or f.opened_to:
        if f.opened_from and f.opened_to:
            span = _("{start} – {end}").format(start=_short(f.opened_from), end=_short(f.opened_to))
        elif f.opened_from:
            span = _("from {date}").format(date=_short(f.opened_from))
        else:
            span = _("until {date}").format(date=_short(f.opened_to))  # type: ignore[arg-type]
        chips.append(chip(("opened_from", "opened_to"), TITLES["opened"], [span]))
    if f.overdue:
        chips.append(Chip(("overdue",), _("Overdue follow-ups")))
    return chips


# --- the bar -------------------------------------------------------------------------------


class CaseFilterBar(QWidget):
    """The filter buttons and the chips of the filters in force; emits `filters_changed`.

    `users` are (hex id, display name) pairs for the "Assigned to" menu.
    """

    filters_changed = Signal(object)

    def __init__(self, users: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_filter_bar")
        self.users = dict(users)
        self._filters = CaseFilter()
        self._choices: dict[str, list[QAction]] = {}
        self.buttons: dict[str, QToolButton] = {}
        buttons = FlowLayout(spacing=4)
        vocab = default_vocabularies()
        for key in TITLES:
            button = QToolButton(self)
            button.setObjectName(f"filter_{key}")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            button.setStyleSheet(BUTTON_STYLE)  # the arrow goes into the text, see _show_state
            menu = ChoiceMenu(button)
            button.setMenu(menu)
            self.buttons[key] = button
            buttons.addWidget(button)
            if key == "status":
                self._add_choices(menu, "statuses", vocab["case_status"].codes)
            elif key == "category":
                self._add_choices(menu, "categories", vocab["category"].codes)
            elif key == "oblast":
                self._add_choices(menu, "oblasts", vocab["oblast"].codes)
            elif key == "destination":
                self._add_choices(menu, "countries", vocab["country"].codes)
                self.regions_menu = menu.addMenu("")
                self._region_menus: dict[str, QMenu] = {}
                for country in vocab["country"].codes:
                    codes = [r.code for r in vocab["region"].items
                             if r.extra.get("country") == country]  # fmt: skip
                    if codes:
                        sub = ChoiceMenu(self.regions_menu)
                        self.regions_menu.addMenu(sub)
                        self._region_menus[country] = sub
                        self._add_choices(sub, "regions", codes)
            elif key == "assigned":
                self._add_choices(menu, "assignees", [ASSIGNED_ME, UNASSIGNED])
                menu.addSeparator()
                self._add_choices(menu, "assignees", [code for code, _name in users])
            elif key == "opened":
                self.date_range = DateRange(menu)
                action = QWidgetAction(menu)
                action.setDefaultWidget(self.date_range)
                menu.addAction(action)
                self.date_range.changed.connect(self._changed)
        self.overdue_button = QToolButton(self)
        self.overdue_button.setObjectName("filter_overdue")
        self.overdue_button.setCheckable(True)
        self.overdue_button.toggled.connect(self._changed)
        buttons.addWidget(self.overdue_button)
        self.button_row = QWidget(self)
        self.button_row.setLayout(buttons)

        self.chip_row = QWidget(self)
        self.chip_row.setObjectName("filter_chips")
        self.chip_row.setStyleSheet(CHIP_STYLE)
        self.chip_layout = FlowLayout(spacing=6)
        self.chip_row.setLayout(self.chip_layout)
        self.clear_button = QPushButton(self.chip_row)
        self.clear_button.setObjectName("clear_filters")
        self.clear_button.clicked.connect(self.clear)
        self.chips: list[QToolButton] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.button_row, 0, 0)
        grid.addWidget(self.chip_row, 1, 0)
        self.retranslate()

    def _add_choices(self, menu: QMenu, field: str, codes: Collection[str]) -> None:
        for code in codes:
            action = QAction(menu)
            action.setCheckable(True)
            action.setData(code)
            action.toggled.connect(self._changed)
            menu.addAction(action)
            self._choices.setdefault(field, []).append(action)

    # --- state ---------------------------------------------------------------------------

    def filters(self) -> CaseFilter:
        """The filters the bar shows."""
        return self._filters

    def set_filters(self, filters: CaseFilter, *, notify: bool = False) -> None:
        """Show `filters` (emitting `filters_changed` only with `notify`)."""
        self._filters = filters
        self._block(True)
        try:
            for field, actions in self._choices.items():
                chosen = getattr(filters, field)
                for action in actions:
                    action.setChecked(action.data() in chosen)
            self.date_range.set_range(filters.opened_from, filters.opened_to, notify=False)
            self.overdue_button.setChecked(filters.overdue)
        finally:
            self._block(False)
        self._show_state()
        if notify:
            self.filters_changed.emit(filters)

    def clear(self) -> None:
        """Remove every filter."""
        self.set_filters(CaseFilter(), notify=True)

    def remove(self, fields: tuple[str, ...]) -> None:
        """Remove the filter of some fields (what a chip's click does)."""
        self.set_filters(self._filters.without(*fields), notify=True)

    def _block(self, blocked: bool) -> None:
        for actions in self._choices.values():
            for action in actions:
                action.blockSignals(blocked)
        self.overdue_button.blockSignals(blocked)

    def _changed(self, *_args: object) -> None:
        chosen = {
            field: frozenset(a.data() for a in actions if a.isChecked())
            for field, actions in self._choices.items()
        }
        start, end = self.date_range.range()
        self._filters = CaseFilter(
            **chosen, opened_from=start, opened_to=end, overdue=self.overdue_button.isChecked()
        )
        self._show_state()
        self.filters_changed.emit(self._filters)

    # --- drawing -------------------------------------------------------------------------

    def _show_state(self) -> None:
        counts = {
            "status": len(self._filters.statuses),
            "category": len(self._filters.categories),
            "destination": len(self._filters.countries) + len(self._filters.regions),
            "oblast": len(self._filters.oblasts),
            "assigned": len(self._filters.assignees),
            "opened": int(bool(self._filters.opened_from or self._filters.opened_to)),
        }
        for key, button in self.buttons.items():
            title = _(TITLES[key])
            n = counts[key]
            text = _("{title} ({count})").format(title=title, count=n) if n else title
            button.setText(f"{text} ▾")
            font = button.font()
            font.setBold(bool(n))
            button.setFont(font)
        font = self.overdue_button.font()
        font.setBold(self._filters.overdue)
        self.overdue_button.setFont(font)
        for chip in self.chips:
            self.chip_layout.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.chips = []
        self.chip_layout.removeWidget(self.clear_button)
        for described in describe_filters(self._filters, users=self.users):
            self.chips.append(self._chip(described))
        self.chip_layout.addWidget(self.clear_button)
        self.chip_row.setVisible(bool(self.chips))
        self.chip_layout.invalidate()

    def _chip(self, described: Chip) -> QToolButton:
        chip = QToolButton(self.chip_row)
        chip.setObjectName("filter_chip")
        text = described.text
        if len(text) > CHIP_MAX_CHARS:
            text = text[: CHIP_MAX_CHARS - 1].rstrip(" ,") + "…"
        chip.setText(f"{text}  ✕")
        chip.setToolTip(_("Remove this filter: {filter}").format(filter=described.text))
        chip.setAccessibleName(_("Remove this filter: {filter}").format(filter=described.text))
        chip.setProperty("filter_fields", ",".join(described.fields))
        chip.clicked.connect(self._remover(described.fields))
        self.chip_layout.addWidget(chip)
        return chip

    def _remover(self, fields: tuple[str, ...]) -> Callable[[], None]:
        return lambda: self.remove(fields)

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        lang = current_language()
        vocab = default_vocabularies()
        names = {
            "statuses": vocab["case_status"],
            "categories": vocab["category"],
            "countries": vocab["country"],
            "regions": vocab["region"],
            "oblasts": vocab["oblast"],
        }
        for field, actions in self._choices.items():
            for action in actions:
                code = action.data()
                if field in names:
                    action.setText(names[field].label(code, lang))
                elif code == ASSIGNED_ME:
                    action.setText(_("Me"))
                elif code == UNASSIGNED:
                    action.setText(_("Unassigned"))
                else:
                    action.setText(self.users.get(code, code))
        self.regions_menu.setTitle(_("Cities and regions"))
        for country, menu in self._region_menus.items():
            menu.setTitle(vocab["country"].label(country, lang))
        self.date_range.retranslate()
        self.overdue_button.setText(_("Overdue follow-ups"))
        self.overdue_button.setToolTip(_("Only cases with a follow-up past its due date"))
        self.clear_button.setText(_("Clear filters"))
        self._show_state()
