"""The monthly summary's words: numbers, labels and short generated sentences in ky, ru or en.

A summary goes to a ministry in the document's language, which is chosen apart from the
interface language. `DocumentWords` formats numbers, whole-number percentages, periods and
vocabulary labels in that language (babel/CLDR) and translates with its catalog, plural
forms included. The narrative functions write a few plain sentences from the published
numbers of a `StatsReport` only: a suppressed cell is never mentioned, and nothing is
derived from totals minus published cells, so no hidden value can leak into the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from models.errors import KomokError
from models.stats_types import Cell, KeyFigure, Period, StatsReport, StatTable
from models.vocab import Vocabularies, default_vocabularies
from translations import LANGUAGES, N_, _, translations_for

TOP = 3  # how many categories a sentence names
# Row codes that are not informative as "the most common …".
VAGUE_CODES = frozenset({"other", "unknown", "not_recorded", "none"})
# Labels for codes that tables use outside their vocabulary.
SPECIAL_CODES = {
    "other": N_("Other"),
    "unknown": N_("Not recorded"),
    "not_recorded": N_("Not recorded"),
    "total": N_("Total"),
    "count": N_("Cases"),
}
PREVIOUS_LABELS = {
    "month": N_("Previous month: {value}"),
    "quarter": N_("Previous quarter: {value}"),
    "year": N_("Previous year: {value}"),
}
YEAR_AGO_LABELS = {
    "month": N_("Same month a year ago: {value}"),
    "quarter": N_("Same quarter a year ago: {value}"),
}
# "That is 8 % more than in the previous month." — (more, fewer, as many) by period kind.
COMPARISONS = {
    "month": (
        N_("That is {percent} more than in the previous month."),
        N_("That is {percent} fewer than in the previous month."),
        N_("That is as many as in the previous month."),
    ),
    "quarter": (
        N_("That is {percent} more than in the previous quarter."),
        N_("That is {percent} fewer than in the previous quarter."),
        N_("That is as many as in the previous quarter."),
    ),
    "year": (
        N_("That is {percent} more than in the previous year."),
        N_("That is {percent} fewer than in the previous year."),
        N_("That is as many as in the previous year."),
    ),
}
# Vocabularies whose labels are common nouns, written in lower case inside a sentence.
LOWER_IN_SENTENCE = frozenset(
    {"category", "sector", "assistance", "forced_labour_indicator", "closure_reason",
     "institution_kind", "referral_status"}
)  # fmt: skip


class UnsupportedLanguage(KomokError, ValueError):
    """A document was asked for in a language Komok has no catalog for."""

    def __init__(self, language: object) -> None:
        super().__init__(
            _("Documents can be made in Kyrgyz, Russian or English, not “{language}”.").format(
                language=language
            )
        )


@dataclass(frozen=True)
class Item:
    """One published row of a table: its code and its count (never a suppressed one)."""

    code: str
    value: int


class DocumentWords:
    """Text in one document language: translation, plurals, numbers, dates and labels."""

    def __init__(self, language: str, vocabularies: Vocabularies | None = None) -> None:
        if language not in LANGUAGES:
            raise UnsupportedLanguage(language)
        self.language = language
        self.vocab = vocabularies if vocabularies is not None else default_vocabularies()
        self._catalog = translations_for(language)

    # --- translation ---------------------------------------------------------------------

    def t(self, message: str) -> str:
        """`message` (a msgid) in the document language."""
        return self._catalog.gettext(message) if message else ""

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The plural form for `count` in the document language, with `{count}` filled in."""
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(count=self.number(count), **values)

    # --- numbers and dates -----------------------------------------------------------------

    def number(self, value: int) -> str:
        """A whole number with the language's digit grouping (1 234 in ky and ru)."""
        return format_decimal(value, locale=self.language)

    def percent(self, part: int, whole: int) -> str:
        """`part` of `whole` as a whole-number percentage ("23 %"; "<1 %" for a sliver)."""
        if whole <= 0:
            return ""
        exact = Decimal(part) * 100 / Decimal(whole)
        rounded = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if rounded == 0 and part > 0:
            return "<" + format_percent(Decimal("0.01"), locale=self.language)
        return format_percent(rounded / 100, locale=self.language)

    def change(self, current: int, previous: int) -> int | None:
        """The change from `previous` to `current` in whole percent (None from zero)."""
        if previous <= 0:
            return None
        exact = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def percent_points(self, value: int) -> str:
        """A whole percentage given in points (8 → "8 %")."""
        return format_percent(Decimal(value) / 100, locale=self.language)

    def cell(self, cell: Cell | None, k: int) -> str:
        """What a table shows for a cell: the number, "<k" or "…" (hidden), "–" (none)."""
        if cell is None:
            return "–"
        if cell.value is None:
            return cell.display(k)
        return self.number(cell.value)

    def date(self, day: date) -> str:
        """A date written out in full (5 October 2026)."""
        return format_date(day, "long", locale=self.language)

    def month(self, day: date) -> str:
        """The month of `day` with its year ("October 2026"), capitalised."""
        return _capitalise(format_date(day, "LLLL y", locale=self.language))

    def short_month(self, day: date) -> str:
        """A short month name for chart axes ("Oct")."""
        return _capitalise(format_date(day, "LLL", locale=self.language)).rstrip(".")

    def period(self, period: Period) -> str:
        """The period's name: "October 2026", "4th quarter 2026" or "2026"."""
        if period.kind == "month":
            return self.month(period.start)
        if period.kind == "quarter":
            return _capitalise(format_date(period.start, "QQQQ y", locale=self.language))
        return format_date(period.start, "y", locale=self.language)

    def period_dates(self, period: Period) -> str:
        """The period's first and last day ("1 October 2026 – 31 October 2026")."""
        return f"{self.date(period.start)} – {self.date(period.end)}"

    def previous_label(self, period: Period) -> str:
        """The card line "Previous month: {value}" (quarter, year) for a key-figure card."""
        return self.t(PREVIOUS_LABELS.get(period.kind, PREVIOUS_LABELS["year"]))

    def year_ago_label(self, period: Period) -> str:
        """The card line "Same month a year ago: {value}" (quarter; a year has none)."""
        return self.t(YEAR_AGO_LABELS.get(period.kind, PREVIOUS_LABELS["year"]))

    # --- labels --------------------------------------------------------------------------

    def label(self, vocabulary: str | None, code: str, *, in_sentence: bool = False) -> str:
        """The label of a table's row or column code in the document language."""
        if vocabulary is not None and vocabulary in self.vocab and code in self.vocab[vocabulary]:
            text = self.vocab[vocabulary].label(code, self.language)
        elif code in SPECIAL_CODES:
            text = self.t(SPECIAL_CODES[code])
        else:
            text = code
        if in_sentence and vocabulary in LOWER_IN_SENTENCE and not _is_acronym(text):
            text = text[:1].lower() + text[1:]
        return text

    def join(self, parts: Sequence[str]) -> str:
        """A list in running text ("a, b and c")."""
        return format_list(list(parts), locale=self.language) if parts else ""


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_acronym(text: str) -> bool:
    word = text.split(" ", 1)[0]
    return len(word) > 1 and word.isupper()


