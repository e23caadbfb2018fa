"""Reporting periods: parsing their keys, and the periods a report compares with."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import ValidationFailed
from models.periods import (
    last_complete_month,
    months_of,
    previous_period,
    trend_months,
    year_before,
)
from models.stats import month, parse_period, quarter, year


def test_parse_the_three_kinds():
    assert parse_period("2026-10") == month(2026, 10)
    assert parse_period(" 2026-Q3 ") == quarter(2026, 3) == parse_period("2026-q3")
    assert parse_period("2026") == year(2026)
    assert month(2026, 2).end == date(2026, 2, 28) and month(2028, 2).end == date(2028, 2, 29)
    assert quarter(2026, 4).start == date(2026, 10, 1) and quarter(2026, 4).end.day == 31
    assert [m.key for m in months_of(quarter(2026, 1))] == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize("text", ["", "2026-13", "2026-0", "26-10", "2026-Q5", "2026-10-01",
                                  "October", "2026/10", "1989", "2026-Q"])  # fmt: skip
def test_bad_periods_are_refused_with_a_message(text):
    with pytest.raises(ValidationFailed) as info:
        parse_period(text)
    assert "period" in info.value.field_errors


def test_comparisons():
    assert previous_period(month(2026, 1)) == month(2025, 12)
    assert previous_period(quarter(2026, 1)) == quarter(2025, 4)
    assert previous_period(year(2026)) == year(2025)
    assert year_before(month(2026, 2)) == month(2025, 2)
    assert year_before(quarter(2026, 3)) == quarter(2025, 3)
    assert last_complete_month(date(2026, 11, 21)) == month(2026, 10)
    assert last_complete_month(date(2026, 1, 1)) == month(2025, 12)
    assert trend_months(year(2025))[0].key == "2025-01"
    assert [m.key for m in trend_months(quarter(2026, 1))][-1] == "2026-03"


@given(st.integers(1991, 2199), st.integers(1, 12))
def test_months_tile_the_calendar(y, m):
    period = month(y, m)
    assert parse_period(period.key) == period
    before = previous_period(period)
    assert before.end + timedelta(days=1) == period.start
    trend = trend_months(period)
    assert len(trend) == 12 and trend[-1] == period
    assert all(a.end + timedelta(days=1) == b.start for a, b in pairwise(trend))
    q = quarter(y, (m - 1) // 3 + 1)
    assert parse_period(q.key) == q and period in months_of(q)
    assert parse_period(year(y).key) == year(y)
