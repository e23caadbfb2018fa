"""Komok's read-only record tables: a model over a list of rows and the view that shows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from translations import _

Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """Rows in `self.rows`, headers in `headers` (untranslated, shown with `_`).

    Subclasses say what a cell shows for a role in `cell(row, column, role)`.
    """

    headers: tuple[str, ...] = ()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.headers[section]) if 0 <= section < len(self.headers) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.cell(self.rows[index.row()], index.column(), role)

    def cell(self, row: Any, column: int, role: int) -> Any:
        """What the cell of `row` in `column` shows for `role` (None for nothing)."""
        raise NotImplementedError


def record_table_view(
    parent: QWidget, model: QAbstractTableModel, name: str, widths: Sequence[int] = ()
) -> QTableView:
    """A read-only, one-row-at-a-time table as Komok's lists show them."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(parent.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    return table


def save_columns(table: QTableView, settings: QSettings, key: str) -> None:
    """Remember a table's column widths and order under `key`."""
    settings.setValue(key, table.horizontalHeader().saveState())


def restore_columns(table: QTableView, settings: QSettings, key: str) -> None:
    """Restore what `save_columns` remembered under `key`, if anything."""
    state = settings.value(key)
    if state is not None:
        table.horizontalHeader().restoreState(state)
