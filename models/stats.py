"""Statistics that leave the organisation: the protected summary of a month, quarter or year.

Public API (used by the CLI, the summary PDF, the CSV/XLSX/JSON companion and the screen):

- `compute_report(db=, actor=, period=, k=5, today=None) -> StatsReport`: every figure and
  table of `period`, with `previous` (the period before), `year_ago` (the same period a
  year earlier) and the 12-month `trend` filled in. Counts come from SQL aggregation
  (`models.stats_queries`); small-cell suppression is applied here, once
  (`models.stats_build`, `models.suppression`), so every output shows the same numbers.
  Only cases whose client consented to statistical use are counted; how many were left
  out for lack of consent is reported. Coordinators only.
- `month(y, m)`, `quarter(y, q)`, `year(y)`, `parse_period("2026-10" | "2026-Q3" | "2026")`.
- `record_export(db=, actor=, report=, fmt=, target=, language=)`: the audit entry every
  export writes, with its parameters.

Stable table keys: closed_by_reason, category_by_sex, age_band_by_sex, oblast,
destination_country, destination_region, sector, forced_labour_indicators,
referrals_by_kind_outcome, assistance. Key figures: new_cases, open_at_end, closed,
median_days_to_resolution, excluded_no_consent. Row codes outside a vocabulary: "other"
(small categories folded together, or an unlisted code) and "not_recorded"; the single
column of a one-way table is "count".
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from models import audit
from models.actor import Actor
from models.backup_format import app_version
from models.db import Database
from models.errors import ValidationFailed
from models.periods import (
    last_complete_month,
    month,
    parse_period,
    previous_period,
    quarter,
    trend_months,
    year,
    year_before,
)
from models.permissions import require
from models.settings import get_setting
from models.stats_build import Assembly, assemble
from models.stats_queries import fetch_counts, fetch_trend
from models.stats_types import Period, StatsReport
from models.vocab import default_vocabularies
from translations import _

DEFAULT_K = 5
MIN_K, MAX_K = 3, 100
EXPORT_FORMATS = ("pdf", "csv", "xlsx", "json", "screen")

__all__ = [
    "DEFAULT_K",
    "compute_assembly",
    "compute_report",
    "last_complete_month",
    "month",
    "parse_period",
    "quarter",
    "record_export",
    "year",
]


def check_k(k: object) -> int:
    """The suppression threshold, checked: a whole number from 3 to 100."""
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        raise ValidationFailed(
            {
                "k": _(
                    "The smallest count shown must be a whole number from {low} to {high}."
                ).format(low=MIN_K, high=MAX_K)
            }
        )
    return k


def compute_report(
    *, db: Database, actor: Actor, period: Period, k: int = DEFAULT_K, today: date | None = None
) -> StatsReport:
    """The protected statistics of `period` with its comparisons (coordinators only)."""
    return compute_assembly(db=db, actor=actor, period=period, k=k, today=today).report


def compute_assembly(
    *, db: Database, actor: Actor, period: Period, k: int = DEFAULT_K, today: date | None = None
) -> Assembly:
    """`compute_report` with the raw counts and the suppression proof (tests, bench)."""
    require(actor, "export_statistics")
    check_k(k)
    vocab = default_vocabularies()
    periods = {
        "current": period,
        "previous": previous_period(period),
        "year_ago": year_before(period),
    }
    months = trend_months(period)
    roles = list(periods)
    # The periods are counted side by side, each on its own connection, all reading one
    # snapshot, so that totals and their parts agree (open(before) + new − closed = open).
    with db.snapshot_reads(len(roles) + 1) as sessions:
        organisation = str(get_setting(sessions[-1], "organisation_name") or "")
        with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="stats") as pool:
            jobs = {role: pool.submit(fetch_counts, sessions[i], periods[role], vocab)
                    for i, role in enumerate(roles)}  # fmt: skip
            trend_job = pool.submit(fetch_trend, sessions[-1], months)
            counts = {role: job.result() for role, job in jobs.items()}
            trend = trend_job.result()
    return assemble(
        counts,
        trend,
        months,
        vocab=vocab,
        k=k,
        organisation=organisation,
        generated_on=today or date.today(),
        software_version=app_version(),
    )


def record_export(
    *,
    db: Database,
    actor: Actor,
    report: StatsReport,
    fmt: str,
    target: str | Path | None,
    language: str | None = None,
) -> None:
    """Write the audit entry of one export of `report` (format, file, period, k, language)."""
    require(actor, "export_statistics")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    with db.write() as session:
        audit.record(
            session,
            actor=actor,
            action="export",
            entity="statistics",
            entity_id=report.period.key,
            changes={
                "period": report.period.key,
                "start": report.period.start,
                "end": report.period.end,
                "k": report.k,
                "language": language,
                "format": fmt,
                "target": str(target) if target is not None else None,
                "generated_on": report.generated_on,
            },
        )
