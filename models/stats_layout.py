"""Which tables a period publishes, and how their cells are tied together.

`PeriodLayout(linked, counts, vocab, k).build()` turns one period's raw `PeriodCounts` into
`TableSpec`s (codes, true counts, the key of every cell) and registers every count and
every relation a reader could use in the shared `models.suppression.Linked` problem: row,
column and grand totals; totals shown in several tables (new cases, new cases by sex,
closed cases) as one cell; the inequalities of multiple-answer tables (a case can have
several problems, indicators or kinds of assistance); a country's cases against its
regions' cases. Small categories are folded into "other" first when the folded row can be
shown and another category still stands on its own; what a reader still knows of the
folded rows (each 1..k−1, together "other") is registered as unpublished cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.stats_queries import FORCED_LABOUR_CATEGORIES, NOT_RECORDED, OTHER, PeriodCounts
from models.suppression import Key, Linked
from models.vocab import Vocabularies
from translations import N_

TOTAL = "__total__"
COUNT = "count"
ROLES = ("current", "previous", "year_ago")
# What a cell costs to hide, per unit of its value (totals and key figures are precious).
WEIGHT_CELL, WEIGHT_TOTAL, WEIGHT_SHARED, WEIGHT_TREND, WEIGHT_KEY = 1.0, 3.0, 8.0, 4.0, 40.0
SEX_HXL = {"male": "#affected +m", "female": "#affected +f"}
# Referral outcomes shown as columns: every status a sent letter can have.
REFERRAL_OUTCOMES_SKIPPED = ("draft",)

TITLES = {
    "closed_by_reason": N_("Cases closed, by reason"),
    "category_by_sex": N_("New cases by problem and sex"),
    "age_band_by_sex": N_("New cases by age group and sex"),
    "oblast": N_("New cases by oblast of origin"),
    "destination_country": N_("New cases by destination country"),
    "destination_region": N_("New cases by destination city or region"),
    "sector": N_("New cases by sector of work"),
    "forced_labour_indicators": N_(
        "Forced-labour indicators in new cases of forced labour or trafficking"
    ),
    "referrals_by_kind_outcome": N_("Referrals sent, by kind of institution and outcome"),
    "assistance": N_("New cases by assistance given"),
}
NOTES = {
    "category_by_sex": N_(
        "A case can have several problems, so the rows add up to more than the total."
    ),
    "forced_labour_indicators": N_(
        "Counted over the new cases of forced labour or trafficking; a case can show "
        "several indicators."
    ),
    "assistance": N_(
        "A case can receive several kinds of assistance, given by the organisation or "
        "through a referral the institution accepted."
    ),
    "referrals_by_kind_outcome": N_(
        "The outcome is the referral's status on the day the report was made."
    ),
    "destination_region": N_("“Not recorded” includes countries without a list of regions."),
}
FOLDED_TABLES = frozenset(
    {"category_by_sex", "oblast", "destination_country", "destination_region", "sector",
     "referrals_by_kind_outcome"}
)  # fmt: skip


@dataclass
class TableSpec:
    """A table before protection: its codes, true counts and the cell key of each count."""

    key: str
    row_vocab: str | None
    col_vocab: str | None
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    values: dict[tuple[str, str], int]
    cell_keys: dict[tuple[str, str], Key]
    row_total_keys: dict[str, Key] | None = None
    col_total_keys: dict[str, Key] | None = None
    grand_key: Key | None = None
    hxl_row: str = ""
    hxl_cols: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()  # rows folded into "other"
    # Unpublished cells a reader can still reason about (see `PeriodLayout._folding`):
    folded_keys: dict[tuple[str, str], Key] = field(default_factory=dict)
    folded_total_keys: dict[str, Key] = field(default_factory=dict)
    other_before_keys: dict[str, Key] = field(default_factory=dict)  # "other" before folding



def _codes(vocab: Vocabularies, name: str, present: Iterable[str], *, skip=()) -> list[str]:
    """A table's row (or column) codes: the vocabulary, then other/not_recorded if used."""
    listed = [c for c in vocab[name].codes if c not in skip]
    extra = [c for c in (OTHER, NOT_RECORDED) if c in set(present) and c not in listed]
    return listed + extra


