"""The widgets behind each field type of a declarative form (see `desktop.form_view`).

Each editor wraps the widget(s) for one `forms.schema.FieldDef` and speaks in the values
`forms.values` describes: `value()`, `set_value(v)` (also accepting the JSON forms a
draft keeps: ISO dates, numbers as text), `retranslate(lang)` and a change callback.
Empty states are real: a date, number or money amount can be left blank, and a yes/no
question can stay unanswered. `focus_widgets` are in tab order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from forms.schema import FieldDef
from forms.values import choice_items
from models.validation import normalize_phone
from translations import _

EMPTY_DATE = QDate(1899, 12, 31)  # the QDateEdit value shown as blank
LAST_DATE = QDate(2100, 1, 1)
DATE_FORMAT = "dd.MM.yyyy"
BLANK = " "  # special value text of an empty spin box or date (a space: non-empty for Qt)
INT_LIMIT = 1_000_000_000
MONEY_LIMIT = 1e12
CodeRole = Qt.ItemDataRole.UserRole


def _to_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class OptionalDateEdit(QDateEdit):
    """A date field that can be blank: shows nothing until a date is typed or picked.

    Typing a digit into the blank field starts from today's date; Delete (or the clear
    button beside it) makes it blank again.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DATE_FORMAT)
        self.setCalendarPopup(True)
        self.setDateRange(EMPTY_DATE, LAST_DATE)
        self.setSpecialValueText(BLANK)
        self.setDate(EMPTY_DATE)

    def is_blank(self) -> bool:
        """Whether no date is set."""
        return self.date() == EMPTY_DATE

    def clear_date(self) -> None:
        """Make the field blank."""
        self.setDate(EMPTY_DATE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete:
            self.clear_date()
            return
        if self.is_blank() and event.text().isdigit():
            self.setDate(QDate.currentDate())
            self.setCurrentSectionIndex(0)
            self.setSelectedSection(self.sectionAt(0))
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        blank = self.is_blank()
        super().mousePressEvent(event)
        if blank:  # the popup opens on this month, not on the "blank" date of 1899
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())


