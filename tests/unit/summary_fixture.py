"""A hand-built, realistic `StatsReport` for the summary PDF, chart and narrative tests.

Test data only: the numbers are invented to look like a month of a mid-sized organisation.
Suppression is applied here by hand (counts 1..k-1 hidden as primary, some larger cells
hidden as secondary), and the true values of every hidden cell are kept in `HIDDEN` so the
tests can check that no output shows them or lets them be worked out from totals. The
secondary cells have unusual sizes (4 321, 2 718…) so that a leak would be recognisable.
"""

from __future__ import annotations

import functools
import gettext
import io
from datetime import date
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import translations
from models.stats_types import Cell, KeyFigure, Period, StatsReport, StatTable, TrendPoint
from translations import N_

K = 5
ORGANISATION = "Түштүк көмөк борбору"
VERSION = "0.9.3"
PERIOD = Period("month", date(2026, 10, 1), date(2026, 10, 31))

# (table key, row, column) -> true value, for every hidden cell of the fixture
HIDDEN: dict[tuple[str, str, str], int] = {}
# Sums that a careless renderer could print: grand total minus the published cells.
LEAK_SUMS: set[int] = set()


def _one_column(
    key: str,
    title: str,
    vocab: str,
    counts: dict[str, int],
    *,
    secondary: tuple[str, ...] = (),
    hxl: str = "",
    note: str = "",
) -> StatTable:
    """A one-column table with primary and chosen secondary suppression and a total."""
    cells = []
    published_sum = 0
    for code, value in counts.items():
        if 0 < value < K:
            cells.append((Cell(None, primary=True),))
            HIDDEN[(key, code, "count")] = value
        elif code in secondary:
            cells.append((Cell(None, secondary=True),))
            HIDDEN[(key, code, "count")] = value
        else:
            cells.append((Cell(value),))
            published_sum += value
    total = sum(counts.values())
    if total != published_sum:
        LEAK_SUMS.add(total - published_sum)
    return StatTable(
        key=key,
        title=title,
        row_vocab=vocab,
        col_vocab=None,
        rows=tuple(counts),
        cols=("count",),
        cells=tuple(cells),
        grand_total=Cell(total),
        hxl_row=hxl,
        hxl_cols=("#affected",),
        note=note,
    )


def _by_sex(
    key: str,
    title: str,
    vocab: str,
    counts: dict[str, tuple[int, int, int, int]],
    *,
    secondary: dict[str, str],
    note: str = "",
    grand_total: int | None = None,
) -> StatTable:
    """A rows × sex table: primary 1..k-1, `secondary` {row: sex} hidden too; totals."""
    sexes = ("male", "female", "other", "unknown")
    rows, row_totals = [], []
    col_sum = dict.fromkeys(sexes, 0)
    col_published = dict.fromkeys(sexes, 0)
    col_hidden = dict.fromkeys(sexes, False)
    for code, values in counts.items():
        row, published_sum, hidden = [], 0, False
        for sex, value in zip(sexes, values, strict=True):
            col_sum[sex] += value
            if 0 < value < K:
                row.append(Cell(None, primary=True))
                HIDDEN[(key, code, sex)] = value
                hidden = col_hidden[sex] = True
            elif secondary.get(code) == sex:
                row.append(Cell(None, secondary=True))
                HIDDEN[(key, code, sex)] = value
                hidden = col_hidden[sex] = True
            else:
                row.append(Cell(value))
                published_sum += value
                col_published[sex] += value
        rows.append(tuple(row))
        total = sum(values)
        row_totals.append(Cell(total))
        if hidden:
            LEAK_SUMS.add(total - published_sum)
    col_totals = []
    for sex in sexes:
        col_totals.append(Cell(col_sum[sex]))
        if col_hidden[sex]:
            LEAK_SUMS.add(col_sum[sex] - col_published[sex])
    total = grand_total if grand_total is not None else sum(col_sum.values())
    return StatTable(
        key=key,
        title=title,
        row_vocab=vocab,
        col_vocab="sex",
        rows=tuple(counts),
        cols=sexes,
        cells=tuple(rows),
        row_totals=tuple(row_totals),
        col_totals=tuple(col_totals),
        grand_total=Cell(total),
        hxl_row=f"#{vocab}",
        hxl_cols=("#affected +m", "#affected +f", "#affected +x", "#affected +unknown"),
        note=note,
    )