def _fold(rows: list[str], values: dict[tuple[str, str], int], cols: list[str], k: int):
    """Fold rows of 1..k−1 cases into "other" when that row can then be shown and some
    other category still stands on its own (else the table would say nothing new)."""
    totals = {r: sum(values.get((r, c), 0) for c in cols) for r in rows}
    small = [r for r in rows if r not in (OTHER, NOT_RECORDED) and 1 <= totals[r] < k]
    other = totals.get(OTHER, 0)
    contributors = len(small) + (1 if other > 0 else 0)
    standing = any(totals[r] >= k for r in rows if r not in (OTHER, NOT_RECORDED))
    if contributors < 2 or not standing or sum(totals[r] for r in small) + other < k:
        return rows, values, ()
    merged = dict(values)
    for r in small:
        for c in cols:
            merged[(OTHER, c)] = merged.get((OTHER, c), 0) + merged.pop((r, c), 0)
    kept = [r for r in rows if r not in small]
    if OTHER not in kept:
        at = kept.index(NOT_RECORDED) if NOT_RECORDED in kept else len(kept)
        kept.insert(at, OTHER)
    return kept, merged, tuple(small)


class PeriodLayout:
    """Registers one period's tables and figures in the shared `Linked` problem."""

    def __init__(self, linked: Linked, counts: PeriodCounts, vocab: Vocabularies, k: int, *,
                 fold: bool = True):  # fmt: skip
        self.linked, self.counts, self.vocab, self.k = linked, counts, vocab, k
        self.fold = fold
        self.pk = counts.period.key
        self.specs: list[TableSpec] = []

    # keys of the figures shared between tables
    def new(self) -> Key:
        return ("new", self.pk)

    def new_sex(self, sex: str) -> Key:
        return ("new_sex", self.pk, sex)

    def build(self) -> list[TableSpec]:
        c, linked, vocab = self.counts, self.linked, self.vocab
        sexes = list(vocab["sex"].codes)
        linked.cell(self.new(), c.new, WEIGHT_KEY)
        linked.cell(("closed", self.pk), c.closed, WEIGHT_KEY)
        linked.cell(("open", self.pk), c.open_at_end, WEIGHT_KEY)
        for sex in sexes:
            linked.cell(self.new_sex(sex), c.new_by_sex.get(sex, 0), WEIGHT_SHARED)
        linked.equal(self.new(), [self.new_sex(s) for s in sexes])

        self._one_way("closed_by_reason", "closure_reason", c.closed_by_reason,
                      ("closed", self.pk), "#status +closure", fold=False)  # fmt: skip
        self._category_by_sex(sexes)
        self._age_band_by_sex(sexes)
        self._one_way("oblast", "oblast", c.oblast, self.new(), "#adm1")
        country = self._one_way("destination_country", "country", c.country, self.new(),
                                "#country")  # fmt: skip
        region = self._one_way("destination_region", "region", c.region, self.new(),
                               "#adm1 +destination")  # fmt: skip
        self._regions_within_countries(country, region)
        self._one_way("sector", "sector", c.sector, self.new(), "#sector +work")
        self._forced_labour()
        self._referrals()
        self._assistance()
        return self.specs

    # --- table shapes ---------------------------------------------------------------------

    def _spec(self, key, row_vocab, col_vocab, rows, cols, values, hxl_row, hxl_cols, folded):
        keys = {(r, col): (self.pk, key, r, col) for r in rows for col in cols}
        spec = TableSpec(key, row_vocab, col_vocab, tuple(rows), tuple(cols), values, keys,
                         hxl_row=hxl_row, hxl_cols=tuple(hxl_cols), folded=folded)  # fmt: skip
        for cell, ckey in keys.items():
            self.linked.cell(ckey, values.get(cell, 0), WEIGHT_CELL)
        self.specs.append(spec)
        return spec

    def _folding(self, spec: TableSpec, before: dict, rows_before: list[str]) -> None:
        """What a reader knows of the folded rows: each was 1..k−1 cases (a cell of it
        0..k−1), and together with what "other" held they make the "other" row."""
        if not spec.folded:
            return
        linked, k, cols = self.linked, self.k, spec.cols
        one_way = len(cols) == 1
        for r in spec.folded:
            for c in cols:
                key = (self.pk, spec.key, r, c, "folded")
                linked.unpublished_cell(key, before.get((r, c), 0), 1 if one_way else 0, k - 1)
                spec.folded_keys[(r, c)] = key
            if one_way:
                spec.folded_total_keys[r] = spec.folded_keys[(r, cols[0])]
            else:
                total = (self.pk, spec.key, r, TOTAL, "folded")
                linked.unpublished_cell(total, sum(before.get((r, c), 0) for c in cols), 1, k - 1)
                linked.equal(total, [spec.folded_keys[(r, c)] for c in cols])
                spec.folded_total_keys[r] = total
        for c in cols:
            parts = [spec.folded_keys[(r, c)] for r in spec.folded]
            if OTHER in rows_before:
                key = (self.pk, spec.key, OTHER, c, "before folding")
                linked.unpublished_cell(key, before.get((OTHER, c), 0), 0, None)
                spec.other_before_keys[c] = key
                parts.append(key)
            linked.equal(spec.cell_keys[(OTHER, c)], parts)

    def _one_way(self, key, vocab_name, counter: Counter, total: Key | None, hxl: str, *,
                 fold: bool = True) -> TableSpec:  # fmt: skip
        rows = _codes(self.vocab, vocab_name, counter)
        values = before = {(r, COUNT): counter.get(r, 0) for r in rows}
        rows_before, folded = rows, ()
        if fold and self.fold and key in FOLDED_TABLES:
            rows, values, folded = _fold(rows, values, [COUNT], self.k)
        spec = self._spec(key, vocab_name, None, rows, [COUNT], values, hxl,
                          ["#affected"], folded)  # fmt: skip
        self._folding(spec, before, rows_before)
        if total is not None:
            spec.grand_key = total
            self.linked.equal(total, [spec.cell_keys[(r, COUNT)] for r in rows])
        return spec

    def _two_way(self, key, row_vocab, col_vocab, rows, cols, values, hxl_row, hxl_cols, *,
                 fold: bool, col_totals: dict[str, Key], grand: Key, linear_cols: bool):
        before, rows_before, folded = values, rows, ()
        if fold and self.fold:
            rows, values, folded = _fold(rows, values, cols, self.k)
        spec = self._spec(key, row_vocab, col_vocab, rows, cols, values, hxl_row, hxl_cols,
                          folded)  # fmt: skip
        self._folding(spec, before, rows_before)
        linked = self.linked
        spec.row_total_keys = {}
        for r in rows:
            rkey = (self.pk, key, r, TOTAL)
            linked.cell(rkey, sum(values.get((r, c), 0) for c in cols), WEIGHT_TOTAL)
            linked.equal(rkey, [spec.cell_keys[(r, c)] for c in cols])
            spec.row_total_keys[r] = rkey
        spec.col_total_keys, spec.grand_key = dict(col_totals), grand
        for c in cols:
            if c not in col_totals:
                continue
            if linear_cols:
                linked.equal(col_totals[c], [spec.cell_keys[(r, c)] for r in rows])
        if linear_cols:
            linked.equal(grand, list(spec.row_total_keys.values()))
        return spec

    def _category_by_sex(self, sexes: list[str]) -> None:
        c, linked = self.counts, self.linked
        present = {cat for cat, _s in c.category_sex}
        rows = _codes(self.vocab, "category", present)
        values = {(r, s): c.category_sex.get((r, s), 0) for r in rows for s in sexes}
        spec = self._two_way(
            "category_by_sex", "category", "sex", rows, sexes, values,
            "#indicator +category", [SEX_HXL.get(s, f"#affected +sex_{s}") for s in sexes],
            fold=True, col_totals={s: self.new_sex(s) for s in sexes}, grand=self.new(),
            linear_cols=False,
        )  # fmt: skip
        # A case has one sex and at least one problem: the problems of each sex add up to
        # at least the cases of that sex, and no problem has more cases than there are.
        # (Folded rows count once each inside "other", so only their own cells obey the
        # second rule.)
        single = [(r, spec.cell_keys, spec.row_total_keys) for r in spec.rows
                  if not (r == OTHER and spec.folded)]  # fmt: skip
        single += [(r, spec.folded_keys, spec.folded_total_keys) for r in spec.folded]
        for s in sexes:
            self._at_least_if_true({**{spec.cell_keys[(r, s)]: 1 for r in spec.rows},
                                    self.new_sex(s): -1})  # fmt: skip
            for r, cells, _totals in single:
                linked.at_least({self.new_sex(s): 1, cells[(r, s)]: -1})
            if s in spec.other_before_keys:
                linked.at_least({self.new_sex(s): 1, spec.other_before_keys[s]: -1})
        for r, _cells, totals in single:
            linked.at_least({self.new(): 1, totals[r]: -1})

    def _age_band_by_sex(self, sexes: list[str]) -> None:
        c = self.counts
        rows = _codes(self.vocab, "age_band", {band for band, _s in c.age_sex})
        values = {(r, s): c.age_sex.get((r, s), 0) for r in rows for s in sexes}
        self._two_way(
            "age_band_by_sex", "age_band", "sex", rows, sexes, values, "#indicator +age_band",
            [SEX_HXL.get(s, f"#affected +sex_{s}") for s in sexes], fold=False,
            col_totals={s: self.new_sex(s) for s in sexes}, grand=self.new(), linear_cols=True,
        )  # fmt: skip

    def _regions_within_countries(self, country: TableSpec, region: TableSpec) -> None:
        """A country's cases are at least the cases in its listed regions."""
        countries = {r: country.cell_keys[(r, COUNT)] for r in country.rows}
        countries.update(country.folded_total_keys)
        regions = {r: region.cell_keys[(r, COUNT)] for r in region.rows}
        regions.update(region.folded_total_keys)
        by_country: dict[str, list[Key]] = {}
        for r, key in regions.items():
            item = self.vocab["region"].get(r)
            if item is not None and item.extra.get("country") in countries:
                by_country.setdefault(item.extra["country"], []).append(key)
        for code, keys in by_country.items():
            self._at_least_if_true({countries[code]: 1, **{k: -1 for k in keys}})

    def _at_least_if_true(self, terms: dict[Key, int]) -> None:
        """An inequality the rules imply but odd data (a case without a problem, a region
        of another country) can break; a broken one tells a reader nothing, so it is left out."""
        values = self.linked.values
        if sum(c * values[key] for key, c in terms.items()) >= 0:
            self.linked.at_least(terms)

    def _forced_labour(self) -> None:
        c, linked = self.counts, self.linked
        base = linked.cell(("forced_labour_cases", self.pk), c.forced_labour_cases, WEIGHT_SHARED)
        spec = self._one_way("forced_labour_indicators", "forced_labour_indicator",
                             c.indicators, None, "#indicator +forced_labour", fold=False)
        spec.grand_key = base
        for r in spec.rows:
            linked.at_least({base: 1, spec.cell_keys[(r, COUNT)]: -1})
        category = next(s for s in self.specs if s.key == "category_by_sex")
        totals = {**(category.row_total_keys or {}), **category.folded_total_keys}
        shown = [totals[code] for code in FORCED_LABOUR_CATEGORIES if code in totals]
        for key in shown:
            linked.at_least({base: 1, key: -1})
        if len(shown) == len(FORCED_LABOUR_CATEGORIES):
            linked.at_least({**{key: 1 for key in shown}, base: -1})

    def _referrals(self) -> None:
        c = self.counts
        rows = _codes(self.vocab, "institution_kind", {kind for kind, _s in c.referrals})
        cols = _codes(self.vocab, "referral_status", {s for _k, s in c.referrals},
                      skip=REFERRAL_OUTCOMES_SKIPPED)  # fmt: skip
        values = {(r, s): c.referrals.get((r, s), 0) for r in rows for s in cols}
        grand = self.linked.cell(("referrals", self.pk), sum(c.referrals.values()), WEIGHT_SHARED)
        col_totals = {}
        for s in cols:
            key = (self.pk, "referrals_by_kind_outcome", TOTAL, s)
            self.linked.cell(key, sum(values[(r, s)] for r in rows), WEIGHT_TOTAL)
            col_totals[s] = key
        self.linked.equal(grand, list(col_totals.values()))
        self._two_way(
            "referrals_by_kind_outcome", "institution_kind", "referral_status", rows, cols,
            values, "#org +type", [f"#output +referrals +{s}" for s in cols], fold=True,
            col_totals=col_totals, grand=grand, linear_cols=True,
        )  # fmt: skip

    def _assistance(self) -> None:
        spec = self._one_way("assistance", "assistance", self.counts.assistance, None,
                             "#service", fold=False)  # fmt: skip
        for r in spec.rows:
            self.linked.at_least({self.new(): 1, spec.cell_keys[(r, COUNT)]: -1})