# --- reading a report --------------------------------------------------------------------


def find_table(report: StatsReport, key: str) -> StatTable | None:
    """The report's table `key`, or None when this report has none."""
    try:
        return report.table(key)
    except KeyError:
        return None


def find_figure(report: StatsReport, key: str) -> KeyFigure | None:
    """The report's key figure `key`, or None when this report has none."""
    try:
        return report.figure(key)
    except KeyError:
        return None


def row_cells(table: StatTable) -> list[tuple[str, Cell]]:
    """Each row's overall count: its only column, or its row total."""
    if len(table.cols) == 1:
        return [(code, row[0]) for code, row in zip(table.rows, table.cells, strict=True)]
    if table.row_totals is not None:
        return list(zip(table.rows, table.row_totals, strict=True))
    return []


def col_cells(table: StatTable) -> list[tuple[str, Cell]]:
    """Each column's overall count (its column total), when the table has them."""
    if table.col_totals is None:
        return []
    return list(zip(table.cols, table.col_totals, strict=True))


def published(cells: Sequence[tuple[str, Cell]], *, informative: bool = False) -> list[Item]:
    """The rows with a published count above zero, largest first (ties: table order).

    With `informative`, codes like "other" and "unknown" are left out.
    """
    items = [
        Item(code, cell.value)
        for code, cell in cells
        if cell.value is not None and cell.value > 0 and not (informative and code in VAGUE_CODES)
    ]
    return sorted(items, key=lambda item: -item.value)


def total_of(table: StatTable) -> int | None:
    """The table's published grand total, or None when it has none or it is hidden."""
    if table.grand_total is None:
        return None
    return table.grand_total.value


