"""Statistics on both stores: the SQL counts what the definitions say, only with consent,
only for coordinators, and every export is audited."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect
from sqlmodel import select

from models.actor import Actor
from models.errors import PermissionDenied, ValidationFailed
from models.migrate import _config
from models.periods import month, previous_period, quarter, trend_months, year, year_before
from models.stats import compute_assembly, compute_report, record_export
from models.stats_types import Cell
from models.tables import AuditEntry
from tests.unit.stats_cases import (
    FakeCase,
    FakeReferral,
    case_sets,
    direct_counts,
    direct_trend,
    load,
)
from tests.unit.test_suppression import check_published_equals_direct

TABLE_KEYS = (
    "closed_by_reason", "category_by_sex", "age_band_by_sex", "oblast", "destination_country",
    "destination_region", "sector", "forced_labour_indicators", "referrals_by_kind_outcome",
    "assistance",
)  # fmt: skip
FIGURE_KEYS = ("new_cases", "open_at_end", "closed", "median_days_to_resolution",
               "excluded_no_consent")  # fmt: skip


def _case(**kw) -> FakeCase:
    base = dict(
        opened_on=date(2026, 3, 10), closed_on=None, closure_reason=None, consent=True,
        sex="male", birth_date=date(1990, 6, 1), birth_year=1990, oblast="osh_oblast",
        country="ru", region="moscow", sector="trade", categories=["registration"],
        indicators=[], assistance=[], family_name="Токтогулов", given_name="Эрмекбек",
        latin_name="TESTCLIENT", phones=["+996555123456"],
    )  # fmt: skip
    base.update(kw)
    return FakeCase(**base)


def _numbered(cases: list[FakeCase]) -> list[FakeCase]:
    for i, c in enumerate(cases, start=1):
        c.number, c.latin_name = f"KG-2026-{i:05d}", f"TESTCLIENT {i:04d}"
    return cases


@given(cases=case_sets(max_size=30),
       period=st.sampled_from((month(2026, 3), quarter(2026, 1), year(2025))),
       k=st.sampled_from((3, 5)))  # fmt: skip
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])  # fmt: skip
def test_sql_counts_equal_direct_counts_and_publish_them(db, actor, cases, period, k):
    load(db, cases)
    asm = compute_assembly(db=db, actor=actor, period=period, k=k, today=date(2026, 11, 1))
    periods = {"current": period, "previous": previous_period(period),
               "year_ago": year_before(period)}  # fmt: skip
    expected = {role: direct_counts(cases, p) for role, p in periods.items()}
    assert asm.counts == expected
    assert asm.trend == direct_trend(cases, trend_months(period))
    check_published_equals_direct(asm, expected)


def test_a_month_in_detail(db, actor):
    forced = dict(sex="female", categories=["unpaid_wages", "forced_labour"],
                  indicators=["deception", "isolation"], assistance=["legal_aid"])  # fmt: skip
    closed = dict(opened_on=date(2026, 1, 20), closed_on=date(2026, 3, 3),
                  closure_reason="resolved")  # fmt: skip
    referral = FakeReferral("embassy", "accepted", date(2026, 3, 4), ["documents"])
    cases = _numbered(
        [_case() for _ in range(6)]
        + [_case(**forced) for _ in range(5)]
        + [_case(sex="female", birth_date=None, birth_year=None, oblast=None)]
        + [_case(consent=False), _case(consent=False, opened_on=date(2026, 1, 5))]
        + [_case(**closed) for _ in range(5)]
        + [_case(opened_on=date(2026, 2, 2), referrals=[referral])]
    )
    load(db, cases)
    asm = compute_assembly(db=db, actor=actor, period=month(2026, 3), today=date(2026, 4, 2))
    report, raw = asm.report, asm.counts["current"]
    assert [t.key for t in report.tables] == list(TABLE_KEYS)
    assert [f.key for f in report.key_figures] == list(FIGURE_KEYS)
    figure = {f.key: f for f in report.key_figures}
    assert figure["new_cases"].value == Cell(12)
    assert figure["closed"].value == Cell(5)
    assert figure["median_days_to_resolution"].value == Cell(42)  # 20 Jan → 3 Mar
    assert figure["open_at_end"].value == Cell(13)  # 12 new + the February case
    assert figure["excluded_no_consent"].value == Cell(2) and report.excluded_no_consent == 2
    assert figure["open_at_end"].previous == Cell(6)  # open at the end of February
    assert figure["new_cases"].year_ago == Cell(0)
    assert report.previous.period == month(2026, 2) and report.year_ago.period == month(2025, 3)
    assert [p.period.key for p in report.trend][-1] == "2026-03" and len(report.trend) == 12
    assert report.organisation == "Test NGO" and report.generated_on == date(2026, 4, 2)
    assert raw.age_sex[("age_35_44", "male")] == 6 and raw.age_sex[("age_35_44", "female")] == 5
    age = report.table("age_band_by_sex")
    assert age.cell("unknown", "female").primary  # one client without a birth date
    assert age.cell("age_0_17", "male") == Cell(0)  # zeros stay visible
    # the lone client without a birth date must not be recoverable from the totals
    assert age.cell("age_35_44", "female").value is None or age.col_totals[1].value is None
    assert report.table("oblast").cell("not_recorded", "count").primary
    assert raw.indicators == {"deception": 5, "isolation": 5} and raw.forced_labour_cases == 5
    assert raw.assistance == {"legal_aid": 5}  # the February case's referral is not new
    indicators = report.table("forced_labour_indicators")
    assert indicators.cell("deception", "count") == Cell(5)
    assert indicators.grand_total == Cell(5)
    referrals = report.table("referrals_by_kind_outcome")
    assert raw.referrals == {("embassy", "accepted"): 1}
    assert referrals.cell("embassy", "accepted").primary
    assert referrals.cell("consulate", "done") == Cell(0)
    assert "draft" not in referrals.cols


def test_only_coordinators_compute_or_export(db, actor):
    for role in ("volunteer", "caseworker"):
        other = Actor(user_id=uuid.uuid4(), username=role, role=role)
        with pytest.raises(PermissionDenied):
            compute_report(db=db, actor=other, period=month(2026, 3))
    report = compute_report(db=db, actor=actor, period=month(2026, 3))
    with pytest.raises(PermissionDenied):
        record_export(db=db, actor=Actor(uuid.uuid4(), "cw", "caseworker"), report=report,
                      fmt="csv", target="x.csv", language="ru")  # fmt: skip


def test_k_must_be_a_sensible_threshold(db, actor):
    for k in (2, 0, 101, True):
        with pytest.raises(ValidationFailed):
            compute_report(db=db, actor=actor, period=month(2026, 3), k=k)
    assert compute_report(db=db, actor=actor, period=month(2026, 3), k=11).k == 11


def test_every_export_is_audited_with_its_parameters(db, actor):
    report = compute_report(db=db, actor=actor, period=quarter(2026, 1), k=7)
    record_export(db=db, actor=actor, report=report, fmt="xlsx", target="/tmp/s.xlsx",
                  language="ky")  # fmt: skip
    with db.read() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq)
        ).all()[-1]
    assert entry.entity == "statistics" and entry.entity_id == "2026-Q1"
    assert entry.username == actor.username
    changes = entry.changes
    assert changes["period"] == "2026-Q1" and changes["k"] == 7
    assert changes["format"] == "xlsx" and changes["language"] == "ky"
    assert changes["target"] == "/tmp/s.xlsx"
    assert changes["start"] == "2026-01-01" and changes["end"] == "2026-03-31"
    with pytest.raises(ValueError):
        record_export(db=db, actor=actor, report=report, fmt="doc", target=None)


STATS_INDEXES = {"cases": {"ix_cases_stats_opened", "ix_cases_stats_closed"},
                 "referrals": {"ix_referrals_sent_on"}}  # fmt: skip


def _indexes(db) -> dict[str, set[str]]:
    with db.engine.connect() as conn:
        found = inspect(conn)
        return {t: {i["name"] for i in found.get_indexes(t)} for t in STATS_INDEXES}


def test_migration_0004_adds_the_statistics_indexes_and_goes_down_and_up(db, actor):
    load(db, _numbered([_case(), _case(consent=False)]))
    assert all(STATS_INDEXES[t] <= names for t, names in _indexes(db).items())
    with db._write_engine.begin() as conn:
        command.downgrade(_config(conn), "0003")
    assert not any(STATS_INDEXES[t] & names for t, names in _indexes(db).items())
    with db._write_engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    assert all(STATS_INDEXES[t] <= names for t, names in _indexes(db).items())
    report = compute_report(db=db, actor=actor, period=month(2026, 3))
    assert report.excluded_no_consent == 1
