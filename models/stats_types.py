"""What the monthly statistics hand to every output: published, already-protected numbers.

`models.stats` computes these by SQL aggregation and applies small-cell suppression before
building them, so a PDF, a CSV, an XLSX, a JSON file and the screen all show the same
protected figures. Nothing here holds a true count of a suppressed cell: a suppressed
cell has `value=None`. Codes are vocabulary codes (`resources/vocab`); outputs turn them
into labels in the document's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Cell:
    """One published number: a count, or hidden (`value is None`) by suppression."""

    value: int | None
    primary: bool = False  # hidden because 1..k-1 (shown as "<k")
    secondary: bool = False  # hidden so that a primary cell cannot be recovered

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def display(self, k: int) -> str:
        """The text shown for this cell: the number, "<k" (primary) or "…" (secondary)."""
        if self.value is not None:
            return str(self.value)
        return f"<{k}" if self.primary else "…"


@dataclass(frozen=True)
class Period:
    """A reporting period: a month, a quarter or a year (start and end inclusive)."""

    kind: str  # "month" | "quarter" | "year"
    start: date
    end: date

    @property
    def key(self) -> str:
        """A stable label: "2026-10", "2026-Q4" or "2026"."""
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year:04d}"


@dataclass(frozen=True)
class StatTable:
    """A published table: rows × columns of cells, with totals, all suppression applied.

    `row_vocab`/`col_vocab` name the vocabulary of the codes (None for a one-column
    table, whose single column code is "count"). `hxl_rows`/`hxl_cols` are HXL hashtags
    for the CSV companion (e.g. "#sector", "#affected +f").
    """

    key: str  # stable id, e.g. "category_by_sex"
    title: str  # msgid marked with N_ (translate when rendering)
    row_vocab: str | None
    col_vocab: str | None
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None = None
    col_totals: tuple[Cell, ...] | None = None
    grand_total: Cell | None = None
    hxl_row: str = ""
    hxl_cols: tuple[str, ...] = ()
    note: str = ""  # msgid, e.g. "A case can have several problems."

    def cell(self, row: str, col: str) -> Cell:
        """The cell for codes `row`, `col`."""
        return self.cells[self.rows.index(row)][self.cols.index(col)]


@dataclass(frozen=True)
class KeyFigure:
    """A big number on the key-figures page with its caption and comparison."""

    key: str  # "new_cases", "open_at_end", "closed", "median_days", "excluded_no_consent"…
    caption: str  # msgid marked with N_
    value: Cell
    previous: Cell | None = None  # same figure, previous period
    year_ago: Cell | None = None  # same figure, same period a year before


@dataclass(frozen=True)
class TrendPoint:
    """New cases in one month of the 12-month trend."""

    period: Period
    new_cases: Cell


@dataclass(frozen=True)
class StatsReport:
    """Everything one statistics report publishes for one period."""

    period: Period
    k: int
    organisation: str
    generated_on: date
    key_figures: tuple[KeyFigure, ...]
    tables: tuple[StatTable, ...]
    trend: tuple[TrendPoint, ...] = ()
    previous: StatsReport | None = None  # same tables for the previous period
    year_ago: StatsReport | None = None  # same tables, same period a year before
    excluded_no_consent: int = 0
    software_version: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def table(self, key: str) -> StatTable:
        """The table with stable id `key`."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def figure(self, key: str) -> KeyFigure:
        """The key figure with stable id `key`."""
        for figure in self.key_figures:
            if figure.key == key:
                return figure
        raise KeyError(key)