def figure_value(report: StatsReport | None, key: str) -> int | None:
    """A key figure's published value, or None (missing, hidden, or no such report)."""
    if report is None:
        return None
    figure = find_figure(report, key)
    return figure.value.value if figure is not None else None


# --- sentences -----------------------------------------------------------------------------


def _ranked(words: DocumentWords, table: StatTable, items: Sequence[Item], base: int | None) -> str:
    """The list "a (23 %), b (18 %) and c (12 %)" for the first TOP items."""
    parts = []
    for item in items[:TOP]:
        label = words.label(table.row_vocab, item.code, in_sentence=True)
        share = words.percent(item.value, base) if base else ""
        parts.append(f"{label} ({share})" if share else f"{label} ({words.number(item.value)})")
    return words.join(parts)


def _top_sentence(
    words: DocumentWords, report: StatsReport, key: str, message: str, *, base_figure: str = ""
) -> str:
    """A "most common …" sentence for table `key`, or "" when nothing is published."""
    table = find_table(report, key)
    if table is None:
        return ""
    items = published(row_cells(table), informative=True)
    if not items:
        return ""
    base = figure_value(report, base_figure) if base_figure else total_of(table)
    return words.t(message).format(items=_ranked(words, table, items, base))


def _comparison(words: DocumentWords, report: StatsReport) -> str:
    """How new cases compare with the previous period and with a year before."""
    current = figure_value(report, "new_cases")
    if current is None:
        return ""
    sentences = []
    previous = figure_value(report.previous, "new_cases")
    if previous is None:
        figure = find_figure(report, "new_cases")
        if figure is not None and figure.previous is not None:
            previous = figure.previous.value
    change = words.change(current, previous) if previous is not None else None
    if change is not None:
        more, fewer, same = COMPARISONS.get(report.period.kind, COMPARISONS["year"])
        text = words.t(more if change > 0 else fewer if change < 0 else same)
        sentences.append(text.format(percent=words.percent_points(abs(change))))
    year_ago = figure_value(report.year_ago, "new_cases") if report.period.kind != "year" else None
    if year_ago is None and report.period.kind != "year":
        figure = find_figure(report, "new_cases")
        if figure is not None and figure.year_ago is not None:
            year_ago = figure.year_ago.value
    if year_ago is not None:
        sentences.append(
            words.t(N_("A year earlier, in the same period, there were {count}.")).format(
                count=words.number(year_ago)
            )
        )
    return " ".join(sentences)


def key_findings(report: StatsReport, language: str) -> list[str]:
    """The key findings paragraph of the first page, one sentence group per list entry."""
    words = DocumentWords(language)
    out = []
    new_cases = figure_value(report, "new_cases")
    if new_cases is not None:
        first = words.ngettext(
            "{count} new case was registered in the period.",
            "{count} new cases were registered in the period.",
            new_cases,
        )
        out.append(" ".join(s for s in (first, _comparison(words, report)) if s))
    problems = _top_sentence(
        words, report, "category_by_sex",
        N_("The most common problems were {items}."), base_figure="new_cases",
    )  # fmt: skip
    if problems:
        out.append(problems)
    closing = []
    closed = figure_value(report, "closed")
    if closed is not None:
        closing.append(
            words.ngettext(
                "{count} case was closed during the period.",
                "{count} cases were closed during the period.",
                closed,
            )
        )
    median = figure_value(report, "median_days_to_resolution")
    if median is not None and closed:
        closing.append(
            words.ngettext(
                "Half of the cases were closed within {count} day of being opened.",
                "Half of the cases were closed within {count} days of being opened.",
                median,
            )
        )
    still_open = figure_value(report, "open_at_end")
    if still_open is not None:
        closing.append(
            words.ngettext(
                "{count} case remained open at the end of the period.",
                "{count} cases remained open at the end of the period.",
                still_open,
            )
        )
    if closing:
        out.append(" ".join(closing))
    people = section_text(report, "people", language)
    if people:
        out.append(people)
    excluded = figure_value(report, "excluded_no_consent")
    if excluded is None and report.excluded_no_consent:
        excluded = report.excluded_no_consent
    if excluded:
        out.append(
            words.ngettext(
                "{count} case is not counted because the client did not agree to the "
                "statistical use of their data.",
                "{count} cases are not counted because the clients did not agree to the "
                "statistical use of their data.",
                excluded,
            )
        )
    return out


