"""Small widgets for filter bars: a wrapping layout, a menu of tick boxes that stays open,
and an optional date range with quick choices."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QLayout,
    QLayoutItem,
    QMenu,
    QPushButton,
    QWidget,
)

from translations import _, current_language


class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps them onto new lines, like words."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        area = rect.marginsRemoved(self.contentsMargins())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        m: QMargins = self.contentsMargins()
        return y + line - rect.y() + m.bottom()


class ChoiceMenu(QMenu):
    """A menu of tick boxes that stays open while the user ticks several."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class DateRange(QWidget):
    """The opened dates "from … to …", each end optional, with quick ranges; emits `changed`."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opened_range")
        today = QDate.currentDate()
        self.use_from, self.use_to = QCheckBox(self), QCheckBox(self)
        self.from_edit, self.to_edit = QDateEdit(today.addDays(-30), self), QDateEdit(today, self)
        self.last_30 = QPushButton(self)
        self.this_year = QPushButton(self)
        self.any_time = QPushButton(self)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        for row, (box, edit) in enumerate(
            ((self.use_from, self.from_edit), (self.use_to, self.to_edit))
        ):
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self.changed)
            edit.dateChanged.connect(self.changed)
            grid.addWidget(box, row, 0)
            grid.addWidget(edit, row, 1, 1, 2)
        grid.addWidget(self.last_30, 2, 0)
        grid.addWidget(self.this_year, 2, 1)
        grid.addWidget(self.any_time, 2, 2)
        self.last_30.clicked.connect(lambda: self.set_range(date.today() - timedelta(30), None))
        self.this_year.clicked.connect(
            lambda: self.set_range(date(date.today().year, 1, 1), None, notify=True)
        )
        self.any_time.clicked.connect(lambda: self.set_range(None, None, notify=True))

    def range(self) -> tuple[date | None, date | None]:
        """The chosen (from, to) dates; None for an open end."""
        start = self.from_edit.date().toPython() if self.use_from.isChecked() else None
        end = self.to_edit.date().toPython() if self.use_to.isChecked() else None
        return start, end  # type: ignore[return-value]

    def set_range(self, start: date | None, end: date | None, *, notify: bool = True) -> None:
        """Show a range (without emitting `changed` unless `notify`)."""
        self.blockSignals(True)
        try:
            self.use_from.setChecked(start is not None)
            self.use_to.setChecked(end is not None)
            if start is not None:
                self.from_edit.setDate(QDate(start))
            if end is not None:
                self.to_edit.setDate(QDate(end))
        finally:
            self.blockSignals(False)
        if notify:
            self.changed.emit()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.use_from.setText(_("From"))
        self.use_to.setText(_("To"))
        self.last_30.setText(_("Last 30 days"))
        self.this_year.setText(_("This year"))
        self.any_time.setText(_("Any time"))
        fmt = "dd.MM.yyyy" if current_language() in ("ky", "ru") else "yyyy-MM-dd"
        self.from_edit.setDisplayFormat(fmt)
        self.to_edit.setDisplayFormat(fmt)
