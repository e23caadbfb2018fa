"""From raw counts to published tables: folding, the relations between cells, protection.

`assemble(...)` turns the `PeriodCounts` of the report's period, the previous period and
the same period a year before (plus the 12-month trend) into one `StatsReport`. All three
periods are protected together, because their figures are tied: cases open at the end of
this period are those open at the end of the last one plus the new ones minus the closed
ones, and a quarter's new cases are the sum of its months in the trend.

Each period's tables and the relations between their cells come from
`models.stats_layout`; the cross-period relations are added here, then
`models.suppression` protects everything at once and the `StatTable`s are built from the
protected pattern. If the protection cannot prove every small count safe (never seen in
tests), folding is dropped and, failing that, nothing is published.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from models.errors import KomokError
from models.periods import months_of
from models.stats_layout import (
    COUNT,
    NOTES,
    ROLES,
    TITLES,
    WEIGHT_TREND,
    PeriodLayout,
    TableSpec,
)
from models.stats_queries import OTHER, PeriodCounts
from models.stats_types import Cell, KeyFigure, Period, StatsReport, StatTable, TrendPoint
from models.suppression import Key, Linked, Protection
from models.vocab import Vocabularies
from translations import N_, _

__all__ = ["COUNT", "OTHER", "Assembly", "UnprotectableReport", "assemble", "median_days"]

CAPTIONS = {
    "new_cases": N_("new cases opened in the period"),
    "open_at_end": N_("cases open at the end of the period"),
    "closed": N_("cases closed in the period"),
    "median_days_to_resolution": N_("median days from opening to closing"),
    "excluded_no_consent": N_("cases not counted: no consent to statistical use"),
}


@dataclass
class Assembly:
    """A protected report with what produced it (for tests and the bench)."""

    report: StatsReport
    protection: Protection
    linked: Linked
    specs: dict[str, list[TableSpec]] = field(default_factory=dict)  # by role
    figure_keys: dict[str, dict[str, Key]] = field(default_factory=dict)  # role → figure → key
    counts: dict[str, PeriodCounts] = field(default_factory=dict)  # raw counts by role
    trend: dict[str, int] = field(default_factory=dict)  # raw new cases by month


# --- small helpers ------------------------------------------------------------------------


def median_days(days: Counter) -> int | None:
    """The median of a histogram of whole days, rounded half up; None when empty."""
    n = sum(days.values())
    if n == 0:
        return None
    ordered = sorted(days.items())
    lower_rank, upper_rank = (n - 1) // 2, n // 2
    lower = upper = None
    seen = 0
    for value, count in ordered:
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    exact = (Decimal(lower) + Decimal(upper)) / 2
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the whole report -------------------------------------------------------------------


def _open_relation(linked: Linked, current: PeriodCounts, previous: PeriodCounts) -> None:
    """open(now) + closed(now) = open(before) + new(now), when the data obeys it."""
    pk, before = current.period.key, previous.period.key
    if current.open_at_end + current.closed == previous.open_at_end + current.new:
        linked.linear({("open", pk): 1, ("closed", pk): 1, ("open", before): -1,
                       ("new", pk): -1})  # fmt: skip


def _cell(protection: Protection, linked: Linked, key: Key) -> Cell:
    if key in protection.primary:
        return Cell(None, primary=True)
    if key in protection.secondary:
        return Cell(None, secondary=True)
    if key in protection.withheld:
        return Cell(None)
    return Cell(linked.values[key])


def _table(spec: TableSpec, protection: Protection, linked: Linked) -> StatTable:
    get = lambda key: _cell(protection, linked, key)  # noqa: E731
    cells = tuple(tuple(get(spec.cell_keys[(r, c)]) for c in spec.cols) for r in spec.rows)
    row_totals = col_totals = None
    if spec.row_total_keys is not None:
        row_totals = tuple(get(spec.row_total_keys[r]) for r in spec.rows)
    if spec.col_total_keys is not None:
        col_totals = tuple(get(spec.col_total_keys[c]) for c in spec.cols)
    return StatTable(
        key=spec.key,
        title=TITLES[spec.key],
        row_vocab=spec.row_vocab,
        col_vocab=spec.col_vocab,
        rows=spec.rows,
        cols=spec.cols,
        cells=cells,
        row_totals=row_totals,
        col_totals=col_totals,
        grand_total=get(spec.grand_key) if spec.grand_key is not None else None,
        hxl_row=spec.hxl_row,
        hxl_cols=spec.hxl_cols,
        note=NOTES.get(spec.key, ""),
    )


class UnprotectableReport(KomokError):
    """No publication pattern hides every small count (has not been seen; refused, not risked)."""

    def default_message(self) -> str:
        return _(
            "The statistics could not be protected for this period without revealing small "
            "numbers, so nothing was published. Choose a longer period."
        )


def _protected(counts, trend, trend_periods, vocab, k: int, fold: bool):
    """Build every cell and relation of the three periods and protect them together."""
    linked = Linked(k)
    specs = {role: PeriodLayout(linked, counts[role], vocab, k, fold=fold).build()
             for role in ROLES}  # fmt: skip
    _open_relation(linked, counts["current"], counts["previous"])
    for month in trend_periods:
        linked.cell(("new", month.key), trend[month.key], WEIGHT_TREND)
    in_trend = {m.key for m in trend_periods}
    for role in ("current", "previous"):
        period = counts[role].period
        if period.kind != "month":
            months = [m.key for m in months_of(period)]
            if all(m in in_trend for m in months):
                linked.equal(("new", period.key), [("new", m) for m in months])
    return linked, specs, linked.protect()


def assemble(
    counts: Mapping[str, PeriodCounts],
    trend: Mapping[str, int],
    trend_periods: tuple[Period, ...],
    *,
    vocab: Vocabularies,
    k: int,
    organisation: str,
    generated_on: date,
    software_version: str,
) -> Assembly:
    """Protect and publish: `counts` by role ("current", "previous", "year_ago")."""
    for fold in (True, False):
        linked, specs, protection = _protected(counts, trend, trend_periods, vocab, k, fold)
        hidden = protection.primary | protection.withheld | protection.unpublished
        small = {key for key in hidden if 1 <= linked.values[key] < k}
        if small <= set(protection.witness):
            break
    else:
        raise UnprotectableReport()
    cell = lambda key: _cell(protection, linked, key)  # noqa: E731

    def figures(role: str) -> dict[str, Cell]:
        c = counts[role]
        pk = c.period.key
        median = median_days(c.days_to_close)
        return {
            "new_cases": cell(("new", pk)),
            "open_at_end": cell(("open", pk)),
            "closed": cell(("closed", pk)),
            "median_days_to_resolution": Cell(median) if c.closed >= k and median is not None
            else Cell(None),
            "excluded_no_consent": Cell(c.excluded_no_consent),
        }

    by_role = {role: figures(role) for role in ROLES}

    def report(role: str, *, nested: bool) -> StatsReport:
        c = counts[role]
        values = by_role[role]
        key_figures = tuple(
            KeyFigure(
                key=name,
                caption=CAPTIONS[name],
                value=values[name],
                previous=by_role["previous"][name] if nested else None,
                year_ago=by_role["year_ago"][name] if nested else None,
            )
            for name in CAPTIONS
        )
        return StatsReport(
            period=c.period,
            k=k,
            organisation=organisation,
            generated_on=generated_on,
            key_figures=key_figures,
            tables=tuple(_table(spec, protection, linked) for spec in specs[role]),
            trend=tuple(TrendPoint(m, cell(("new", m.key))) for m in trend_periods)
            if nested else (),
            previous=report("previous", nested=False) if nested else None,
            year_ago=report("year_ago", nested=False) if nested else None,
            excluded_no_consent=c.excluded_no_consent,
            software_version=software_version,
            extra={"folded": {s.key: list(s.folded) for s in specs[role] if s.folded}},
        )

    figure_keys = {
        role: {"new_cases": ("new", counts[role].period.key),
               "open_at_end": ("open", counts[role].period.key),
               "closed": ("closed", counts[role].period.key)}
        for role in ROLES
    }  # fmt: skip
    return Assembly(report("current", nested=True), protection, linked, specs, figure_keys,
                    dict(counts), dict(trend))  # fmt: skip