def _people(words: DocumentWords, report: StatsReport) -> str:
    table = find_table(report, "age_band_by_sex")
    if table is None:
        return ""
    sentences = []
    by_sex = dict((code, cell.value) for code, cell in col_cells(table))
    total = total_of(table)
    women, men = by_sex.get("female"), by_sex.get("male")
    if total and women is not None and men is not None:
        sentences.append(
            words.t(N_("Women made up {women} of the clients and men {men}.")).format(
                women=words.percent(women, total), men=words.percent(men, total)
            )
        )
    bands = published(row_cells(table), informative=True)
    if bands and total:
        top = bands[0]
        sentences.append(
            words.t(N_("The largest age group was {band} ({percent}).")).format(
                band=words.label(table.row_vocab, top.code, in_sentence=True),
                percent=words.percent(top.value, total),
            )
        )
    minors = dict((code, cell.value) for code, cell in row_cells(table)).get("age_0_17")
    if minors:
        sentences.append(
            words.ngettext(
                "{count} case concerned a child under 18.",
                "{count} cases concerned children under 18.",
                minors,
            )
        )
    return " ".join(sentences)


def _trend(words: DocumentWords, report: StatsReport) -> str:
    points = [p for p in report.trend if p.new_cases.value is not None]
    if not points:
        return ""
    top = max(points, key=lambda p: p.new_cases.value or 0)
    sentences = [
        words.t(N_("Over the last {months} months, new cases peaked at {count} ({month}).")).format(
            months=words.number(len(report.trend)),
            count=words.number(top.new_cases.value or 0),
            month=words.period(top.period),
        )
    ]
    if len(points) == len(report.trend):
        average = round(sum(p.new_cases.value or 0 for p in points) / len(points))
        sentences.append(
            words.ngettext(
                "On average, {count} new case was registered per month.",
                "On average, {count} new cases were registered per month.",
                average,
            )
        )
    return " ".join(sentences)


def _forced_labour(words: DocumentWords, report: StatsReport) -> str:
    table = find_table(report, "forced_labour_indicators")
    if table is None:
        return ""
    cells = row_cells(table)
    if cells and all(cell.value == 0 for _code, cell in cells):
        return words.t(N_("No forced-labour indicators were recorded in the period."))
    return _top_sentence(
        words, report, "forced_labour_indicators",
        N_("The forced-labour indicators recorded most often were {items}."),
    )  # fmt: skip


def _referrals(words: DocumentWords, report: StatsReport) -> str:
    table = find_table(report, "referrals_by_kind_outcome")
    if table is None:
        return ""
    sentences = []
    total = total_of(table)
    if total is not None:
        sentences.append(
            words.ngettext(
                "{count} referral to another institution was made in the period.",
                "{count} referrals to other institutions were made in the period.",
                total,
            )
        )
    items = published(row_cells(table), informative=True)
    if items:
        sentences.append(
            words.t(N_("Most referrals went to {items}.")).format(
                items=_ranked(words, table, items, total)
            )
        )
    return " ".join(sentences)


SECTION_WRITERS: dict[str, Callable[[DocumentWords, StatsReport], str]] = {
    "trend": _trend,
    "people": _people,
    "problems": lambda w, r: _top_sentence(
        w,
        r,
        "category_by_sex",
        N_("The most common problems were {items}."),
        base_figure="new_cases",
    ),
    "origin": lambda w, r: _top_sentence(w, r, "oblast", N_("Most clients come from {items}.")),
    "destination_country": lambda w, r: _top_sentence(
        w, r, "destination_country", N_("The main countries of destination were {items}.")
    ),
    "destination_region": lambda w, r: _top_sentence(
        w, r, "destination_region", N_("The main cities and regions of work were {items}.")
    ),
    "sector": lambda w, r: _top_sentence(
        w, r, "sector", N_("Clients worked most often in {items}.")
    ),
    "forced_labour": _forced_labour,
    "referrals": _referrals,
    "closures": lambda w, r: _top_sentence(
        w, r, "closed_by_reason", N_("The main reasons for closing cases were {items}.")
    ),
    "assistance": lambda w, r: _top_sentence(
        w,
        r,
        "assistance",
        N_("The assistance given most often was {items}."),
        base_figure="new_cases",
    ),
}


def section_text(report: StatsReport, section: str, language: str) -> str:
    """A few sentences introducing one section of the summary ("" when nothing to say)."""
    writer = SECTION_WRITERS.get(section)
    if writer is None:
        raise KeyError(section)
    return writer(DocumentWords(language), report)
