"""Editable fields of an open case: each knows its saved value and whether it was changed.

A `FieldSet` groups the fields of one record (the case, the client). Values are plain
JSON values (text, codes, ISO dates, lists, booleans, None), the same ones the services
accept and a draft stores. `load()` shows freshly read values; with `keep_edits` a field
the user changed keeps the user's value, and a field both the user and someone else
changed is reported as a conflict, so nothing typed is lost on a refresh. `edits()` are
the changed fields (what Save sends and a draft keeps); `apply()` puts a draft back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from desktop.form_editors import OptionalDateEdit
from desktop.settings_general import FieldErrors
from models.vocab import default_vocabularies
from translations import _, current_language


class FieldAdapter:
    """A widget seen as one value: `get()`, `set()`, `clear()` and a change signal."""

    widget: QWidget

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def on_change(self, slot: Callable[[], None]) -> None:
        raise NotImplementedError

    def normal(self, value: Any) -> Any:
        """What `get()` would return after `set(value)`."""
        return value

    def clear(self) -> None:
        """Show nothing (while locked)."""
        self.set(None)

    def retranslate(self) -> None:
        """Redraw labels in the interface language, keeping the value."""


class LineField(FieldAdapter):
    """One line of text."""

    def __init__(self, parent: QWidget, name: str, max_length: int = 200) -> None:
        self.widget = QLineEdit(parent)
        self.widget.setObjectName(name)
        self.widget.setMaxLength(max_length)

    def get(self) -> str:
        return self.widget.text()

    def normal(self, value: Any) -> Any:
        return "" if value is None else str(value)

    def set(self, value: Any) -> None:
        self.widget.setText("" if value is None else str(value))

    def on_change(self, slot: Callable[[], None]) -> None:
        self.widget.textChanged.connect(lambda _text: slot())


class PhonesField(LineField):
    """Phone numbers, separated by commas; the service checks and normalises them."""

    def get(self) -> list[str]:
        return [p.strip() for p in self.widget.text().split(",") if p.strip()]

    def set(self, value: Any) -> None:
        self.widget.setText(", ".join(value or []))

    def normal(self, value: Any) -> Any:
        return [str(p) for p in value or []]


class YearField(FieldAdapter):
    """A year, or none (shown blank)."""

    def __init__(self, parent: QWidget, name: str) -> None:
        self.widget = QSpinBox(parent)
        self.widget.setObjectName(name)
        self.widget.setRange(1899, date.today().year)
        self.widget.setSpecialValueText(" ")
        self.widget.setGroupSeparatorShown(False)

    def get(self) -> int | None:
        value = self.widget.value()
        return None if value == self.widget.minimum() else value

    def set(self, value: Any) -> None:
        self.widget.setValue(self.widget.minimum() if value is None else int(value))

    def normal(self, value: Any) -> Any:
        return None if value is None else int(value)

    def on_change(self, slot: Callable[[], None]) -> None:
        self.widget.valueChanged.connect(lambda _v: slot())


class DateField(FieldAdapter):
    """A date that may be empty: a date edit with a calendar and a button that clears it."""

    def __init__(self, parent: QWidget, name: str) -> None:
        self.widget = QWidget(parent)
        self.edit = OptionalDateEdit(self.widget)
        self.edit.setObjectName(name)
        self.clear_button = QToolButton(self.widget)
        self.clear_button.setText("×")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(self.edit.clear_date)
        layout = QHBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.retranslate()

    def get(self) -> str | None:
        return None if self.edit.is_blank() else self.edit.date().toPython().isoformat()

    def set(self, value: Any) -> None:
        if value is None or value == "":
            self.edit.clear_date()
            return
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        self.edit.setDate(QDate(day.year, day.month, day.day))

    def normal(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return value.isoformat() if isinstance(value, date) else str(value)

    def on_change(self, slot: Callable[[], None]) -> None:
        self.edit.dateChanged.connect(lambda _d: slot())

    def retranslate(self) -> None:
        self.clear_button.setToolTip(_("Clear the date"))


class TextField(FieldAdapter):
    """Several lines of text."""

    def __init__(self, parent: QWidget, name: str) -> None:
        self.widget = QPlainTextEdit(parent)
        self.widget.setObjectName(name)
        self.widget.setTabChangesFocus(True)

    def get(self) -> str:
        return self.widget.toPlainText()

    def set(self, value: Any) -> None:
        self.widget.setPlainText("" if value is None else str(value))

    def normal(self, value: Any) -> Any:
        return "" if value is None else str(value)

    def on_change(self, slot: Callable[[], None]) -> None:
        self.widget.textChanged.connect(slot)


class CheckField(FieldAdapter):
    """Yes or no."""

    def __init__(self, parent: QWidget, name: str) -> None:
        self.widget = QCheckBox(parent)
        self.widget.setObjectName(name)

    def get(self) -> bool:
        return self.widget.isChecked()

    def set(self, value: Any) -> None:
        self.widget.setChecked(bool(value))

    def normal(self, value: Any) -> Any:
        return bool(value)

    def on_change(self, slot: Callable[[], None]) -> None:
        self.widget.toggled.connect(lambda _on: slot())


class ChoiceField(FieldAdapter):
    """A pick-list of codes shown by label; `choices()` gives (code, label) pairs, and an
    empty choice ("—") stands for None when `allow_empty`."""

    def __init__(
        self,
        parent: QWidget,
        name: str,
        choices: Callable[[], Iterable[tuple[str, str]]],
        *,
        allow_empty: bool = True,
    ) -> None:
        self.widget = QComboBox(parent)
        self.widget.setObjectName(name)
        self.widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._choices, self._allow_empty = choices, allow_empty
        self._fill(None)

    def _fill(self, keep: str | None) -> None:
        combo = self.widget
        combo.blockSignals(True)
        try:
            combo.clear()
            if self._allow_empty:
                combo.addItem("—", None)
            for code, label in self._choices():
                combo.addItem(label, code)
            self._select(keep)
        finally:
            combo.blockSignals(False)

    def _select(self, code: str | None) -> None:
        index = self.widget.findData(code)
        if index < 0 and code is not None:
            self.widget.addItem(f"‹{code}›", code)  # a value no longer listed stays visible
            index = self.widget.count() - 1
        self.widget.setCurrentIndex(max(index, 0))

    def get(self) -> str | None:
        return self.widget.currentData()

    def set(self, value: Any) -> None:
        self._select(self.normal(value))

    def normal(self, value: Any) -> Any:
        return None if value in (None, "") else str(value)

    def on_change(self, slot: Callable[[], None]) -> None:
        self.widget.currentIndexChanged.connect(lambda _i: slot())

    def clear(self) -> None:
        self.widget.setCurrentIndex(0)

    def set_choices(self, choices: Callable[[], Iterable[tuple[str, str]]]) -> None:
        """Use other choices (e.g. a fresh list of users), keeping the value."""
        self._choices = choices
        self._fill(self.get())

    def retranslate(self) -> None:
        self._fill(self.get())


def vocab_choices(name: str) -> Callable[[], list[tuple[str, str]]]:
    """(code, label) pairs of a vocabulary in the interface language, when called."""
    return lambda: default_vocabularies()[name].choices(current_language())


class ChecksField(FieldAdapter):
    """Several codes of a vocabulary ticked in a grid of check boxes (e.g. categories)."""

    def __init__(self, parent: QWidget, name: str, vocabulary: str, columns: int = 2) -> None:
        self.widget = QWidget(parent)
        self.widget.setObjectName(name)
        self._vocab = vocabulary
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout(self.widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        codes = default_vocabularies()[vocabulary].codes
        rows = (len(codes) + columns - 1) // columns
        for index, code in enumerate(codes):
            box = QCheckBox(self.widget)
            box.setObjectName(f"{name}_{code}")
            self.boxes[code] = box
            grid.addWidget(box, index % rows, index // rows)
        self.retranslate()

    def get(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set(self, value: Any) -> None:
        chosen = set(value or [])
        for code, box in self.boxes.items():
            box.setChecked(code in chosen)

    def normal(self, value: Any) -> Any:
        chosen = set(value or [])
        return [code for code in self.boxes if code in chosen]

    def on_change(self, slot: Callable[[], None]) -> None:
        for box in self.boxes.values():
            box.toggled.connect(lambda _on: slot())

    def retranslate(self) -> None:
        vocab, lang = default_vocabularies()[self._vocab], current_language()
        for code, box in self.boxes.items():
            box.setText(vocab.label(code, lang))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


class FieldSet(QObject):
    """The fields of one record: saved values, what changed, drafts and merging."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, FieldAdapter] = {}
        self.baseline: dict[str, Any] = {}
        self.errors = FieldErrors()
        self._loading = False

    def add(self, name: str, adapter: FieldAdapter) -> QWidget:
        """Register a field; returns its widget wrapped with a place for its error message."""
        self.fields[name] = adapter
        self.baseline[name] = adapter.get()
        adapter.on_change(self._changed)
        return self.errors.wrap(name, adapter.widget)

    def _changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def load(self, values: Mapping[str, Any], *, keep_edits: bool = False) -> list[str]:
        """Show freshly read `values`; returns fields changed both here and meanwhile."""
        conflicts: list[str] = []
        self._loading = True
        try:
            for name, adapter in self.fields.items():
                new = adapter.normal(values.get(name))
                current = adapter.get()
                edited = keep_edits and not _same(current, self.baseline.get(name))
                if edited:
                    if not _same(new, self.baseline.get(name)) and not _same(new, current):
                        conflicts.append(name)
                    self.baseline[name] = new
                else:
                    adapter.set(new)
                    self.baseline[name] = adapter.get()
        finally:
            self._loading = False
        self.changed.emit()
        return conflicts

    def edits(self) -> dict[str, Any]:
        """The fields whose value differs from the saved one: {name: value}."""
        edits = {}
        for name, adapter in self.fields.items():
            value = adapter.get()
            if not _same(value, self.baseline.get(name)):
                edits[name] = value
        return edits

    def is_dirty(self) -> bool:
        """Whether any field was changed and not saved."""
        return bool(self.edits())

    def apply(self, edits: Mapping[str, Any]) -> None:
        """Put unsaved values (from a draft) back into their fields."""
        for name, value in edits.items():
            adapter = self.fields.get(name)
            if adapter is not None:
                adapter.set(value)
        self.changed.emit()

    def clear(self) -> None:
        """Show nothing in any field (while locked); `load()` and `apply()` bring it back."""
        self._loading = True
        try:
            for adapter in self.fields.values():
                adapter.clear()
        finally:
            self._loading = False
        self.errors.clear()

    def set_enabled(self, enabled: bool) -> None:
        """Allow or stop editing (while a save runs)."""
        for adapter in self.fields.values():
            adapter.widget.setEnabled(enabled)

    def retranslate(self) -> None:
        """Redraw pick-list labels in the interface language, keeping the values."""
        self._loading = True
        try:
            for adapter in self.fields.values():
                adapter.retranslate()
        finally:
            self._loading = False