class Editor:
    """One field's widgets. Subclasses set `widget` (what the form lays out) and
    `focus_widgets`, and implement `value`, `set_value` and `_connect`."""

    widget: QWidget
    focus_widgets: Sequence[QWidget] = ()
    expand = False  # whether the widget takes the row's whole width

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        self.fdef = fdef
        self.lang = lang

    def value(self) -> Any:
        """The field's value (see `forms.values`)."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show `value` (None or an empty list clears the field)."""
        raise NotImplementedError

    def connect(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever the user changes the value."""
        raise NotImplementedError

    def retranslate(self, lang: str) -> None:
        """Show item texts in `lang` (labels are the form view's job)."""
        self.lang = lang

    def normalise(self) -> str:
        """Tidy what was typed; return a message when it cannot be understood ("" if fine)."""
        return ""


class TextEditor(Editor):
    """A one-line text field."""

    expand = True

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.edit = QLineEdit(parent)
        self.edit.setMaxLength(fdef.max_chars)
        self.widget = self.edit
        self.focus_widgets = (self.edit,)

    def value(self) -> str | None:
        text = self.edit.text().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def connect(self, callback: Callable[[], None]) -> None:
        self.edit.textEdited.connect(lambda _text: callback())


class PhoneEditor(TextEditor):
    """A phone number, turned into +<digits> form when the field is left."""

    expand = False

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.edit.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.edit.setMaxLength(40)
        self.edit.setMinimumWidth(220)
        self.edit.setPlaceholderText("+996 …")

    def normalise(self) -> str:
        text = self.edit.text().strip()
        if not text:
            return ""
        try:
            self.edit.setText(normalize_phone(text))
        except ValueError as exc:
            return str(exc)
        return ""

    def value(self) -> str | None:
        text = self.edit.text().strip()
        if not text:
            return None
        try:
            return normalize_phone(text)
        except ValueError:
            return text  # the service reports it beside the field


class MultilineEditor(Editor):
    """A few lines of text; Tab moves on to the next field."""

    expand = True

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.edit = QPlainTextEdit(parent)
        self.edit.setTabChangesFocus(True)
        lines = 4
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * lines + 12)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.widget = self.edit
        self.focus_widgets = (self.edit,)

    def value(self) -> str | None:
        text = self.edit.toPlainText().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def connect(self, callback: Callable[[], None]) -> None:
        self.edit.textChanged.connect(callback)


class DateEditor(Editor):
    """A date that can be left blank, with a button to clear it."""

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.widget = QWidget(parent)
        self.edit = OptionalDateEdit(self.widget)
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
        self.focus_widgets = (self.edit,)
        self.retranslate(lang)

    def value(self) -> date | None:
        if self.edit.is_blank():
            return None
        return self.edit.date().toPython()

    def set_value(self, value: Any) -> None:
        day = _to_date(value)
        self.edit.setDate(QDate(day.year, day.month, day.day) if day else EMPTY_DATE)

    def connect(self, callback: Callable[[], None]) -> None:
        self.edit.dateChanged.connect(lambda _d: callback())

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.clear_button.setToolTip(_("Clear the date (Delete)"))


class NumberEditor(Editor):
    """A number that can be left blank (the lowest step of the box shows as blank)."""

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.decimals = fdef.decimals
        low = fdef.minimum if fdef.minimum is not None else -INT_LIMIT
        high = fdef.maximum if fdef.maximum is not None else INT_LIMIT
        if self.decimals == 0:
            box: QSpinBox | QDoubleSpinBox = QSpinBox(parent)
            self.floor = math.ceil(low)
            box.setRange(self.floor - 1, math.floor(high))
        else:
            box = QDoubleSpinBox(parent)
            box.setDecimals(self.decimals)
            step = 10.0**-self.decimals
            self.floor = low
            box.setRange(low - step, high)
        box.setSpecialValueText(BLANK)
        box.setValue(box.minimum())
        box.setAccelerated(True)
        box.setMinimumWidth(110)
        self.box = box
        self.widget = box
        self.focus_widgets = (box,)

    def value(self) -> int | Decimal | None:
        number = self.box.value()
        if number < self.floor:
            return None
        if self.decimals == 0:
            return int(number)
        return Decimal(str(round(number, self.decimals)))

    def set_value(self, value: Any) -> None:
        number = _to_decimal(value)
        self.box.setValue(self.box.minimum() if number is None else float(number))

    def connect(self, callback: Callable[[], None]) -> None:
        self.box.valueChanged.connect(lambda _v: callback())


class MoneyEditor(Editor):
    """An amount (2 decimals, blank allowed) and its currency."""

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.widget = QWidget(parent)
        self.amount = QDoubleSpinBox(self.widget)
        self.amount.setDecimals(2)
        self.floor = fdef.minimum if fdef.minimum is not None else 0.0
        high = fdef.maximum if fdef.maximum is not None else MONEY_LIMIT
        self.amount.setRange(self.floor - 0.01, high)
        self.amount.setSpecialValueText(BLANK)
        self.amount.setValue(self.amount.minimum())
        self.amount.setGroupSeparatorShown(True)
        self.amount.setAccelerated(True)
        self.amount.setMinimumWidth(150)
        self.currency = QComboBox(self.widget)
        self.currency.addItem("", None)
        for code in fdef.currency_list:
            self.currency.addItem(code, code)
        layout = QHBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.amount)
        layout.addWidget(self.currency)
        layout.addStretch(1)
        self.focus_widgets = (self.amount, self.currency)
        self.retranslate(lang)

    def value(self) -> dict[str, Any] | None:
        number = self.amount.value()
        if number < self.floor:
            return None
        return {"amount": Decimal(f"{number:.2f}"), "currency": self.currency.currentData()}

    def set_value(self, value: Any) -> None:
        amount = _to_decimal(value.get("amount")) if isinstance(value, dict) else None
        currency = value.get("currency") if isinstance(value, dict) else None
        self.amount.setValue(self.amount.minimum() if amount is None else float(amount))
        index = self.currency.findData(currency) if currency else 0
        self.currency.setCurrentIndex(max(index, 0))

    def connect(self, callback: Callable[[], None]) -> None:
        self.amount.valueChanged.connect(lambda _v: callback())
        self.currency.currentIndexChanged.connect(lambda _i: callback())

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.currency.setAccessibleName(_("Currency"))


class ChoiceEditor(Editor):
    """One choice from a vocabulary or the field's options; the first entry is blank.

    `set_allowed(codes)` narrows the list (regions of the chosen country); a choice that
    no longer fits is cleared.
    """

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.combo = QComboBox(parent)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumWidth(180)
        self.allowed: set[str] | None = None
        self.widget = self.combo
        self.focus_widgets = (self.combo,)
        self._fill(None)

    def _fill(self, keep: str | None) -> None:
        blocked = self.combo.blockSignals(True)
        try:
            self.combo.clear()
            self.combo.addItem("", None)
            for code, label in choice_items(self.fdef, self.lang):
                if self.allowed is None or code in self.allowed:
                    self.combo.addItem(label, code)
            index = self.combo.findData(keep) if keep is not None else 0
            self.combo.setCurrentIndex(max(index, 0))
        finally:
            self.combo.blockSignals(blocked)

    def set_allowed(self, codes: set[str] | None) -> bool:
        """Offer only `codes` (None: all); True when the choice was cleared by it."""
        if codes == self.allowed:
            return False
        keep = self.value()
        self.allowed = codes
        self._fill(keep)
        return keep is not None and self.value() is None

    def value(self) -> str | None:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value) if value else 0
        if index < 0 and value and self.allowed is not None:
            self.allowed = None  # a stored choice outside the filter is still shown
            self._fill(value)
            return
        self.combo.setCurrentIndex(max(index, 0))

    def connect(self, callback: Callable[[], None]) -> None:
        self.combo.currentIndexChanged.connect(lambda _i: callback())

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self._fill(self.value())


