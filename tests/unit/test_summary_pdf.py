"""The summary PDF: key figures, Kyrgyz letters, "<k" cells, methodology, page furniture."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from models.stats_types import Period, StatsReport
from reports import narrative
from reports.narrative import DocumentWords, UnsupportedLanguage
from reports.summary_pdf import SummaryRenderer, render_summary
from tests.unit.summary_fixture import (
    HIDDEN,
    LEAK_SUMS,
    ORGANISATION,
    VERSION,
    document_catalog,
    sample_report,
)

LANGUAGES = ("ky", "ru", "en")


@pytest.fixture(scope="module")
def pages() -> dict[str, list[str]]:
    """The fixture report rendered in each language: text of each page, spaces normalised."""
    out = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(narrative, "translations_for", document_catalog)
        for language in LANGUAGES:
            pdf = render_summary(sample_report(), language=language)
            assert pdf.startswith(b"%PDF")
            reader = PdfReader(io.BytesIO(pdf))
            out[language] = [_normal(page.extract_text()) for page in reader.pages]
    return out


def _normal(text: str) -> str:
    return re.sub(r"[ \xa0\u202f]+", " ", text)


def _words(language: str) -> DocumentWords:
    words = DocumentWords(language)
    words._catalog = document_catalog(language)
    return words


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_page_has_the_key_figures(pages, language):
    first = pages[language][0]
    flat = first.replace("\n", " ")
    words = _words(language)
    for value in (1000, 3174, 445, 23, 37):
        assert _normal(words.number(value)) in first
    assert _normal(words.previous_label(sample_report().period).format(value="925")) in flat
    assert words.t("Key figures").upper() in first
    assert ORGANISATION in first


def test_kyrgyz_document_has_kyrgyz_letters(pages):
    text = " ".join(pages["ky"])
    for letter in "ңөүҢӨҮ":
        assert letter in text, letter
    assert "Иштер боюнча айлык жыйынтык".upper() in text
    assert "Эмгек акынын төлөнбөшү" in text
    assert "Октябрь 2026" in text


def test_russian_document_reads_russian(pages):
    text = " ".join(pages["ru"])
    assert "Ежемесячная сводка по делам".upper() in text
    assert "За период зарегистрировано 1 000 новых дел." in text
    assert "Только зарегистрированные дела — не показатель распространённости." in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_suppressed_cells_are_shown_as_lt_k(pages, language):
    text = " ".join(pages[language])
    assert "<5" in text
    assert "…" in text
    words = _words(language)
    trafficking = words.label("category", "trafficking")
    # the table row: the label, then its cells (female, male both hidden), other, unknown
    assert f"\n{trafficking}\n<5\n<5\n0\n0\n" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_hidden_value_can_be_read_or_worked_out(pages, language):
    text = " ".join(pages[language])
    words = _words(language)
    distinctive = {v for v in HIDDEN.values() if v >= 100} | {s for s in LEAK_SUMS if s >= 100}
    assert distinctive  # the fixture has large hidden cells, so a leak would show
    for value in distinctive:
        assert _normal(words.number(value)) not in text, value
        assert re.search(rf"(?<![\d,]){value}(?![\d,])", text) is None, value


@pytest.mark.parametrize("language", LANGUAGES)
def test_methodology_states_the_rules(pages, language):
    words = _words(language)
    text = " ".join(pages[language])
    methodology = next(p for p in pages[language] if "k = 5" in p and VERSION in p)
    assert ORGANISATION in methodology
    assert f"Komok {VERSION}" in methodology
    assert words.period(sample_report().period) in methodology
    assert _normal(words.date(date(2026, 11, 3))) in methodology
    assert words.t("Reported cases only — not prevalence") in methodology
    assert "<5" in methodology
    assert _normal(words.number(37)) in methodology  # cases left out for lack of consent
    assert words.t("Annex: tables").upper() in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_header_and_footer(pages, language):
    words = _words(language)
    period = words.period(sample_report().period)
    total = len(pages[language])
    assert total >= 6
    footer_mark = words.t("Reported cases only — not prevalence.")
    for number, page in enumerate(pages[language], start=1):
        page_label = words.t("Page {page} / {pages}").format(page=number, pages=total)
        assert page_label in page, (number, page[-200:])
        assert footer_mark in page
        assert period in page
        if number > 1:
            assert ORGANISATION in page.splitlines()[0] or ORGANISATION in page


def test_fonts_are_embedded_truetype_not_base14():
    pdf = render_summary(sample_report(), language="ky")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("DejaVu" in name or "KomokSans" in name or "+" in name
                         for name in fonts), fonts  # fmt: skip
    assert not any(name.lstrip("/") in ("Helvetica", "Times-Roman", "Courier") for name in fonts)


@pytest.mark.parametrize(
    ("period", "title"),
    [
        (Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), "Quarterly summary of cases"),
        (Period("year", date(2025, 1, 1), date(2025, 12, 31)), "Annual summary of cases"),
    ],
)
def test_quarter_and_year_reports(period, title):
    report = dataclasses.replace(sample_report(), period=period)
    reader = PdfReader(io.BytesIO(render_summary(report, language="en")))
    first = _normal(reader.pages[0].extract_text())
    assert title.upper() in first
    assert DocumentWords("en").period(period) in first


def test_a_report_without_tables_still_renders():
    empty = StatsReport(period=sample_report().period, k=11, organisation="",
                        generated_on=date(2026, 11, 1), key_figures=(), tables=())  # fmt: skip
    reader = PdfReader(io.BytesIO(render_summary(empty, language="ru")))
    text = _normal(" ".join(p.extract_text() for p in reader.pages))
    assert "k = 11" in text and "<11" in text


def test_renderer_geometry_and_styles():
    renderer = SummaryRenderer(sample_report(), language="en")
    assert renderer.frame_width == pytest.approx(renderer.pagesize[0] - 34 * 72 / 25.4)
    styles = renderer.stylesheet()
    assert {"body", "h1", "kf_number", "note", "cell"} <= set(styles)
    assert all(style.fontName.startswith("KomokSans") for style in styles.values())


def test_unsupported_language_is_refused():
    with pytest.raises(UnsupportedLanguage):
        render_summary(sample_report(), language="fr")


def test_demo_data_is_marked_on_every_page():
    report = dataclasses.replace(sample_report(), extra={"demo": True})
    reader = PdfReader(io.BytesIO(render_summary(report, language="en")))
    assert all("DEMO DATA: invented cases" in page.extract_text() for page in reader.pages)
    plain = PdfReader(io.BytesIO(render_summary(sample_report(), language="en")))
    assert "DEMO" not in plain.pages[0].extract_text()
