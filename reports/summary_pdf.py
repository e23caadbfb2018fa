"""The monthly (quarterly, yearly) summary PDF that goes to ministries.

Modelled on the IOM DTM report (DOMAIN.md §6): a first page with a title band, the key
figures as big numbers with one-line captions and their change against the previous
period, the key findings and the 12-month trend; then short sections of generated
narrative with numbered charts (problems, sex and age, oblast of origin, destinations,
sector, forced-labour indicators, referrals and outcomes); a methodology page (definitions,
the consent and suppression rules, "reported cases only — not prevalence", organisation,
period, date generated, software version, citation and disclaimer); and an annex with
every published table. Every page but the first has a running header with the period;
every page has a footer with "page n / N".

The renderer only lays out what `models.stats` published: suppressed cells arrive without
their value and are printed as "<k" or "…". Text is in the document language (ky, ru, en),
chosen apart from the interface language. One renderer class per document, as in pretix:
page geometry as attributes, a stylesheet factory, first/later page templates, embedded
DejaVu fonts (the base-14 PDF fonts cannot draw Cyrillic).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import partial
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from models.stats_types import KeyFigure, StatsReport, StatTable
from reports.charts import Chart, folded_note, hidden_note, report_charts
from reports.fonts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts
from reports.narrative import (
    DocumentWords,
    find_table,
    key_findings,
    row_cells,
    section_text,
    total_of,
)
from translations import N_

ACCENT = HexColor("#1f5f8b")
ACCENT_DARK = HexColor("#163f5c")
PANEL = HexColor("#e8f0f6")
RULE = HexColor("#b8c7d3")
INK = HexColor("#1d2b36")
MUTED = HexColor("#5f6b75")
ZEBRA = HexColor("#f4f7f9")

TITLES = {
    "month": N_("Monthly summary of cases"),
    "quarter": N_("Quarterly summary of cases"),
    "year": N_("Annual summary of cases"),
}
NOT_PREVALENCE = N_("Reported cases only — not prevalence.")
DEMO_MARK = N_("DEMO DATA: invented cases")
# The row header of a table, by the vocabulary of its rows.
ROW_HEADERS = {
    "category": N_("Problem"),
    "age_band": N_("Age"),
    "oblast": N_("Oblast"),
    "country": N_("Country"),
    "region": N_("City or region"),
    "sector": N_("Sector"),
    "forced_labour_indicator": N_("Indicator"),
    "closure_reason": N_("Reason"),
    "institution_kind": N_("Institution"),
    "assistance": N_("Assistance"),
}
# Key figures whose change is shown as a percentage with an arrow.
COUNTED_FIGURES = frozenset({"new_cases", "open_at_end", "closed"})

# The sections after the first page: heading, narrative sections, charts, inline tables.
SECTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (N_("Problems"), ("problems",), ("category", "category_by_sex"), ()),
    (N_("Who the clients are: sex and age"), ("people",), ("age_sex",), ()),
    (N_("Where clients come from"), ("origin",), ("oblast",), ()),
    (N_("Where clients work"), ("destination_country", "destination_region", "sector"),
     ("destination_country", "destination_region", "sector"), ()),
    (N_("Forced-labour indicators"), ("forced_labour",), ("forced_labour_indicators",), ()),
    (N_("Referrals, assistance and outcomes"), ("referrals", "assistance", "closures"),
     ("referrals", "assistance", "closed_by_reason"), ("referrals_by_kind_outcome",)),
)  # fmt: skip


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end, so each can say "page n / N"."""

    def __init__(self, *args, decorate: Callable[[Canvas, int, int], None], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._held: list[dict] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._decorate(self, self._pageNumber, total)
            super().showPage()
        super().save()


class SummaryRenderer:
    """Lays out one `StatsReport` as the summary PDF in one document language."""

    pagesize = A4
    margin_left = 17 * mm
    margin_right = 17 * mm
    margin_top = 20 * mm
    margin_bottom = 17 * mm
    band_height = 36 * mm  # the title band on the first page
    header_gap = 9 * mm  # from the page top to the running header's baseline
    footer_gap = 9 * mm  # from the page bottom to the footer's baseline
    gutter = 3 * mm  # between key-figure cards

    def __init__(self, report: StatsReport, *, language: str) -> None:
        register_fonts()
        self.report = report
        self.words = DocumentWords(language)
        self.language = language
        self.styles = self.stylesheet()
        self.charts: dict[str, Chart] = {}
        self._figures = 0
        self._tables = 0

    # --- geometry and styles -------------------------------------------------------------

    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - self.margin_left - self.margin_right

    def stylesheet(self) -> dict[str, ParagraphStyle]:
        """The paragraph styles of the document, by name."""
        base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, textColor=INK,
                              bulletFontName=FONT)  # fmt: skip
        small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=10)

        def style(name: str, parent: ParagraphStyle = base, **kw) -> ParagraphStyle:
            return ParagraphStyle(name, parent=parent, **kw)

        return {
            "body": base,
            "small": small,
            "note": style("note", small, textColor=MUTED, fontName=FONT_ITALIC, spaceAfter=6),
            "bullet": style("bullet", leftIndent=10, bulletIndent=0, spaceAfter=4),
            "h1": style("h1", fontName=FONT_BOLD, fontSize=12.5, leading=16, textColor=ACCENT,
                        spaceBefore=10, spaceAfter=5),
            "h2": style("h2", fontName=FONT_BOLD, fontSize=9.5, leading=12, textColor=ACCENT_DARK,
                        spaceBefore=6, spaceAfter=3),
            "figure": style("figure", fontName=FONT_BOLD, fontSize=8, leading=10.5,
                            textColor=ACCENT_DARK, spaceBefore=8, spaceAfter=4),
            "kf_number": style("kf_number", fontName=FONT_BOLD, fontSize=20, leading=23,
                               textColor=ACCENT),
            "kf_caption": style("kf_caption", fontSize=7.5, leading=9.5),
            "kf_change": style("kf_change", fontSize=6.5, leading=8.5, textColor=MUTED),
            "cell": style("cell", fontSize=7, leading=8.5),
            "cell_head": style("cell_head", fontName=FONT_BOLD, fontSize=6.5, leading=8,
                               alignment=TA_RIGHT),
            "cell_head_left": style("cell_head_left", fontName=FONT_BOLD, fontSize=6.5,
                                    leading=8, alignment=TA_LEFT),
            "meta_key": style("meta_key", fontName=FONT_BOLD, fontSize=8, leading=11),
            "meta_value": style("meta_value", fontSize=8, leading=11),
            "centre": style("centre", alignment=TA_CENTER),
        }  # fmt: skip

    # --- texts -----------------------------------------------------------------------------

    def t(self, message: str) -> str:
        return self.words.t(message)

    def title(self) -> str:
        """The document's title for its kind of period ("Monthly summary of cases")."""
        return self.t(TITLES.get(self.report.period.kind, TITLES["year"]))

    def period_name(self) -> str:
        return self.words.period(self.report.period)

    def _p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    # --- building ----------------------------------------------------------------------------

    def render(self) -> bytes:
        """The PDF document as bytes."""
        buffer = io.BytesIO()
        report = self.report
        doc = BaseDocTemplate(
            buffer, pagesize=self.pagesize, leftMargin=self.margin_left,
            rightMargin=self.margin_right, topMargin=self.margin_top,
            bottomMargin=self.margin_bottom, title=f"{self.title()} — {self.period_name()}",
            author=report.organisation, subject=self.t(NOT_PREVALENCE),
            creator=f"Komok {report.software_version}".strip(), lang=self.language,
            initialFontName=FONT, initialFontSize=9,
        )  # fmt: skip
        height = self.pagesize[1] - self.margin_top - self.margin_bottom
        first = Frame(
            self.margin_left, self.margin_bottom, self.frame_width,
            height - (self.band_height - self.margin_top) - 4 * mm, id="first",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )  # fmt: skip
        later = Frame(
            self.margin_left, self.margin_bottom, self.frame_width, height, id="later",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )  # fmt: skip
        doc.addPageTemplates(
            [
                PageTemplate("first", frames=[first], onPage=self._first_page),
                PageTemplate("later", frames=[later]),
            ]
        )
        doc.build(self.story(), canvasmaker=partial(_NumberedCanvas, decorate=self._decorate))
        return buffer.getvalue()

    def story(self) -> list[Flowable]:
        """Every flowable of the document, in order."""
        self.charts = report_charts(self.report, language=self.language,
                                    width=self.frame_width)  # fmt: skip
        self._figures = self._tables = 0
        story: list[Flowable] = [NextPageTemplate("later")]
        story += self._key_figures()
        story += self._findings()
        story += self._chart("trend")
        story.append(PageBreak())
        for number, (heading, texts, charts, tables) in enumerate(SECTIONS, start=1):
            story += self._section(number, heading, texts, charts, tables)
        story.append(PageBreak())
        story += self._methodology()
        story.append(PageBreak())
        story += self._annex()
        return story

    # --- first page --------------------------------------------------------------------------

    def _key_figures(self) -> list[Flowable]:
        figures = self.report.key_figures
        if not figures:
            return []
        count = len(figures)
        card = (self.frame_width - self.gutter * (count - 1)) / count
        cells, widths = [], []
        for n, figure in enumerate(figures):
            if n:
                cells.append("")
                widths.append(self.gutter)
            cells.append(self._card(figure))
            widths.append(card)
        table = Table([cells], colWidths=widths)
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 7),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ]
        for column in range(0, len(cells), 2):
            style.append(("BACKGROUND", (column, 0), (column, 0), PANEL))
            style.append(("LINEABOVE", (column, 0), (column, 0), 2, ACCENT))
        table.setStyle(TableStyle(style))
        return [self._p(self.t(N_("Key figures")).upper(), "h1"), table, Spacer(1, 4)]

    def _card(self, figure: KeyFigure) -> list[Flowable]:
        """A key-figure card: the big number, its caption, the previous and year-ago values."""
        words, period, k = self.words, self.report.period, self.report.k
        flow: list[Flowable] = [
            self._p(words.cell(figure.value, k), "kf_number"),
            self._p(self.t(figure.caption), "kf_caption"),
        ]
        lines = []
        if figure.previous is not None:
            previous = words.cell(figure.previous, k)
            current, before = figure.value.value, figure.previous.value
            if figure.key in COUNTED_FIGURES and current is not None and before is not None:
                points = words.change(current, before)
                if points is not None:
                    arrow = "▲" if points > 0 else "▼" if points < 0 else "="
                    previous += f" ({arrow}\xa0{words.percent_points(abs(points))})"
            lines.append(words.previous_label(period).format(value=previous))
        if figure.year_ago is not None and period.kind != "year":
            lines.append(words.year_ago_label(period).format(value=words.cell(figure.year_ago, k)))
        if lines:
            flow.append(Spacer(1, 3))
            flow.append(Paragraph("<br/>".join(escape(x) for x in lines), self.styles["kf_change"]))
        return flow

    def _findings(self) -> list[Flowable]:
        sentences = key_findings(self.report, self.language)
        if not sentences:
            return []
        out: list[Flowable] = [self._p(self.t(N_("Key findings")).upper(), "h1")]
        for sentence in sentences:
            out.append(Paragraph(escape(sentence), self.styles["bullet"], bulletText="•"))
        return out

    # --- sections ---------------------------------------------------------------------------

    def _section(self, number: int, heading: str, texts: tuple[str, ...],
                 charts: tuple[str, ...], tables: tuple[str, ...]) -> list[Flowable]:  # fmt: skip
        paragraphs = [section_text(self.report, key, self.language) for key in texts]
        body = " ".join(p for p in paragraphs if p)
        flows = [chart for key in charts for chart in [self._chart(key)] if chart]
        inline = [self._stat_table(table) for key in tables
                  for table in [find_table(self.report, key)] if table is not None]  # fmt: skip
        if not body and not flows and not inline:
            return []
        head = self._p(f"{number}. {self.t(heading)}".upper(), "h1")
        out: list[Flowable] = [CondPageBreak(60 * mm)]
        first = [head]
        if body:
            first.append(self._p(body))
        if flows:
            first += flows[0]
            flows = flows[1:]
        out.append(KeepTogether(first))
        for chart in flows:
            out.append(KeepTogether(chart))
        for table in inline:
            out += table
        return out

    def _chart(self, key: str) -> list[Flowable]:
        chart = self.charts.get(key)
        if chart is None:
            return []
        self._figures += 1
        caption = self.t(N_("Figure {number}. {title}")).format(
            number=self._figures, title=chart.title
        )
        out: list[Flowable] = [self._p(caption.upper(), "figure"), chart.drawing]
        if chart.note:
            out.append(Spacer(1, 3))
            out.append(self._p(chart.note, "note"))
        else:
            out.append(Spacer(1, 6))
        return out

    # --- tables -----------------------------------------------------------------------------

    def _stat_table(self, table: StatTable) -> list[Flowable]:
        """A published table with its numbered title, note, totals and hidden cells as "<k"."""
        words, k = self.words, self.report.k
        self._tables += 1
        caption = self.t(N_("Table {number}. {title}")).format(
            number=self._tables, title=self.t(table.title)
        )
        row_head = self.t(ROW_HEADERS.get(table.row_vocab or "", N_("Category")))
        one_column = len(table.cols) == 1
        total = total_of(table)
        shares = one_column and bool(total)
        if one_column:
            head = [row_head, self.t(N_("Cases"))] + ([self.t(N_("Share"))] if shares else [])
        else:
            head = [row_head] + [words.label(table.col_vocab, c) for c in table.cols]
            if table.row_totals is not None:
                head.append(self.t(N_("Total")))
        data: list[list[object]] = [
            [Paragraph(escape(head[0]), self.styles["cell_head_left"])]
            + [Paragraph(escape(h), self.styles["cell_head"]) for h in head[1:]]
        ]
        hidden: list[tuple[int, int]] = []
        cells = row_cells(table) if one_column else None
        for r, code in enumerate(table.rows):
            label = Paragraph(escape(words.label(table.row_vocab, code)), self.styles["cell"])
            row: list[object] = [label]
            if one_column and cells is not None:
                cell = cells[r][1]
                row.append(words.cell(cell, k))
                if shares and total:
                    row.append(words.percent(cell.value, total) if cell.value is not None else "")
                if cell.value is None:
                    hidden.append((1, r + 1))
            else:
                for c, cell in enumerate(table.cells[r]):
                    row.append(words.cell(cell, k))
                    if cell.value is None:
                        hidden.append((c + 1, r + 1))
                if table.row_totals is not None:
                    cell = table.row_totals[r]
                    row.append(words.cell(cell, k))
                    if cell.value is None:
                        hidden.append((len(table.cols) + 1, r + 1))
            data.append(row)
        totals_row = self._totals_row(table, one_column, shares)
        if totals_row is not None:
            data.append(totals_row)
        grid = Table(data, colWidths=self._column_widths(head, data), repeatRows=1)
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 7),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), PANEL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
            ("TOPPADDING", (0, 0), (-1, -1), 1.8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        body_rows = len(table.rows)
        for r in range(2, body_rows + 1, 2):
            style.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
        if totals_row is not None:
            style += [
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                ("FONT", (1, -1), (-1, -1), FONT_BOLD, 7),
            ]
        if not one_column and table.row_totals is not None:
            style.append(("FONT", (-1, 1), (-1, -1), FONT_BOLD, 7))
        for c, r in hidden:
            style.append(("FONT", (c, r), (c, r), FONT_ITALIC, 7))
            style.append(("TEXTCOLOR", (c, r), (c, r), MUTED))
        grid.setStyle(TableStyle(style))
        out: list[Flowable] = [self._p(caption.upper(), "figure"), grid]
        notes = [self.t(table.note)] if table.note else []
        notes.append(folded_note(words, self.report, table))
        any_hidden = [cell for row in table.cells for cell in row] + list(table.row_totals or ())
        notes.append(hidden_note(words, k, any_hidden))
        note = " ".join(n for n in notes if n)
        out.append(Spacer(1, 3))
        if note:
            out.append(self._p(note, "note"))
        if body_rows <= 24:
            return [KeepTogether(out)]
        return out

    def _column_widths(self, head: list[str], data: list[list[object]]) -> list[float]:
        """Number columns as wide as their longest header word or number; the rest for labels."""
        widths = []
        for column, text in enumerate(head[1:], start=1):
            word = max((stringWidth(w, FONT_BOLD, 6.5) for w in text.split()), default=0)
            numbers = max(
                (stringWidth(row[column], FONT_BOLD, 7) for row in data[1:]
                 if isinstance(row[column], str)),
                default=0,
            )  # fmt: skip
            widths.append(max(word, numbers, 22) + 8)
        if len(head) <= 3:
            widths = [max(*widths, 48)] * len(widths)
        room = self.frame_width - sum(widths)
        if room < 100:  # too many columns: shrink them all alike
            scale = (self.frame_width - 100) / sum(widths)
            widths = [w * scale for w in widths]
            room = 100
        return [room, *widths]

    def _totals_row(self, table: StatTable, one_column: bool, shares: bool) -> list[object] | None:
        words, k = self.words, self.report.k
        label = Paragraph(f"<b>{escape(self.t(N_('Total')))}</b>", self.styles["cell"])
        if one_column:
            if table.grand_total is None:
                return None
            first: list[object] = [label, words.cell(table.grand_total, k)]
            return [*first, words.percent(1, 1)] if shares else first
        if table.col_totals is None:
            return None
        row: list[object] = [label] + [words.cell(cell, k) for cell in table.col_totals]
        if table.row_totals is not None:
            row.append(words.cell(table.grand_total, k) if table.grand_total else "")
        return row

    # --- methodology and annex ------------------------------------------------------------

    def _methodology(self) -> list[Flowable]:
        report, words, t = self.report, self.words, self.t
        k = report.k
        out: list[Flowable] = [self._p(t(N_("Methodology and definitions")).upper(), "h1")]
        out.append(self._p(t(N_("What is counted")), "h2"))
        for text in (
            N_("New cases: cases opened during the period."),
            N_("Cases open at the end of the period: cases opened on or before its last day "
               "and not closed by then."),
            N_("Cases closed: cases closed during the period, with the reason for closing; "
               "the median time is counted from opening to closing."),
            N_("Problems, forced-labour indicators and assistance: a case can have several, "
               "so these tables count cases per item and their shares can add up to more "
               "than 100 %."),
            N_("Clients are shown by sex and by age band at the time the case was opened; "
               "places are given by oblast of origin and by country and city or region of "
               "work. No names, dates of birth, addresses or free text are published."),
        ):  # fmt: skip
            out.append(Paragraph(escape(t(text)), self.styles["bullet"], bulletText="•"))
        out.append(self._p(t(N_("Consent")), "h2"))
        out.append(self._p(
            t(N_("Only cases whose client agreed to the statistical use of their data are "
                 "counted.")) + " " + words.ngettext(
                "{count} case of the period was left out for lack of this consent.",
                "{count} cases of the period were left out for lack of this consent.",
                report.excluded_no_consent,
            )
        ))  # fmt: skip
        out.append(self._p(t(N_("Protection of small numbers")), "h2"))
        out.append(self._p(
            t(N_("Counts from 1 to {last} are not published and are shown as “<{k}” "
                 "(threshold k = {k}). Where a hidden count could be worked out from a row "
                 "or column total, a further count is hidden too and shown as “…”. Charts "
                 "leave hidden counts out; they are never drawn to their size.")).format(
                last=k - 1, k=k)
        ))  # fmt: skip
        out.append(self._p(t(N_("Reported cases only — not prevalence")), "h2"))
        out.append(self._p(
            t(N_("These figures count the people who turned to {organisation} for help and "
                 "agreed to be counted. They do not measure how common a problem is among "
                 "all labour migrants, and changes between periods can reflect how many "
                 "people reached the organisation as much as changes in the problems "
                 "themselves.")).format(organisation=report.organisation or "—")
        ))  # fmt: skip
        out.append(self._p(t(N_("About this report")), "h2"))
        version = report.software_version or "—"
        rows = [
            (t(N_("Organisation")), report.organisation or "—"),
            (t(N_("Period")), f"{self.period_name()} ({words.period_dates(report.period)})"),
            (t(N_("Small-number threshold")), f"k = {k}"),
            (t(N_("Generated on")), words.date(report.generated_on)),
            (t(N_("Software")), f"Komok {version}"),
            (t(N_("Language")), {"ky": "Кыргызча", "ru": "Русский", "en": "English"}[
                self.language]),
        ]  # fmt: skip
        meta = Table(
            [[self._p(key, "meta_key"), self._p(value, "meta_value")] for key, value in rows],
            colWidths=[48 * mm, self.frame_width - 48 * mm],
        )
        meta.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ]))  # fmt: skip
        out.append(meta)
        out.append(Spacer(1, 8))
        out.append(self._p(t(N_("How to cite")), "h2"))
        out.append(self._p(
            t(N_("{organisation}. {title}, {period}. Made with Komok {version} on "
                 "{date}.")).format(organisation=report.organisation or "—",
                                    title=self.title(), period=self.period_name(),
                                    version=version, date=words.date(report.generated_on))
        ))  # fmt: skip
        out.append(Spacer(1, 6))
        out.append(self._p(
            t(N_("Disclaimer: the numbers come from the case records of one organisation and "
                 "are published as they stood on the date generated; later corrections to "
                 "cases can change them. Boundaries and names on the schematic map do not "
                 "imply any official position.")), "note"
        ))  # fmt: skip
        return out

    def _annex(self) -> list[Flowable]:
        out: list[Flowable] = [self._p(self.t(N_("Annex: tables")).upper(), "h1")]
        out.append(self._p(self.t(N_(
            "Every table of this report, with totals. Hidden counts are shown as in the "
            "charts."
        )), "small"))  # fmt: skip
        inline = {key for _h, _t, _c, tables in SECTIONS for key in tables}
        for table in self.report.tables:
            if table.key in inline:
                continue
            out += self._stat_table(table)
        return out

    # --- page furniture ---------------------------------------------------------------------

    def _first_page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        """The title band across the top of the first page."""
        width, height = self.pagesize
        report = self.report
        canvas.saveState()
        canvas.setFillColor(ACCENT_DARK)
        canvas.rect(0, height - self.band_height, width, self.band_height, stroke=0, fill=1)
        canvas.setFillColor(ACCENT)
        canvas.rect(0, height - self.band_height - 1.6 * mm, width, 1.6 * mm, stroke=0, fill=1)
        x = self.margin_left
        canvas.setFillColor(white)
        canvas.setFont(FONT, 9)
        canvas.drawString(x, height - 10 * mm, _fit(report.organisation, FONT, 9,
                                                     self.frame_width))  # fmt: skip
        canvas.setFont(FONT_BOLD, 19)
        canvas.drawString(x, height - 19 * mm, _fit(self.title().upper(), FONT_BOLD, 19,
                                                     self.frame_width))  # fmt: skip
        canvas.setFont(FONT, 12.5)
        canvas.drawString(x, height - 26.5 * mm, self.period_name())
        canvas.setFont(FONT_ITALIC, 8)
        canvas.setFillColor(HexColor("#cfe0ec"))
        canvas.drawString(x, height - 32 * mm, self.t(NOT_PREVALENCE))
        canvas.restoreState()

    def _decorate(self, canvas: Canvas, page: int, pages: int) -> None:
        """The running header (not on the first page) and the footer with "page n / N"."""
        width, height = self.pagesize
        left, right = self.margin_left, width - self.margin_right
        canvas.saveState()
        if page > 1:
            y = height - self.header_gap - 2 * mm
            canvas.setFont(FONT, 7.5)
            canvas.setFillColor(MUTED)
            period = self.period_name()
            room = self.frame_width - canvas.stringWidth(period, FONT_BOLD, 7.5) - 12
            head = f"{self.report.organisation} · {self.title()}".strip(" ·")
            canvas.drawString(left, y, _fit(head, FONT, 7.5, room))
            canvas.setFont(FONT_BOLD, 7.5)
            canvas.setFillColor(ACCENT_DARK)
            canvas.drawRightString(right, y, period)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(left, y - 2.5 * mm, right, y - 2.5 * mm)
        if self.report.extra.get("demo"):
            self._demo_mark(canvas)
        y = self.footer_gap
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, y + 3.5 * mm, right, y + 3.5 * mm)
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, y, f"{self.t(NOT_PREVALENCE)}  k = {self.report.k}")
        canvas.drawRightString(
            right, y, self.t(N_("Page {page} / {pages}")).format(page=page, pages=pages)
        )
        canvas.restoreState()

    def _demo_mark(self, canvas: Canvas) -> None:
        """A large diagonal "demo data" mark, so invented numbers are never taken as real."""
        width, height = self.pagesize
        text = self.t(DEMO_MARK)
        diagonal = math.hypot(width, height)
        size = min(40.0, 0.7 * diagonal / max(stringWidth(text, FONT_BOLD, 1), 1))
        canvas.saveState()
        canvas.setFillColor(HexColor("#c0392b"))
        canvas.setFillAlpha(0.12)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(math.degrees(math.atan2(height, width)))
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(0, -size / 3, text)
        canvas.restoreState()


def _fit(text: str, font: str, size: float, room: float) -> str:
    """`text` shortened with "…" to fit `room` points."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


def render_summary(report: StatsReport, *, language: str) -> bytes:
    """The summary PDF of `report` in `language` ("ky", "ru" or "en"), as bytes."""
    return SummaryRenderer(report, language=language).render()