class CheckList(QListWidget):
    """A check list laid out in as many columns as its width allows, never scrolling
    vertically: its height follows the number of rows the columns need."""

    MAX_COLUMN = 300

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlow(QListView.Flow.TopToBottom)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def update_grid(self) -> None:
        """Size the columns to the longest label (within reason) and fit the height."""
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.item(i).text()) for i in range(self.count())),
                     default=100)  # fmt: skip
        indicator = self.style().pixelMetric(self.style().PixelMetric.PM_IndicatorWidth)
        width = min(widest + indicator + 24, self.MAX_COLUMN)
        height = max(metrics.height() + 6, self.sizeHintForRow(0) if self.count() else 0)
        self.setGridSize(QSize(width, height))
        self._fit_height()

    def _fit_height(self) -> None:
        grid = self.gridSize()
        if grid.width() <= 0 or not self.count():
            return
        usable = max(self.width() - 2 * self.frameWidth() - 4, grid.width())
        columns = max(1, usable // grid.width())
        rows = math.ceil(self.count() / columns)
        self.setFixedHeight(rows * grid.height() + 2 * self.frameWidth() + 2 * self.spacing() + 6)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()


class MultiChoiceEditor(Editor):
    """Several choices: a check list in columns (arrow keys move, Space ticks)."""

    expand = True

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.list = CheckList(parent)
        for code, label in choice_items(fdef, lang):
            item = QListWidgetItem(label, self.list)
            item.setData(CodeRole, code)
            item.setToolTip(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsSelectable)  # fmt: skip
            item.setCheckState(Qt.CheckState.Unchecked)
        self.list.update_grid()
        self.widget = self.list
        self.focus_widgets = (self.list,)

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def value(self) -> list[str]:
        return [
            item.data(CodeRole)
            for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, value: Any) -> None:
        chosen = set(value or ())
        for item in self._items():
            checked = item.data(CodeRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def connect(self, callback: Callable[[], None]) -> None:
        self.list.itemChanged.connect(lambda _item: callback())

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        labels = dict(choice_items(self.fdef, lang))
        blocked = self.list.blockSignals(True)
        for item in self._items():
            item.setText(labels.get(item.data(CodeRole), item.text()))
            item.setToolTip(item.text())
        self.list.blockSignals(blocked)
        self.list.update_grid()


class YesNoEditor(Editor):
    """A yes/no question: a check box, or (when it may stay unknown) Yes / No / blank."""

    def __init__(self, fdef: FieldDef, lang: str, parent: QWidget) -> None:
        super().__init__(fdef, lang, parent)
        self.check: QCheckBox | None = None
        self.combo: QComboBox | None = None
        if fdef.allow_unknown:
            self.combo = QComboBox(parent)
            self.combo.setMinimumWidth(120)
            self.widget = self.combo
        else:
            self.check = QCheckBox(parent)
            self.widget = self.check
        self.focus_widgets = (self.widget,)
        self.retranslate(lang)

    def value(self) -> bool | None:
        if self.check is not None:
            return self.check.isChecked()
        assert self.combo is not None
        return {"yes": True, "no": False}.get(self.combo.currentData())

    def set_value(self, value: Any) -> None:
        if self.check is not None:
            self.check.setChecked(value is True)
            return
        assert self.combo is not None
        code = {True: "yes", False: "no"}.get(value) if isinstance(value, bool) else None
        self.combo.setCurrentIndex(max(self.combo.findData(code), 0) if code else 0)

    def connect(self, callback: Callable[[], None]) -> None:
        if self.check is not None:
            self.check.toggled.connect(lambda _on: callback())
        else:
            assert self.combo is not None
            self.combo.currentIndexChanged.connect(lambda _i: callback())

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        if self.check is not None:
            self.check.setText(_("Yes"))
            return
        assert self.combo is not None
        current = self.combo.currentData() if self.combo.count() else None
        blocked = self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(_("Not known"), None)
        self.combo.addItem(_("Yes"), "yes")
        self.combo.addItem(_("No"), "no")
        self.combo.setCurrentIndex(max(self.combo.findData(current), 0) if current else 0)
        self.combo.blockSignals(blocked)


EDITORS: dict[str, type[Editor]] = {
    "text": TextEditor,
    "multiline": MultilineEditor,
    "date": DateEditor,
    "number": NumberEditor,
    "money": MoneyEditor,
    "choice": ChoiceEditor,
    "multi_choice": MultiChoiceEditor,
    "yes_no": YesNoEditor,
    "phone": PhoneEditor,
}


def make_editor(fdef: FieldDef, lang: str, parent: QWidget) -> Editor:
    """The editor for a field's type."""
    return EDITORS[fdef.type](fdef, lang, parent)
