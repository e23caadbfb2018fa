"""The summary's charts: valid SVG with text labels, and hidden cells never drawn to size."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics.shapes import Drawing, Rect, String

from models.stats_types import Cell, StatTable
from reports import charts, narrative
from reports.charts import Bar, Series
from reports.narrative import DocumentWords
from tests.unit.summary_fixture import HIDDEN, LEAK_SUMS, document_catalog, sample_report

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def catalogs(monkeypatch):
    monkeypatch.setattr(narrative, "translations_for", document_catalog)


def _svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def _bars(drawing: Drawing, colour=charts.BAR) -> list[Rect]:
    return [s for s in drawing.contents if isinstance(s, Rect) and s.fillColor == colour]


def _strings(drawing: Drawing) -> list[str]:
    return [s.text for s in drawing.contents if isinstance(s, String)]


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_every_chart_is_valid_svg_with_labels(language):
    made = charts.report_charts(sample_report(), language=language)
    assert set(made) >= {
        "trend", "category", "category_by_sex", "age_sex", "oblast", "destination_country",
        "destination_region", "sector", "forced_labour_indicators", "referrals",
        "closed_by_reason", "assistance",
    }  # fmt: skip
    for chart in made.values():
        svg = charts.to_svg(chart.drawing, title=chart.title)
        texts = _svg_texts(svg)
        assert texts, chart.key
        assert b"KomokSans" not in svg  # fonts are named for any SVG viewer
        assert b"DejaVu Sans" in svg
        assert ET.fromstring(svg).find(f"{SVG}title").text == chart.title
    texts = _svg_texts(charts.to_svg(made["category"].drawing))
    if language == "ky":
        assert "Эмгек акынын төлөнбөшү" in texts
        assert "ң" in made["trend"].title  # "жаңы иштер"
        assert "ң".encode() in charts.to_svg(made["trend"].drawing, title=made["trend"].title)
    elif language == "ru":
        assert "Невыплата заработной платы" in texts
    else:
        assert "Unpaid wages" in texts


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_no_chart_shows_a_hidden_value_or_a_derived_one(language):
    report = sample_report()
    made = charts.report_charts(report, language=language)
    words = DocumentWords(language)
    forbidden = {v for v in HIDDEN.values() if v >= 100} | {s for s in LEAK_SUMS if s >= 100}
    for chart in made.values():
        texts = " ".join(_svg_texts(charts.to_svg(chart.drawing)))
        for value in forbidden:
            assert words.number(value) not in texts, (chart.key, value)
            assert str(value) not in texts, (chart.key, value)


def test_hidden_cells_get_no_bar_and_a_k_label():
    words = DocumentWords("en")
    bars = [
        Bar("Unpaid wages", Cell(40)),
        Bar("Trafficking", Cell(None, primary=True)),
        Bar("Detention", Cell(None, secondary=True)),
        Bar("Fraud", Cell(10)),
    ]
    drawing = charts.ranked_bars(bars, words=words, k=5, width=400)
    rects = _bars(drawing)
    assert len(rects) == 2
    assert rects[0].width == pytest.approx(rects[1].width * 4)
    texts = _strings(drawing)
    assert "<5" in texts and "…" in texts
    assert "Trafficking" in texts and "Detention" in texts


def test_grouped_bars_and_pyramid_skip_hidden_cells():
    words = DocumentWords("en")
    female = Series("Female", (Cell(30), Cell(None, primary=True)), charts.SEX_COLOURS["female"])
    male = Series("Male", (Cell(60), Cell(12)), charts.SEX_COLOURS["male"])
    grouped = charts.grouped_bars(["Unpaid wages", "Fraud"], [female, male], words=words, k=5,
                                  width=400)  # fmt: skip
    assert len(_bars(grouped, charts.SEX_COLOURS["female"])) == 1
    assert len(_bars(grouped, charts.SEX_COLOURS["male"])) == 2
    assert "<5" in _strings(grouped)
    pyramid = charts.pyramid(["18–24", "25–34"], male, female, words=words, k=5, width=400)
    assert len(_bars(pyramid, charts.SEX_COLOURS["female"])) == 1
    assert "<5" in _strings(pyramid)


def test_trend_leaves_a_hidden_month_empty():
    words = DocumentWords("en")
    cells = [Cell(20), Cell(None, primary=True), Cell(40)]
    drawing = charts.columns(["Aug", "Sep", "Oct"], cells, words=words, k=5, width=300,
                             highlight=(2,))  # fmt: skip
    columns = [s for s in drawing.contents if isinstance(s, Rect)]
    assert len(columns) == 2
    assert columns[1].height == pytest.approx(columns[0].height * 2)
    assert columns[1].fillColor == charts.BAR and columns[0].fillColor == charts.BAR_LIGHT
    assert "<5" in _strings(drawing)


def test_oblast_map_hatches_a_hidden_tile():
    words = DocumentWords("ky")
    cells = {code: Cell(50 + n) for n, code in enumerate(charts.OBLAST_TILES)}
    cells["naryn"] = Cell(None, primary=True)
    labels = {code: words.label("oblast", code) for code in cells}
    drawing = charts.oblast_map(cells, labels, words=words, k=5, width=480, base=1000)
    filled = [s for s in drawing.contents if isinstance(s, Rect) and s.fillColor in charts.SHADES]
    assert len(filled) == len(charts.OBLAST_TILES) - 1
    texts = _strings(drawing)
    assert "<5" in texts
    assert "Нарын облусу" in texts and "Ысык-Көл облусу" in texts


def test_table_bars_fold_small_published_rows_into_all_other():
    words = DocumentWords("en")
    rows = ("construction", "trade", "services", "domestic_work", "hospitality", "transport",
            "agriculture", "manufacturing", "other")  # fmt: skip
    values = [900, 500, 300, 200, 150, 120, 100, 90, None]
    cells = tuple((Cell(v) if v is not None else Cell(None, primary=True),) for v in values)
    table = StatTable("sector", "Sector", "sector", None, rows, ("count",), cells,
                      grand_total=Cell(2364))  # fmt: skip
    bars = charts.table_bars(table, words=words, base=2364, max_bars=5)
    assert [b.label for b in bars[:4]] == [
        "Construction", "Trade and markets", "Personal and community services", "Domestic work",
    ]  # fmt: skip
    assert bars[4].label == "All other" and bars[4].cell.value == 150 + 120 + 100 + 90
    assert bars[5].cell.suppressed and bars[5].label == "Other"
    assert bars[0].share == "38%"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(min_value=0, max_value=5000), st.sampled_from(["p", "s"])),
        min_size=1,
        max_size=20,
    )
)
def test_bars_only_for_published_counts(values):
    words = DocumentWords("ru")
    bars = [
        Bar(f"row {n}", Cell(v) if isinstance(v, int) else
            Cell(None, primary=v == "p", secondary=v == "s"))
        for n, v in enumerate(values)
    ]  # fmt: skip
    drawing = charts.ranked_bars(bars, words=words, k=5, width=420)
    rects = _bars(drawing)
    published = [v for v in values if isinstance(v, int) and v > 0]
    assert len(rects) == len(published)
    top = max(published, default=1)
    longest = max((r.width for r in rects), default=0)
    for rect, value in zip(rects, published, strict=True):
        assert rect.width == pytest.approx(max(longest * value / top, 0.8), rel=1e-6)
    hidden = sum(1 for v in values if not isinstance(v, int))
    assert sum(1 for t in _strings(drawing) if t in ("<5", "…")) == hidden
    assert _svg_texts(charts.to_svg(drawing))


def test_a_chart_with_nothing_published_becomes_a_note():
    report = sample_report()
    hidden = StatTable("sector", "Sector", "sector", None, ("construction", "trade"),
                       ("count",), ((Cell(None, primary=True),), (Cell(None, secondary=True),)),
                       grand_total=Cell(None, secondary=True))  # fmt: skip
    empty = StatTable("closed_by_reason", "Closed", "closure_reason", None, ("resolved",),
                      ("count",), ((Cell(0),),), grand_total=Cell(0))  # fmt: skip
    made = charts.report_charts(
        dataclasses.replace(report, tables=(hidden, empty), trend=()), language="en"
    )
    assert _strings(made["sector"].drawing) == [
        "Every count of this chart is hidden to protect small numbers."
    ]
    assert _strings(made["closed_by_reason"].drawing) == ["No cases to show for this period."]
    assert not _bars(made["sector"].drawing)


def test_folded_categories_are_named_under_the_chart():
    report = sample_report()
    report = dataclasses.replace(report, extra={"folded": {"oblast": ["naryn", "talas"]}})
    made = charts.report_charts(report, language="ru")
    assert "Нарынская область и Таласская область" in made["oblast"].note
    assert "Другое" in made["oblast"].note
