"""Bench rows of the statistics: one month's protected report vs the bare SQL it needs (run side
by side as the report runs it, and one after another), vs an
analyst's pandas `read_sql` + groupby, and peak memory (report + PDF). The full summary PDF
time is measured by `tests/bench/summary.py`."""

from __future__ import annotations

import time
import warnings
from concurrent.futures import ThreadPoolExecutor

from models.db import CACHE_KIB
from tests.bench.datasets import Dataset
from tests.bench.harness import Row, child_peak_rss_mib, median, timed


def _period(ds: Dataset):
    """The last complete month before the demo's newest case."""
    from sqlalchemy import func, select

    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.periods import last_complete_month
    from models.tables import Case
    from models.vault import unlock_vault

    opened = unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    with opened.db.read() as session:
        newest = session.execute(select(func.max(Case.opened_on))).scalar_one()
    return opened, last_complete_month(newest)


def bare_sql(period) -> list[str]:
    """Every GROUP BY query one report runs (three periods and the trend), as plain SQL."""
    return [statement for group in bare_sql_groups(period) for statement in group]


def bare_sql_groups(period) -> list[list[str]]:
    """The same queries as the report splits them over its connections: one list per
    period, then the trend's."""
    from sqlalchemy.dialects import sqlite

    from models.periods import previous_period, trend_months, year_before
    from models.stats_queries import period_queries, trend_query
    from models.vocab import default_vocabularies

    dialect, vocab = sqlite.dialect(), default_vocabularies()
    groups = [list(period_queries("sqlite", p, vocab).values())
              for p in (period, previous_period(period), year_before(period))]  # fmt: skip
    groups.append([trend_query(trend_months(period))])
    return [[str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
             for s in group] for group in groups]  # fmt: skip


def _pandas_report(engine, period) -> dict:
    """What an analyst would write: read the period's rows, then group them in pandas."""
    import pandas as pd

    from models.periods import previous_period, year_before

    out = {}
    bands = [-1, 17, 24, 34, 44, 54, 200]
    labels = ["age_0_17", "age_18_24", "age_25_34", "age_35_44", "age_45_54", "age_55_plus"]
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in (period, previous_period(period), year_before(period)):
            s, e = p.start.isoformat(), p.end.isoformat()
            cases = pd.read_sql(
                "SELECT c.id, c.opened_on, c.destination_country, c.destination_region, "
                "c.sector, p.sex, p.oblast, p.birth_date, p.birth_year FROM cases c "
                "JOIN people p ON p.id = c.person_id "
                f"WHERE c.consent_stats = 1 AND c.opened_on BETWEEN '{s}' AND '{e}'",
                conn,
            )
            cats = pd.read_sql(
                "SELECT cc.case_id AS id, cc.code FROM case_categories cc JOIN cases c "
                f"ON c.id = cc.case_id WHERE c.consent_stats = 1 AND c.opened_on BETWEEN "
                f"'{s}' AND '{e}'",
                conn,
            )
            opened = pd.to_datetime(cases["opened_on"])
            born = pd.to_datetime(cases["birth_date"], errors="coerce")
            age = (
                opened.dt.year
                - born.dt.year
                - ((opened.dt.month * 100 + opened.dt.day) < (born.dt.month * 100 + born.dt.day))
            )
            age = age.fillna(opened.dt.year - cases["birth_year"])
            cases["band"] = pd.cut(age, bands, labels=labels).astype(str)
            merged = cats.merge(cases[["id", "sex"]], on="id")
            out[p.key] = {
                "category_by_sex": pd.crosstab(merged["code"], merged["sex"]),
                "age_band_by_sex": pd.crosstab(cases["band"], cases["sex"]),
                "oblast": cases.groupby("oblast", dropna=False).size(),
                "country": cases.groupby("destination_country", dropna=False).size(),
                "region": cases.groupby("destination_region", dropna=False).size(),
                "sector": cases.groupby("sector", dropna=False).size(),
            }
    return out