def _tables() -> tuple[StatTable, ...]:
    categories = {
        "registration": (198, 71, 0, 2),
        "residence_permit": (61, 22, 0, 0),
        "employment_contract": (84, 30, 0, 0),
        "entry_ban": (97, 12, 0, 0),
        "controlled_registry": (40, 11, 0, 0),
        "expulsion": (22, 3, 0, 0),
        "detention": (16, 0, 0, 0),
        "unpaid_wages": (231, 88, 0, 1),
        "fraud": (45, 27, 0, 0),
        "documents_withheld": (38, 19, 0, 0),
        "forced_labour": (12, 6, 0, 0),
        "trafficking": (3, 2, 0, 0),
        "violence": (9, 14, 0, 0),
        "health": (27, 18, 0, 0),
        "death_repatriation": (8, 0, 0, 0),
        "children_family": (6, 31, 0, 0),
        "lost_documents": (52, 20, 0, 0),
        "pension_social": (0, 0, 0, 0),
        "discrimination": (0, 2, 0, 0),
        "return_reintegration": (14, 9, 0, 0),
        "other": (11, 5, 0, 0),
    }
    ages = {
        "age_0_17": (2, 7, 0, 0),
        "age_18_24": (71, 38, 0, 0),
        "age_25_34": (208, 97, 0, 1),
        "age_35_44": (190, 71, 0, 2),
        "age_45_54": (96, 41, 0, 0),
        "age_55_plus": (30, 31, 0, 0),
        "unknown": (12, 6, 0, 9),
    }
    referrals = {
        "consulate": (40, 12, 6, 3, 0, 0, 9, 0),
        "labour_inspectorate": (22, 9, 5, 0, 2, 3, 0, 0),
        "ngo_legal_aid": (15, 0, 14, 0, 0, 0, 6, 0),
        "migration_authority": (11, 4, 0, 0, 0, 1, 0, 0),
    }
    statuses = (
        "sent",
        "acknowledged",
        "accepted",
        "declined",
        "no_response",
        "revoked",
        "done",
        "draft",
    )
    ref_rows, ref_totals = [], []
    col_sum = [0] * len(statuses)
    for code, values in referrals.items():
        row = []
        for n, value in enumerate(values):
            col_sum[n] += value
            if 0 < value < K:
                row.append(Cell(None, primary=True))
                HIDDEN[("referrals_by_kind_outcome", code, statuses[n])] = value
            else:
                row.append(Cell(value))
        ref_rows.append(tuple(row))
        ref_totals.append(
            Cell(None, secondary=True) if code == "migration_authority" else Cell(sum(values))
        )
    HIDDEN[("referrals_by_kind_outcome", "migration_authority", "total")] = sum(
        referrals["migration_authority"]
    )
    return (
        _by_sex(
            "category_by_sex",
            N_("Problems by sex"),
            "category",
            categories,
            secondary={},
            grand_total=1000,
            note=N_("A case can have several problems."),
        ),
        _by_sex(
            "age_band_by_sex",
            N_("Age band by sex"),
            "age_band",
            ages,
            secondary={"age_55_plus": "female"},
        ),
        _one_column(
            "oblast",
            N_("Oblast of origin"),
            "oblast",
            {
                "batken": 118,
                "chuy": 171,
                "jalal_abad": 214,
                "naryn": 3,
                "osh_oblast": 231,
                "talas": 4321,
                "issyk_kul": 39,
                "bishkek": 88,
                "osh_city": 92,
            },
            secondary=("talas",),
        ),
        _one_column(
            "destination_country",
            N_("Country of work"),
            "country",
            {
                "ru": 812,
                "kz": 121,
                "tr": 29,
                "kr": 14,
                "ae": 8,
                "gb": 2,
                "de": 0,
                "us": 1,
                "other": 13,
            },
            secondary=("ae",),
        ),
        _one_column(
            "destination_region",
            N_("City or region of work"),
            "region",
            {
                "moscow": 402,
                "moscow_oblast": 131,
                "saint_petersburg": 96,
                "yekaterinburg": 54,
                "novosibirsk": 37,
                "kazan": 21,
                "krasnoyarsk": 11,
                "irkutsk": 6,
                "surgut": 9,
                "tyumen": 7,
                "yakutsk": 3,
                "vladivostok": 5,
                "other_ru": 30,
                "almaty": 71,
                "astana": 38,
                "shymkent": 9,
                "other_kz": 3,
                "other": 57,
            },
        ),
        _one_column(
            "sector",
            N_("Sector of work"),
            "sector",
            {
                "construction": 2718,
                "trade": 289,
                "services": 188,
                "domestic_work": 2,
                "hospitality": 77,
                "transport": 64,
                "agriculture": 31,
                "manufacturing": 28,
                "other": 41,
            },
            secondary=("construction",),
        ),
        _one_column(
            "forced_labour_indicators",
            N_("Forced-labour indicators"),
            "forced_labour_indicator",
            {
                "abuse_of_vulnerability": 9,
                "deception": 14,
                "restriction_of_movement": 6,
                "isolation": 3,
                "physical_sexual_violence": 2,
                "intimidation_threats": 8,
                "retention_of_documents": 15,
                "withholding_of_wages": 17,
                "debt_bondage": 5,
                "abusive_conditions": 11,
                "excessive_overtime": 12,
            },
        ),
        _one_column(
            "closed_by_reason",
            N_("Closed cases by reason"),
            "closure_reason",
            {
                "resolved": 301,
                "unresolved": 42,
                "lost_contact": 57,
                "client_withdrew": 12,
                "referred_out": 29,
                "duplicate": 4,
            },
        ),
        StatTable(
            key="referrals_by_kind_outcome",
            title=N_("Referrals by kind and outcome"),
            row_vocab="institution_kind",
            col_vocab="referral_status",
            rows=tuple(referrals),
            cols=statuses,
            cells=tuple(ref_rows),
            row_totals=tuple(ref_totals),
            col_totals=tuple(Cell(v) for v in col_sum),
            grand_total=Cell(sum(col_sum)),
            hxl_row="#org +type",
        ),
        _one_column(
            "assistance",
            N_("Assistance given"),
            "assistance",
            {
                "information": 611,
                "legal_aid": 214,
                "documents": 180,
                "labour_dispute": 97,
                "medical": 21,
                "shelter": 4,
                "psychosocial": 18,
                "emergency_money": 7,
                "return_assistance": 12,
                "family_tracing": 0,
                "repatriation_of_remains": 3,
            },
            note=N_("A case can receive several kinds of assistance."),
        ),
    )


