"""Small-cell protection: no hidden count can be worked out from what a report publishes.

A reader knows the rules: a "<k" cell is 1..k−1, a "…" cell is at least k, zeros are shown,
totals are sums of their parts, a total shown in several tables is the same number, open
cases at the end = open before + new − closed, a quarter's new cases are its months. For
every hidden "<k" cell we check the proof the protection returns — a second set of counts
that fits everything published, with that cell changed — against relations this test
derives from the published tables itself, and on tiny tables we also enumerate every
consistent completion. We also check that every published number equals a direct count
and that zeros stay visible.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.periods import month, previous_period, quarter, trend_months, year, year_before
from models.stats_build import COUNT, OTHER, Assembly, assemble
from models.stats_types import Cell
from models.suppression import Linked
from tests.unit.stats_cases import VOCAB, case_sets, direct_counts, direct_trend

DATA = Path(__file__).parent / "data"

K_VALUES = st.sampled_from((3, 5, 5, 11))
LINEAR_TWO_WAY = ("age_band_by_sex", "referrals_by_kind_outcome")
ONE_WAY_WITH_TOTAL = (
    "closed_by_reason", "oblast", "destination_country", "destination_region", "sector",
)  # fmt: skip
NEW_CASE_TABLES = ("category_by_sex", "age_band_by_sex", "oblast", "destination_country",
                   "destination_region", "sector")  # fmt: skip


# --- checking a proof ---------------------------------------------------------------------


def _bounds_hold(key, value: int, protection, k: int, unpublished: Mapping) -> bool:
    if key in protection.blackout:  # everything tied to it hidden, zeros included
        return value >= 0
    if key in protection.primary:
        return 1 <= value <= k - 1
    if key in protection.secondary:
        return value >= k
    if key in unpublished:  # never shown; what a reader knows of it
        low, high = unpublished[key]
        return low <= value and (high is None or value <= high)
    return value >= 1  # withheld: a small count shown as "…"


def check_witnesses(
    values: Mapping, protection, k: int, equalities, inequalities, unpublished=None
) -> None:
    """Every small hidden cell has a move that keeps all relations and bounds and changes it."""
    unpublished = unpublished or {}
    assert set(protection.unpublished) == set(unpublished)
    small = {key for key in protection.withheld | protection.unpublished if 1 <= values[key] < k}
    assert set(protection.witness) == protection.primary | small
    for terms in equalities:  # the true counts obey every relation
        assert sum(c * values[key] for key, c in terms.items()) == 0, terms
    for terms in inequalities:
        assert sum(c * values[key] for key, c in terms.items()) >= 0, terms
    touching: dict = {}
    for kind, relations in (("=", equalities), (">=", inequalities)):
        for terms in relations:
            for key in terms:
                touching.setdefault(key, []).append((kind, terms))
    for cell, move in protection.witness.items():
        assert move.get(cell, 0) != 0, cell
        changed = dict(values)
        for key, step in move.items():
            assert protection.hidden(key), f"the move for {cell} changes published {key}"
            changed[key] = values[key] + step
            assert _bounds_hold(key, changed[key], protection, k, unpublished), (
                cell, key, changed[key])  # fmt: skip
        # Relations the move does not touch still hold: they were checked above.
        for kind, terms in (r for key in move for r in touching.get(key, ())):
            total = sum(c * changed[key] for key, c in terms.items())
            assert total == 0 if kind == "=" else total >= 0, (cell, terms)


def _holds(values, terms, *, at_least=False) -> bool:
    total = sum(c * values[key] for key, c in terms.items())
    return total >= 0 if at_least else total == 0


def report_relations(asm: Assembly):
    """The relations a reader can derive from the published tables of a report, and the
    bounds a reader knows of the counts folded into "other"."""
    eq, ineq, bounds = [], [], {}
    values, k = asm.linked.values, asm.report.k

    def equal(total, parts):
        terms = {total: -1}
        for p in parts:
            terms[p] = terms.get(p, 0) + 1
        eq.append(terms)

    for role, specs in asm.specs.items():
        tables = {s.key: s for s in specs}
        new = asm.figure_keys[role]["new_cases"]
        for s in specs:
            if s.row_total_keys is not None:
                for r in s.rows:
                    equal(s.row_total_keys[r], [s.cell_keys[(r, c)] for c in s.cols])
            if s.key in LINEAR_TWO_WAY:
                for c in s.cols:
                    equal(s.col_total_keys[c], [s.cell_keys[(r, c)] for r in s.rows])
                equal(s.grand_key, [s.row_total_keys[r] for r in s.rows])
                equal(s.grand_key, [s.col_total_keys[c] for c in s.cols])
            if s.key in ONE_WAY_WITH_TOTAL:
                equal(s.grand_key, [s.cell_keys[(r, COUNT)] for r in s.rows])
            if s.key in NEW_CASE_TABLES:
                assert s.grand_key == new  # one "new cases" number everywhere
            # Folded rows: each had 1..k−1 cases (a cell 0..k−1); with what "other" held
            # they make the shown "other" row.
            one_way = len(s.cols) == 1
            assert set(s.folded_total_keys) == set(s.folded)
            for r in s.folded:
                for c in s.cols:
                    bounds[s.folded_keys[(r, c)]] = (1 if one_way else 0, k - 1)
                bounds[s.folded_total_keys[r]] = (1, k - 1)
                if not one_way:
                    equal(s.folded_total_keys[r], [s.folded_keys[(r, c)] for c in s.cols])
            for key in s.other_before_keys.values():
                bounds[key] = (0, None)
            if s.folded:
                for c in s.cols:
                    parts = [s.folded_keys[(r, c)] for r in s.folded]
                    if c in s.other_before_keys:
                        parts.append(s.other_before_keys[c])
                    equal(s.cell_keys[(OTHER, c)], parts)
        assert tables["closed_by_reason"].grand_key == asm.figure_keys[role]["closed"]
        cat, age = tables["category_by_sex"], tables["age_band_by_sex"]
        assert cat.col_total_keys == age.col_total_keys  # one "new cases by sex" row
        singles = [cat.cell_keys[(r, sex)] for r in cat.rows for sex in cat.cols
                   if not (r == OTHER and cat.folded)]  # fmt: skip
        for sex, total in cat.col_total_keys.items():
            ineq.append({**{cat.cell_keys[(r, sex)]: 1 for r in cat.rows}, total: -1})
            for r in cat.rows:
                if not (r == OTHER and cat.folded):
                    ineq.append({total: 1, cat.cell_keys[(r, sex)]: -1})
            for r in cat.folded:
                ineq.append({total: 1, cat.folded_keys[(r, sex)]: -1})
        assert singles
        fl = tables["forced_labour_indicators"]
        for r in fl.rows:
            ineq.append({fl.grand_key: 1, fl.cell_keys[(r, COUNT)]: -1})
        for r in tables["assistance"].rows:
            ineq.append({new: 1, tables["assistance"].cell_keys[(r, COUNT)]: -1})
        country, region = tables["destination_country"], tables["destination_region"]
        for code in country.rows:
            regions = [region.cell_keys[(r, COUNT)] for r in region.rows
                       if (VOCAB["region"].get(r) and
                           VOCAB["region"].get(r).extra.get("country") == code)]  # fmt: skip
            if regions:
                ineq.append({country.cell_keys[(code, COUNT)]: 1, **{x: -1 for x in regions}})
    cur, prev = asm.figure_keys["current"], asm.figure_keys["previous"]
    eq.append({cur["open_at_end"]: 1, cur["closed"]: 1, prev["open_at_end"]: -1,
               cur["new_cases"]: -1})  # fmt: skip
    report = asm.report
    months = {p.period.key for p in report.trend}
    from models.periods import months_of

    for role, period in (("current", report.period), ("previous", report.previous.period)):
        parts = [m.key for m in months_of(period)]
        if period.kind != "month" and all(m in months for m in parts):
            equal(asm.figure_keys[role]["new_cases"], [("new", m) for m in parts])
    # A reader cannot use a relation the data does not obey (odd data); keep the true ones.
    eq = [t for t in eq if _holds(values, t)]
    ineq = [t for t in ineq if _holds(values, t, at_least=True)]
    return eq, ineq, bounds


# --- the engine on random linked tables --------------------------------------------------


@st.composite
def linked_tables(draw):
    """Two tables sharing their column totals and grand total, plus a one-way table."""
    k = draw(K_VALUES)
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    small = st.integers(0, 2 * k)
    a = [[draw(small) for _ in range(cols)] for _ in range(rows)]
    b_rows = draw(st.integers(1, 4))
    # table b has the same column totals: split each column total over b's rows
    b = [[0] * cols for _ in range(b_rows)]
    for c in range(cols):
        for _ in range(sum(a[r][c] for r in range(rows))):
            b[draw(st.integers(0, b_rows - 1))][c] += 1
    grand = sum(map(sum, a))
    one = [0] * draw(st.integers(1, 5))
    for _ in range(grand):
        one[draw(st.integers(0, len(one) - 1))] += 1
    return k, a, b, one


def _build(k, a, b, one):
    L = Linked(k)
    eqs = []

    def equal(total, parts):
        L.equal(total, parts)
        t = {total: -1}
        for p in parts:
            t[p] = t.get(p, 0) + 1
        eqs.append(t)

    cols = len(a[0])
    for c in range(cols):
        L.cell(("col", c), sum(row[c] for row in a), 3)
    L.cell("grand", sum(map(sum, a)), 10)
    for name, table in (("a", a), ("b", b)):
        for r, row in enumerate(table):
            for c, v in enumerate(row):
                L.cell((name, r, c), v)
            L.cell((name, r, "T"), sum(row), 3)
            equal((name, r, "T"), [(name, r, c) for c in range(cols)])
        for c in range(cols):
            equal(("col", c), [(name, r, c) for r in range(len(table))])
        equal("grand", [(name, r, "T") for r in range(len(table))])
    for i, v in enumerate(one):
        L.cell(("one", i), v)
    equal("grand", [("one", i) for i in range(len(one))])
    return L, eqs


@given(linked_tables())
@settings(max_examples=300, deadline=None)
def test_every_hidden_cell_of_linked_tables_has_a_valid_proof(data):
    k, a, b, one = data
    L, eqs = _build(k, a, b, one)
    protection = L.protect()
    values = L.values
    small = {key for key, v in values.items() if 1 <= v < k}
    assert protection.primary | (protection.withheld & small) == small
    assert not protection.primary & protection.withheld
    assert all(values[key] >= k for key in protection.secondary)
    assert protection.withheld - protection.blackout <= small
    check_witnesses(values, protection, k, eqs, [])


def _completions_differ(values, hidden, protection, k, eqs, target, limit) -> bool:
    """Brute force: do two completions of the hidden cells give `target` different values?"""
    hidden = sorted(hidden, key=str)
    ranges = []
    for key in hidden:
        if key in protection.primary:
            ranges.append(range(1, k))
        elif key in protection.withheld:
            ranges.append(range(1, limit + 1))
        else:
            ranges.append(range(k, limit + 1))
    if math.prod(len(r) for r in ranges) > 300_000:
        return True  # too many to enumerate here; the proof check covers this table
    seen = set()
    for combo in itertools.product(*ranges):
        trial = dict(values)
        trial.update(zip(hidden, combo, strict=True))
        if all(sum(c * trial[x] for x, c in t.items()) == 0 for t in eqs):
            seen.add(trial[target])
            if len(seen) > 1:
                return True
    return False


@given(st.integers(1, 2), st.integers(1, 3), st.sampled_from((3, 4)), st.data())
@settings(max_examples=100, deadline=None)
def test_tiny_tables_by_enumerating_every_completion(rows, cols, k, data):
    a = [[data.draw(st.integers(0, 2 * k)) for _ in range(cols)] for _ in range(rows)]
    L, eqs = _build(k, a, [row[:] for row in a], [sum(map(sum, a))])
    protection = L.protect()
    hidden = protection.primary | protection.secondary | protection.withheld
    if len(hidden) > 7:
        return  # too many to enumerate; the proof check covers it
    limit = sum(map(sum, a)) + k
    for target in protection.primary | protection.withheld:
        assert _completions_differ(L.values, hidden, protection, k, eqs, target, limit), target


def test_a_lone_small_cell_needs_a_rectangle():
    L, eqs = _build(5, [[20, 3, 15], [10, 12, 8], [7, 9, 30]], [[37, 24, 53]], [114])
    protection = L.protect()
    assert protection.primary == {("a", 0, 1)}
    assert len(protection.secondary) >= 3
    check_witnesses(L.values, protection, 5, eqs, [])


def test_a_column_of_ones_is_protected_without_hiding_the_headline_total():
    """Seven age bands × sex, the "unknown sex" column all ones (so its cells can only
    move with its total), the sex totals shared with a second table, the grand total
    (the report's headline "new cases") shared with an oblast table. The cheap proof is
    a short loop through the sex totals; the headline total stays published (a free
    depth-first search once closed its loop through it)."""
    k = 5
    men = [15, 80, 200, 168, 115, 54, 28]
    women = [6, 41, 109, 98, 59, 20, 19]
    unknown = [1] * 7
    oblasts = [58, 63, 66, 68, 88, 107, 170, 173, 226]
    L = Linked(k)
    new = L.cell("new", sum(men) + sum(women) + 7, 40.0)
    sexes = {"m": L.cell(("sex", "m"), sum(men), 10.0),
             "f": L.cell(("sex", "f"), sum(women), 10.0),
             "u": L.cell(("sex", "u"), 7, 10.0)}  # fmt: skip
    eqs = [{new: -1, **{key: 1 for key in sexes.values()}}]
    L.equal(new, sexes.values())
    for col, values in (("m", men), ("f", women), ("u", unknown)):
        cells = [L.cell(("age", band, col), v) for band, v in enumerate(values)]
        L.equal(sexes[col], cells)
        eqs.append({sexes[col]: -1, **{c: 1 for c in cells}})
    rows = []
    for band in range(7):
        row = [("age", band, col) for col in "mfu"]
        total = L.cell(("age", band, "all"), sum(L.values[c] for c in row), 2.0)
        L.equal(total, row)
        eqs.append({total: -1, **{c: 1 for c in row}})
        rows.append(total)
    L.equal(new, rows)
    eqs.append({new: -1, **{r: 1 for r in rows}})
    places = [L.cell(("oblast", i), v) for i, v in enumerate(oblasts)]
    L.equal(new, places)
    eqs.append({new: -1, **{c: 1 for c in places}})
    protection = L.protect()
    assert protection.primary == {("age", band, "u") for band in range(7)}
    assert new not in protection.secondary
    assert not protection.withheld
    check_witnesses(L.values, protection, k, eqs, [])


def test_a_demo_month_keeps_its_headline_figures():
    """The cells and relations of a real report (October 2026 of a 20,000-case demo: three
    periods, the trend, every table; saved from `compute_assembly`). Its sex-unknown
    column of the age table is all ones, and a depth-first search left free to grow once
    closed its proof through "new cases" and "closed", hiding both headline figures."""
    raw = json.loads(gzip.decompress((DATA / "suppression_demo_month.json.gz").read_bytes()))
    keys = [tuple(k) if isinstance(k, list) else k for k in raw["keys"]]
    L = Linked(raw["k"])
    for key, value, weight in zip(keys, raw["values"], raw["weights"], strict=True):
        L.cell(key, value, weight)
    unpublished = {}
    for i, low, high in raw["unpublished"]:
        L.unpublished[keys[i]] = unpublished[keys[i]] = (low, high)
    eqs = [{keys[i]: c for i, c in eq} for eq in raw["equations"]]
    ineqs = [{keys[i]: c for i, c in q} for q in raw["inequalities"]]
    for terms in eqs:
        L.linear(terms)
    for terms in ineqs:
        L.at_least(terms)
    protection = L.protect()
    for headline in (("new", "2026-10"), ("closed", "2026-10"), ("open", "2026-10")):
        assert not protection.hidden(headline), headline
    check_witnesses(L.values, protection, raw["k"], eqs, ineqs, unpublished)


def test_k_below_three_is_refused():
    with pytest.raises(ValueError):
        Linked(2)


# --- whole reports from random case sets -------------------------------------------------

PERIODS = st.sampled_from((month(2026, 3), month(2025, 12), quarter(2026, 1), year(2025)))


def _assemble(cases, period, k) -> tuple[Assembly, dict]:
    periods = {"current": period, "previous": previous_period(period),
               "year_ago": year_before(period)}  # fmt: skip
    counts = {role: direct_counts(cases, p) for role, p in periods.items()}
    months = trend_months(period)
    asm = assemble(
        counts,
        direct_trend(cases, months),
        months,
        vocab=VOCAB,
        k=k,
        organisation="Test NGO",
        generated_on=period.end,
        software_version="t",
    )
    return asm, counts  # fmt: skip


def _expected_row(counter, spec, row: str, col: str):
    """The direct count behind a published cell, folding included."""
    key = row if col == COUNT else (row, col)
    get = lambda r: counter.get(r if col == COUNT else (r, col), 0)  # noqa: E731
    if row == OTHER and spec.folded:
        return get(OTHER) + sum(get(r) for r in spec.folded)
    return counter.get(key, 0)


SOURCES = {
    "closed_by_reason": "closed_by_reason", "category_by_sex": "category_sex",
    "age_band_by_sex": "age_sex", "oblast": "oblast", "destination_country": "country",
    "destination_region": "region", "sector": "sector", "forced_labour_indicators": "indicators",
    "referrals_by_kind_outcome": "referrals", "assistance": "assistance",
}  # fmt: skip


def check_published_equals_direct(asm: Assembly, counts) -> None:
    """Every number shown equals a direct count; hidden cells are exactly the rules' ones."""
    k, protection = asm.report.k, asm.protection

    def check(cell: Cell, expected: int, key) -> None:
        assert asm.linked.values[key] == expected, key
        if key in protection.blackout:  # the last resort: everything tied to it hidden
            assert cell.value is None and not (cell.primary or cell.secondary)
        elif expected == 0:
            assert cell == Cell(0), "zeros stay visible"
        elif expected < k:
            assert cell.value is None and not cell.secondary, (cell, expected)
            assert cell.primary == (key not in protection.withheld)
        else:
            assert cell.value in (None, expected) and not cell.primary, (cell, expected)
            assert (cell.value is None) == cell.secondary

    reports = {"current": asm.report, "previous": asm.report.previous,
               "year_ago": asm.report.year_ago}  # fmt: skip
    for role, report in reports.items():
        c = counts[role]
        figures = {"new_cases": c.new, "open_at_end": c.open_at_end, "closed": c.closed}
        for name, expected in figures.items():
            check(report.figure(name).value, expected, asm.figure_keys[role][name])
        assert report.figure("excluded_no_consent").value == Cell(c.excluded_no_consent)
        assert report.excluded_no_consent == c.excluded_no_consent
        median = report.figure("median_days_to_resolution").value
        assert (median.value is None) == (c.closed < k)
        for spec, table in zip(asm.specs[role], report.tables, strict=True):
            assert spec.key == table.key
            counter = getattr(c, SOURCES[spec.key])
            for i, r in enumerate(table.rows):
                for j, col in enumerate(table.cols):
                    expected = _expected_row(counter, spec, r, col)
                    check(table.cells[i][j], expected, spec.cell_keys[(r, col)])
                if table.row_totals is not None:
                    expected = sum(_expected_row(counter, spec, r, col) for col in table.cols)
                    check(table.row_totals[i], expected, spec.row_total_keys[r])
            if table.key in ("category_by_sex", "age_band_by_sex"):
                for j, sex in enumerate(table.cols):
                    check(table.col_totals[j], c.new_by_sex.get(sex, 0), spec.col_total_keys[sex])
            if table.key == "forced_labour_indicators":
                check(table.grand_total, c.forced_labour_cases, spec.grand_key)
            if table.key == "referrals_by_kind_outcome":
                check(table.grand_total, sum(c.referrals.values()), spec.grand_key)
    for point in asm.report.trend:
        key = ("new", point.period.key)
        assert point.new_cases == Cell(asm.linked.values[key]) or point.new_cases.value is None


@given(case_sets(max_size=45), PERIODS, K_VALUES)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_reports_from_random_cases_publish_direct_counts_and_hide_nothing_recoverable(
    cases, period, k
):  # fmt: skip
    asm, counts = _assemble(cases, period, k)
    check_published_equals_direct(asm, counts)
    equalities, inequalities, unpublished = report_relations(asm)
    check_witnesses(asm.linked.values, asm.protection, k, equalities, inequalities, unpublished)


def test_small_categories_fold_into_other_when_that_shows_more():
    from tests.unit.stats_cases import FakeCase

    def case(sector, n):
        return [FakeCase(opened_on=month(2026, 3).start, closed_on=None, closure_reason=None,
                         consent=True, sex="male", birth_date=None, birth_year=None,
                         oblast="chuy", country="ru", region="moscow", sector=sector,
                         categories=["registration"], indicators=[], assistance=[])
                for _ in range(n)]  # fmt: skip

    cases = (
        case("trade", 30) + case("construction", 12) + case("transport", 2) + case("hospitality", 3)
    )
    asm, _counts = _assemble(cases, month(2026, 3), 5)
    sector = asm.report.table("sector")
    assert "transport" not in sector.rows and "hospitality" not in sector.rows
    assert sector.cell("other", "count") == Cell(5)
    assert sector.cell("agriculture", "count") == Cell(0)
    assert asm.report.extra["folded"]["sector"] == ["hospitality", "transport"]
    # a single small category with nothing to fold it with stays, hidden
    asm, _counts = _assemble(case("trade", 30) + case("transport", 2), month(2026, 3), 5)
    sector = asm.report.table("sector")
    assert sector.cell("transport", "count").primary
    assert sector.cell("trade", "count").value is None  # the only way to hide it