def stats_rows(ds: Dataset) -> list[Row]:
    """The statistics rows for one dataset (run it on the large one)."""
    import sqlcipher3

    from models.stats import compute_assembly, compute_report

    opened, period = _period(ds)
    db, actor = opened.db, opened.actor

    def report():
        return compute_report(db=db, actor=actor, period=period)

    ours = median(timed(report, repeat=5))
    sql, groups = bare_sql(period), bare_sql_groups(period)

    def connect():
        raw = sqlcipher3.connect(str(ds.db_path), check_same_thread=False)
        raw.execute(f"PRAGMA key = \"x'{ds.key().hex()}'\"")
        raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        return raw

    raws = [connect() for _ in groups]

    def run(raw, statements):
        for statement in statements:
            raw.execute(statement).fetchall()

    def bare():
        run(raws[0], sql)

    def bare_side_by_side():
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            for job in [pool.submit(run, raw, g) for raw, g in zip(raws, groups, strict=True)]:
                job.result()

    bare_s = median(timed(bare, repeat=5))
    side_s = median(timed(bare_side_by_side, repeat=5))
    for raw in raws:
        raw.close()
    pandas_s = median(timed(lambda: _pandas_report(db.engine, period), repeat=3))
    t0 = time.perf_counter()
    assembly = compute_assembly(db=db, actor=actor, period=period)
    t1 = time.perf_counter()
    assembly.linked.protect()
    protect_s = time.perf_counter() - t1
    whole_s = t1 - t0
    hidden = len(assembly.protection.primary) + len(assembly.protection.secondary)
    rows = [
        Row(
            f"stats: one month ({period.key}), {ds.cases:,}",
            ours * 1000,
            "ms",
            f"the {len(sql)} bare SQL GROUP BY queries it runs, side by side the same way",
            side_s * 1000,
            target="≤ 1.5×",
            note=f"3 periods + trend on {len(groups)} connections, one snapshot; protection "
            f"{protect_s * 1000:.0f} of {whole_s * 1000:.0f} ms, {hidden} cells hidden",
        ),
        Row(
            f"stats: one month vs its queries one after another, {ds.cases:,}",
            ours * 1000,
            "ms",
            f"the same {len(sql)} queries on one connection, in turn",
            bare_s * 1000,
            note="what running the periods side by side gains",
        ),
        Row(
            f"stats: one month vs pandas, {ds.cases:,}",
            ours * 1000,
            "ms",
            "pandas read_sql + groupby (no protection)",
            pandas_s * 1000,
            note="an analyst's alternative",
        ),
    ]
    # The full summary PDF time (statistics + render, target < 3 s) is the row of
    # tests/bench/summary.py; the memory row below includes the PDF.
    db.close()
    rows.append(_memory_row(ds, period, sql))
    return rows


def _memory_row(ds: Dataset, period, sql: list[str]) -> Row:
    """Peak RSS of a child making the report (and PDF) vs one running the bare SQL."""
    from tests.bench.datasets import plain_twin

    plain = plain_twin(ds)
    app_code = f"""
from pathlib import Path
from models.demo import DEMO_PASSWORD, DEMO_USERNAME
from models.stats import compute_report, parse_period
from models.vault import unlock_vault
opened = unlock_vault(Path({str(ds.vault)!r}), username=DEMO_USERNAME, password=DEMO_PASSWORD)
report = compute_report(db=opened.db, actor=opened.actor, period=parse_period({period.key!r}))
try:
    from reports.summary_pdf import render_summary
    render_summary(report, language="ky")
except ImportError:
    pass
"""
    base_code = f"""
import sqlite3, sqlalchemy, sqlmodel, pydantic, reportlab
c = sqlite3.connect({str(plain)!r})
c.execute("PRAGMA cache_size = -{CACHE_KIB}")
for q in {sql!r}:
    c.execute(q).fetchall()
"""
    app_rss, _ = child_peak_rss_mib(app_code)
    base_rss, _ = child_peak_rss_mib(base_code)
    return Row(
        f"peak memory: unlock + month report + PDF, {ds.cases:,}",
        app_rss,
        "MiB",
        "bare SQL on plain SQLite + same imports",
        base_rss,
        note="includes Argon2id memory",
    )