def _trend() -> tuple[TrendPoint, ...]:
    values = [781, 803, 842, 910, 955, 4, 871, 902, 950, 899, 925, 1000]
    points = []
    for n, value in enumerate(values):
        month = (10 + n) % 12 + 1  # Nov 2025 … Oct 2026
        year = 2025 if month >= 11 else 2026
        end_day = 30 if month in (4, 6, 9, 11) else 28 if month == 2 else 31
        period = Period("month", date(year, month, 1), date(year, month, end_day))
        cell = Cell(None, primary=True) if 0 < value < K else Cell(value)
        points.append(TrendPoint(period, cell))
    return tuple(points)


def sample_report(*, k: int = K) -> StatsReport:
    """The fixture report for October 2026 (k = 5) with its previous month."""
    previous = StatsReport(
        period=Period("month", date(2026, 9, 1), date(2026, 9, 30)),
        k=k,
        organisation=ORGANISATION,
        generated_on=date(2026, 11, 3),
        key_figures=(KeyFigure("new_cases", N_("New cases"), Cell(925)),),
        tables=(),
    )
    figures = (
        KeyFigure(
            "new_cases",
            N_("New cases opened in the period"),
            Cell(1000),
            previous=Cell(925),
            year_ago=Cell(812),
        ),
        KeyFigure(
            "open_at_end",
            N_("Cases open at the end of the period"),
            Cell(3174),
            previous=Cell(3019),
            year_ago=Cell(2644),
        ),
        KeyFigure(
            "closed",
            N_("Cases closed in the period"),
            Cell(445),
            previous=Cell(470),
            year_ago=Cell(None, primary=True),
        ),
        KeyFigure(
            "median_days_to_resolution",
            N_("Median days from opening to closing"),
            Cell(23),
            previous=Cell(26),
        ),
        KeyFigure(
            "excluded_no_consent",
            N_("Cases not counted: no consent to statistics"),
            Cell(37),
            previous=Cell(41),
        ),
    )
    return StatsReport(
        period=PERIOD,
        k=k,
        organisation=ORGANISATION,
        generated_on=date(2026, 11, 3),
        key_figures=figures,
        tables=_tables(),
        trend=_trend(),
        previous=previous,
        excluded_no_consent=37,
        software_version=VERSION,
    )


PENDING = Path(__file__).resolve().parents[2] / ".pending-translations"


@functools.cache
def document_catalog(language: str) -> gettext.NullTranslations:
    """The shipped catalog for `language`, plus the summary's translations still waiting to
    be merged into it (`.pending-translations/summary.<lang>.po`), so that tests see the
    Kyrgyz and Russian texts before and after the merge alike.
    """
    base = translations.CATALOG_DIR / language / "LC_MESSAGES" / "komok.po"
    with base.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    pending = PENDING / f"summary.{language}.po"
    if pending.exists():
        with pending.open("rb") as fh:
            extra = read_po(fh, locale=language)
        for message in extra:
            if message.id and not catalog.get(message.id):
                catalog[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
