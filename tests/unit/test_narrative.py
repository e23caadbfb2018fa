"""The summary's generated sentences: right numbers, right plurals, nothing hidden."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.stats_types import Cell, KeyFigure, Period, StatsReport, StatTable
from reports import narrative
from reports.narrative import DocumentWords, UnsupportedLanguage, key_findings, section_text
from tests.unit.summary_fixture import PERIOD, document_catalog, sample_report

SECTIONS = tuple(narrative.SECTION_WRITERS)


@pytest.fixture(autouse=True)
def catalogs(monkeypatch):
    monkeypatch.setattr(narrative, "translations_for", document_catalog)


def _with_new_cases(value: int, previous: int | None = None) -> StatsReport:
    """The fixture report with another count of new cases (and its previous month)."""
    report = sample_report()
    figures = tuple(
        dataclasses.replace(f, value=Cell(value),
                            previous=Cell(previous) if previous is not None else None)
        if f.key == "new_cases" else f
        for f in report.key_figures
    )  # fmt: skip
    return dataclasses.replace(report, key_figures=figures, previous=None)


def test_english_key_findings_read_as_sentences():
    findings = key_findings(sample_report(), "en")
    assert findings[0] == (
        "1,000 new cases were registered in the period. That is 8% more than in the previous "
        "month. A year earlier, in the same period, there were 812."
    )
    assert findings[1] == (
        "The most common problems were unpaid wages (32%), migration registration (27%), and "
        "employment contract / right to work (11%)."
    )
    assert "445 cases were closed during the period." in findings[2]
    assert "within 23 days of being opened" in findings[2]
    assert "37 cases are not counted" in findings[-1]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 новое дело"), (21, "21 новое дело"), (3, "3 новых дела"),
        (24, "24 новых дела"), (5, "5 новых дел"), (11, "11 новых дел"),
        (12, "12 новых дел"), (1000, "1\xa0000 новых дел"),
    ],
)  # fmt: skip
def test_russian_plural_forms(count, expected):
    first = key_findings(_with_new_cases(count), "ru")[0]
    assert first.startswith(f"За период зарегистрировано {expected}.")


@pytest.mark.parametrize(("count", "previous", "word"), [(1100, 1000, "больше"),
                                                         (900, 1000, "меньше")])  # fmt: skip
def test_russian_comparison_with_previous_month(count, previous, word):
    first = key_findings(_with_new_cases(count, previous), "ru")[0]
    assert f"Это на 10\xa0% {word}, чем в предыдущем месяце." in first


def test_same_count_as_before_says_so():
    first = key_findings(_with_new_cases(40, 40), "en")[0]
    assert "That is as many as in the previous month." in first


def test_kyrgyz_sentences():
    findings = key_findings(sample_report(), "ky")
    assert findings[0].startswith("Мезгил ичинде 1\xa0000 жаңы иш катталды.")
    assert "Бул мурунку айга караганда 8% көп." in findings[0]
    assert findings[1].startswith("Эң көп кездешкен көйгөйлөр: эмгек акынын төлөнбөшү (32%)")
    text = " ".join(findings)
    assert all(letter in text for letter in "ңөү")


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_percentages_are_whole_numbers(language):
    report = sample_report()
    texts = key_findings(report, language) + [section_text(report, s, language) for s in SECTIONS]
    joined = " ".join(texts)
    assert re.search(r"\d+%|\d+\xa0%", joined)
    assert not re.search(r"\d[.,]\d+\s?%", joined)


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_hidden_rows_are_never_named(language):
    report = sample_report()
    words = DocumentWords(language)
    origin = section_text(report, "origin", language)
    assert words.label("oblast", "osh_oblast") in origin
    for hidden in ("naryn", "talas"):  # "<5" and "…" in the fixture
        assert words.label("oblast", hidden) not in origin
    problems = section_text(report, "problems", language)
    assert words.label("category", "trafficking", in_sentence=True) not in problems
    assert "4321" not in origin and words.number(4321) not in origin


def test_sections_without_data_say_nothing():
    empty = StatsReport(period=PERIOD, k=5, organisation="Org", generated_on=date(2026, 11, 1),
                        key_figures=(), tables=())  # fmt: skip
    assert key_findings(empty, "ru") == []
    for section in SECTIONS:
        assert section_text(empty, section, "ky") == ""
    with pytest.raises(KeyError):
        section_text(empty, "weather", "en")


def test_no_indicators_recorded():
    table = StatTable("forced_labour_indicators", "x", "forced_labour_indicator", None,
                      ("deception", "isolation"), ("count",), ((Cell(0),), (Cell(0),)),
                      grand_total=Cell(0))  # fmt: skip
    report = dataclasses.replace(sample_report(), tables=(table,))
    assert section_text(report, "forced_labour", "en") == (
        "No forced-labour indicators were recorded in the period."
    )


def test_document_words_format_in_the_document_language():
    ru, ky, en = DocumentWords("ru"), DocumentWords("ky"), DocumentWords("en")
    assert ru.number(1234567) == "1\xa0234\xa0567"
    assert en.number(1234567) == "1,234,567"
    assert en.percent(1, 3) == "33%" and en.percent(2, 3) == "67%"
    assert en.percent(1, 8) == "13%"  # half up, not to even
    assert en.percent(1, 1000) == "<1%"
    assert en.percent(0, 10) == "0%" and en.percent(3, 0) == ""
    assert ru.change(1080, 1000) == 8 and ru.change(5, 0) is None
    assert ru.period(Period("month", date(2026, 10, 1), date(2026, 10, 31))) == "Октябрь 2026"
    assert en.period(Period("quarter", date(2026, 10, 1), date(2026, 12, 31))) == "4th quarter 2026"
    assert ky.period(Period("year", date(2026, 1, 1), date(2026, 12, 31))) == "2026"
    assert ky.label("oblast", "chuy") == "Чүй облусу"
    assert en.label("category", "unpaid_wages", in_sentence=True) == "unpaid wages"
    assert en.label("category", "controlled_registry", in_sentence=True).startswith("registry")
    assert en.label("oblast", "chuy", in_sentence=True) == "Chüy oblast"
    assert ru.label(None, "unknown") == "Не указано"
    assert ky.cell(Cell(None, primary=True), 11) == "<11"
    assert ky.cell(Cell(None, secondary=True), 5) == "…"


def test_unsupported_document_language():
    with pytest.raises(UnsupportedLanguage):
        DocumentWords("de")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(min_value=0, max_value=900), st.sampled_from(["p", "s"])),
        min_size=9,
        max_size=9,
    ),
    st.sampled_from(["ky", "ru", "en"]),
)
def test_a_sentence_names_only_published_rows(values, language):
    codes = ("construction", "trade", "services", "domestic_work", "hospitality", "transport",
             "agriculture", "manufacturing", "other")  # fmt: skip
    cells = tuple(
        (Cell(v) if isinstance(v, int) else Cell(None, primary=v == "p", secondary=v == "s"),)
        for v in values
    )
    total = sum(v for v in values if isinstance(v, int)) + 3 * sum(
        1 for v in values if not isinstance(v, int)
    )
    table = StatTable("sector", "Sector", "sector", None, codes, ("count",), cells,
                      grand_total=Cell(total))  # fmt: skip
    report = dataclasses.replace(
        sample_report(), tables=(table,),
        key_figures=(KeyFigure("new_cases", "New cases", Cell(total)),),
    )  # fmt: skip
    text = section_text(report, "sector", language)
    words = DocumentWords(language)
    for code, value in zip(codes, values, strict=True):
        label = words.label("sector", code, in_sentence=True)
        if not isinstance(value, int) or value == 0:
            assert label not in text
    published = [v for v, c in zip(values, codes, strict=True)
                 if isinstance(v, int) and v > 0 and c != "other"]  # fmt: skip
    assert bool(text) == bool(published)
