"""The summary's charts as reportlab Drawings: one code path for the PDF and the app's SVG.

Each chart function returns a `reportlab.graphics.shapes.Drawing`; the PDF places it as a
flowable and `to_svg` turns it into SVG for the Statistics screen. `report_charts` builds
the whole set for a report in a document language, so screen and paper show the same.

A suppressed cell is never drawn to its hidden size: it gets no bar (or a hatched, empty
tile) and the label "<k" (or "…" for a secondary suppression), and nothing is derived
from totals minus published cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from models.stats_types import Cell, StatsReport, StatTable
from reports.fonts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts
from reports.narrative import (
    VAGUE_CODES,
    DocumentWords,
    col_cells,
    figure_value,
    find_table,
    row_cells,
    total_of,
)
from translations import N_

INK = HexColor("#1d2b36")
MUTED = HexColor("#5f6b75")
GRID = HexColor("#d5dbe0")
BAR = HexColor("#1f5f8b")  # IOM-like blue
BAR_LIGHT = HexColor("#8fb3cf")
HATCH = HexColor("#c2cad0")
SEX_COLOURS = {
    "male": HexColor("#1f5f8b"),
    "female": HexColor("#d9822b"),
    "other": HexColor("#6b8e4e"),
    "unknown": HexColor("#9aa5ad"),
}
SHADES = tuple(HexColor(c) for c in ("#dbe8f2", "#b3cde2", "#7fa9cb", "#4a84b1", "#1f5f8b"))

FONT_SIZE = 7.5
LABEL_SIZE = 7.5
VALUE_SIZE = 7
NOTE_SIZE = 6.5
MAX_BARS = 24  # longer lists fold their smallest published rows into "All other"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its published (or hidden) count and an optional share text."""

    label: str
    cell: Cell
    share: str = ""
    at_least: bool = False  # the count is a floor: some folded-in rows are hidden


@dataclass(frozen=True)
class Series:
    """One coloured series of a grouped chart (e.g. "Female") with a cell per group."""

    name: str
    cells: tuple[Cell, ...]
    colour: Color


@dataclass(frozen=True)
class Chart:
    """A chart of the report: stable key, title and note in the document language, drawing."""

    key: str
    title: str
    drawing: Drawing
    note: str = ""


# --- small drawing helpers ---------------------------------------------------------------


def _width(text: str, size: float, font: str = FONT) -> float:
    return stringWidth(text, font, size)


def _fit(text: str, room: float, size: float, font: str = FONT) -> str:
    """`text`, shortened with "…" so that it fits `room` points."""
    if _width(text, size, font) <= room:
        return text
    while text and _width(text + "…", size, font) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, room: float, size: float, font: str = FONT, lines: int = 2) -> list[str]:
    """Break `text` into at most `lines` lines of `room` points (the last one shortened)."""
    words, out, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if _width(candidate, size, font) <= room or not line:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_fit(item, room, size, font) for item in out] or [""]


def _drawing(width: float, height: float) -> Drawing:
    """An empty drawing whose default font is the embedded one (never Helvetica)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = FONT
    drawing.initialFontSize = FONT_SIZE
    return drawing


def _text(
    x: float, y: float, text: str, *, size: float = FONT_SIZE, font: str = FONT,
    colour: Color = INK, anchor: str = "start",
) -> String:  # fmt: skip
    return String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor=anchor)


def _hidden_text(cell: Cell, k: int) -> str:
    return cell.display(k)


def _hatch(drawing: Drawing, x: float, y: float, w: float, h: float, step: float = 5) -> None:
    """Grey diagonal lines inside a rectangle: "here is a hidden number", not its size."""
    drawing.add(Rect(x, y, w, h, fillColor=white, strokeColor=HATCH, strokeWidth=0.5))
    c = -h
    while c < w:
        # the line y' = x' - c in tile coordinates, clipped to the rectangle
        x0, x1 = max(0.0, c), min(w, c + h)
        if x1 > x0:
            drawing.add(
                Line(x + x0, y + x0 - c, x + x1, y + x1 - c, strokeColor=HATCH, strokeWidth=0.4)
            )
        c += step


def _legend(drawing: Drawing, x: float, y: float, series: Sequence[Series]) -> None:
    """A colour key (one group, apart from the bars)."""
    legend = Group()
    for item in series:
        legend.add(Rect(x, y, 7, 7, fillColor=item.colour, strokeColor=None))
        legend.add(_text(x + 10, y + 0.5, item.name, size=LABEL_SIZE))
        x += 10 + _width(item.name, LABEL_SIZE) + 14
    drawing.add(legend)


def _value_text(words: DocumentWords, bar: Bar, k: int) -> str:
    if bar.cell.value is None:
        return _hidden_text(bar.cell, k)
    text = ("≥ " if bar.at_least else "") + words.number(bar.cell.value)
    return f"{text} · {bar.share}" if bar.share else text


# --- the chart kinds -----------------------------------------------------------------------


def ranked_bars(
    bars: Sequence[Bar], *, words: DocumentWords, k: int, width: float,
    bar_height: float = 9, gap: float = 4, colour: Color = BAR,
) -> Drawing:  # fmt: skip
    """Horizontal bars, one per row, as given (largest first); hidden cells get no bar."""
    register_fonts()
    label_room = min(max((_width(b.label, LABEL_SIZE) for b in bars), default=0), width * 0.42)
    value_room = max((_width(_value_text(words, b, k), VALUE_SIZE) for b in bars), default=0)
    x0 = label_room + 6
    span = max(width - x0 - value_room - 6, 20)
    top = max((b.cell.value or 0 for b in bars), default=0) or 1
    step = bar_height + gap
    height = max(len(bars), 1) * step + gap
    drawing = _drawing(width, height)
    drawing.add(Line(x0, 0, x0, height, strokeColor=GRID, strokeWidth=0.6))
    for index, bar in enumerate(bars):
        y = height - (index + 1) * step
        middle = y + bar_height / 2 - LABEL_SIZE * 0.35
        label = _fit(bar.label, label_room, LABEL_SIZE)
        drawing.add(_text(label_room, middle, label, size=LABEL_SIZE, anchor="end"))
        value = bar.cell.value
        if value is None:
            drawing.add(
                _text(x0 + 3, middle, _hidden_text(bar.cell, k), size=VALUE_SIZE,
                      font=FONT_ITALIC, colour=MUTED)
            )  # fmt: skip
            continue
        length = span * value / top
        if length > 0:
            drawing.add(Rect(x0, y, max(length, 0.8), bar_height, fillColor=colour,
                             strokeColor=None))  # fmt: skip
        drawing.add(_text(x0 + length + 3, middle, _value_text(words, bar, k), size=VALUE_SIZE))
    return drawing


def grouped_bars(
    groups: Sequence[str], series: Sequence[Series], *, words: DocumentWords, k: int,
    width: float, bar_height: float = 6,
) -> Drawing:  # fmt: skip
    """Horizontal bars grouped by row (e.g. problems), one coloured bar per series (sex)."""
    register_fonts()
    label_room = min(max((_width(g, LABEL_SIZE) for g in groups), default=0), width * 0.42)
    values = [c.value for s in series for c in s.cells if c.value is not None]
    widest = max((_width(words.cell(c, k), VALUE_SIZE) for s in series for c in s.cells),
                 default=0)  # fmt: skip
    x0 = label_room + 6
    span = max(width - x0 - widest - 6, 20)
    top = max(values, default=0) or 1
    group_height = bar_height * len(series) + 5
    legend_height = 14
    height = len(groups) * group_height + legend_height + 2
    drawing = _drawing(width, height)
    _legend(drawing, x0, height - 9, series)
    base = height - legend_height
    drawing.add(Line(x0, 0, x0, base, strokeColor=GRID, strokeWidth=0.6))
    for index, group in enumerate(groups):
        y_top = base - index * group_height
        middle = y_top - group_height / 2 - LABEL_SIZE * 0.35 + 2
        drawing.add(_text(label_room, middle, _fit(group, label_room, LABEL_SIZE),
                          size=LABEL_SIZE, anchor="end"))  # fmt: skip
        for position, item in enumerate(series):
            cell = item.cells[index]
            y = y_top - (position + 1) * bar_height
            text_y = y + bar_height / 2 - VALUE_SIZE * 0.35
            if cell.value is None:
                drawing.add(_text(x0 + 3, text_y, _hidden_text(cell, k), size=VALUE_SIZE - 0.5,
                                  font=FONT_ITALIC, colour=MUTED))  # fmt: skip
                continue
            length = span * cell.value / top
            if length > 0:
                drawing.add(Rect(x0, y + 0.5, max(length, 0.8), bar_height - 1,
                                 fillColor=item.colour, strokeColor=None))  # fmt: skip
            drawing.add(_text(x0 + length + 3, text_y, words.number(cell.value),
                              size=VALUE_SIZE - 0.5))  # fmt: skip
    return drawing


def pyramid(
    groups: Sequence[str], left: Series, right: Series, *, words: DocumentWords, k: int,
    width: float, bar_height: float = 11, gap: float = 3,
) -> Drawing:  # fmt: skip
    """An age pyramid: one series to the left, the other to the right of the group labels."""
    register_fonts()
    label_room = max((_width(g, LABEL_SIZE) for g in groups), default=0) + 12
    values = [c.value for c in (*left.cells, *right.cells) if c.value is not None]
    top = max(values, default=0) or 1
    value_room = max((_width(words.cell(c, k), VALUE_SIZE) for c in (*left.cells,
                     *right.cells)), default=0) + 4  # fmt: skip
    half = (width - label_room) / 2
    span = max(half - value_room - 2, 20)
    centre_left = half
    centre_right = half + label_room
    legend_height = 14
    step = bar_height + gap
    height = len(groups) * step + legend_height + gap
    drawing = _drawing(width, height)
    drawing.add(_text(centre_left - 2, height - 9, left.name, size=LABEL_SIZE, anchor="end",
                      font=FONT_BOLD, colour=left.colour))  # fmt: skip
    drawing.add(_text(centre_right + 2, height - 9, right.name, size=LABEL_SIZE,
                      font=FONT_BOLD, colour=right.colour))  # fmt: skip
    base = height - legend_height
    for index, group in enumerate(groups):
        y = base - (index + 1) * step + gap / 2
        middle = y + bar_height / 2 - LABEL_SIZE * 0.35
        drawing.add(_text(width / 2, middle, _fit(group, label_room - 6, LABEL_SIZE),
                          size=LABEL_SIZE, anchor="middle"))  # fmt: skip
        for cell, series, side in ((left.cells[index], left, -1), (right.cells[index], right, 1)):
            edge = centre_left if side < 0 else centre_right
            anchor = "end" if side < 0 else "start"
            if cell.value is None:
                drawing.add(_text(edge + side * 3, middle, _hidden_text(cell, k),
                                  size=VALUE_SIZE, font=FONT_ITALIC, colour=MUTED,
                                  anchor=anchor))  # fmt: skip
                continue
            length = span * cell.value / top
            if length > 0:
                x = edge - length if side < 0 else edge
                drawing.add(Rect(x, y, max(length, 0.8), bar_height, fillColor=series.colour,
                                 strokeColor=None))  # fmt: skip
            drawing.add(_text(edge + side * (length + 3), middle, words.number(cell.value),
                              size=VALUE_SIZE, anchor=anchor))  # fmt: skip
    return drawing


def columns(
    labels: Sequence[str], cells: Sequence[Cell], *, words: DocumentWords, k: int,
    width: float, height: float = 130, highlight: Sequence[int] = (),
    sublabels: Sequence[str] = (),
) -> Drawing:  # fmt: skip
    """Vertical columns over time (the 12-month trend); hidden months get no column.

    Columns at the `highlight` positions (the report's own period) are darker.
    """
    register_fonts()
    drawing = _drawing(width, height)
    axis_room = 24 if sublabels else 14
    top_room = 12
    plot = height - axis_room - top_room
    count = max(len(cells), 1)
    slot = width / count
    column = slot * 0.62
    top = max((c.value or 0 for c in cells), default=0) or 1
    drawing.add(Line(0, axis_room, width, axis_room, strokeColor=GRID, strokeWidth=0.8))
    for index, (label, cell) in enumerate(zip(labels, cells, strict=True)):
        centre = slot * index + slot / 2
        drawing.add(_text(centre, axis_room - 9, label, size=LABEL_SIZE - 0.5, anchor="middle",
                          colour=MUTED))  # fmt: skip
        if index < len(sublabels) and sublabels[index]:
            drawing.add(_text(centre, axis_room - 18, sublabels[index], size=LABEL_SIZE - 1,
                              anchor="middle", colour=MUTED))  # fmt: skip
        if cell.value is None:
            drawing.add(_text(centre, axis_room + 3, _hidden_text(cell, k), size=VALUE_SIZE,
                              font=FONT_ITALIC, colour=MUTED, anchor="middle"))  # fmt: skip
            continue
        bar = plot * cell.value / top
        colour = BAR if not highlight or index in highlight else BAR_LIGHT
        if bar > 0:
            drawing.add(Rect(centre - column / 2, axis_room, column, max(bar, 0.8),
                             fillColor=colour, strokeColor=None))  # fmt: skip
        drawing.add(_text(centre, axis_room + bar + 3, words.number(cell.value), size=VALUE_SIZE,
                          anchor="middle"))  # fmt: skip
    return drawing


# Kyrgyzstan's 7 oblasts and 2 cities as tiles, roughly where they lie (x, y, w, h in
# grid units; y grows northwards): Talas, Chüy, Bishkek and Ysyk-Köl in the north,
# Jalal-Abad and Naryn in the middle, Batken, Osh city and Osh oblast in the south.
OBLAST_TILES: dict[str, tuple[float, float, float, float]] = {
    "talas": (0, 2, 1, 1),
    "chuy": (1, 2, 1, 1),
    "bishkek": (2, 2, 1, 1),
    "issyk_kul": (3, 2, 1, 1),
    "jalal_abad": (0, 1, 2, 1),
    "naryn": (2, 1, 2, 1),
    "batken": (0, 0, 1, 1),
    "osh_city": (1, 0, 1, 1),
    "osh_oblast": (2, 0, 2, 1),
}


def oblast_map(
    cells: Mapping[str, Cell], labels: Mapping[str, str], *, words: DocumentWords, k: int,
    width: float, base: int | None = None, tile_height: float = 46,
) -> Drawing:  # fmt: skip
    """A schematic map of Kyrgyzstan's oblasts as tiles, shaded by their share of cases.

    A hidden cell's tile is hatched grey with "<k"; its shade says nothing of its size.
    """
    register_fonts()
    unit = width / 4
    height = tile_height * 3
    drawing = _drawing(width, height)
    values = [c.value for c in cells.values() if c.value is not None]
    top = max(values, default=0) or 1
    for code, (gx, gy, gw, gh) in OBLAST_TILES.items():
        x, y, w, h = gx * unit + 1.5, gy * tile_height + 1.5, gw * unit - 3, gh * tile_height - 3
        cell = cells.get(code)
        label = labels.get(code, code)
        if cell is None or cell.value is None:
            _hatch(drawing, x, y, w, h)
            fill, ink = None, INK
        else:
            shade = min(len(SHADES) - 1, int(len(SHADES) * cell.value / (top + 1)))
            fill = SHADES[shade] if cell.value > 0 else HexColor("#f3f5f7")
            ink = white if shade >= 3 else INK
            drawing.add(Rect(x, y, w, h, fillColor=fill, strokeColor=white, strokeWidth=1))
        lines = _wrap(label, w - 8, LABEL_SIZE - 0.5, lines=2)
        for n, line in enumerate(lines):
            drawing.add(_text(x + 4, y + h - 10 - n * 8, line, size=LABEL_SIZE - 0.5, colour=ink))
        if cell is None:
            number, share = "–", ""
        elif cell.value is None:
            number, share = _hidden_text(cell, k), ""
        else:
            number = words.number(cell.value)
            share = words.percent(cell.value, base) if base else ""
        drawing.add(_text(x + 4, y + 5, number, size=12, font=FONT_BOLD, colour=ink))
        if share:
            drawing.add(_text(x + 8 + _width(number, 12, FONT_BOLD), y + 5, share,
                              size=VALUE_SIZE, colour=ink))  # fmt: skip
    return drawing


def message(text: str, *, width: float) -> Drawing:
    """A chart-sized note in place of a chart that has nothing to draw."""
    register_fonts()
    lines = _wrap(text, width - 20, LABEL_SIZE + 0.5, lines=3)
    drawing = _drawing(width, 14 + 11 * len(lines))
    drawing.add(Rect(0, 0, width, drawing.height, fillColor=HexColor("#f3f5f7"),
                     strokeColor=GRID, strokeWidth=0.5))  # fmt: skip
    for n, line in enumerate(lines):
        drawing.add(_text(10, drawing.height - 14 - n * 11, line, size=LABEL_SIZE + 0.5,
                          font=FONT_ITALIC, colour=MUTED))  # fmt: skip
    return drawing


# --- turning tables into bars --------------------------------------------------------------


def table_bars(
    table: StatTable, *, words: DocumentWords, base: int | None = None,
    max_bars: int = MAX_BARS,
) -> list[Bar]:  # fmt: skip
    """A table's rows as ranked bars: published counts largest first, vague codes last,
    the smallest published rows folded into "Other" past `max_bars`, hidden rows at the end
    (as "<k", no bar). Rows with no cases are left out.
    """
    cells = row_cells(table)
    shown = [(code, cell) for code, cell in cells if cell.value]
    clear = sorted((pair for pair in shown if pair[0] not in VAGUE_CODES),
                   key=lambda pair: -(pair[1].value or 0))  # fmt: skip
    vague = [pair for pair in shown if pair[0] in VAGUE_CODES]
    hidden = [(code, cell) for code, cell in cells if cell.value is None]

    def bar(code: str, cell: Cell) -> Bar:
        share = words.percent(cell.value, base) if base and cell.value is not None else ""
        return Bar(words.label(table.row_vocab, code), cell, share)

    if len(clear) + len(vague) <= max_bars:
        bars = [bar(c, v) for c, v in clear] + [bar(c, v) for c, v in vague]
    else:
        kept, rest = clear[: max_bars - 1], clear[max_bars - 1 :] + vague
        folded = sum(cell.value or 0 for _code, cell in rest)
        share = words.percent(folded, base) if base else ""
        bars = [bar(c, v) for c, v in kept]
        bars.append(Bar(words.t(N_("All other")), Cell(folded), share))
    bars += [bar(code, cell) for code, cell in hidden]
    return bars


def folded_note(words: DocumentWords, report: StatsReport, table: StatTable) -> str:
    """ "“Other” includes: …" for a table whose small categories the statistics folded."""
    folded = report.extra.get("folded", {})
    codes = folded.get(table.key, []) if isinstance(folded, Mapping) else []
    if not codes:
        return ""
    labels = [words.label(table.row_vocab, code, in_sentence=True) for code in codes]
    return words.t(N_("“Other” includes the small categories {items}.")).format(
        items=words.join(labels)
    )


def hidden_note(words: DocumentWords, k: int, cells: Sequence[Cell]) -> str:
    """The note under a chart with hidden cells: what "<k" and "…" mean (or "")."""
    parts = []
    if any(c.primary for c in cells):
        parts.append(
            words.t(N_("<{k}: 1 to {last} cases, not shown to protect the people counted.")).format(
                k=k, last=k - 1
            )
        )
    if any(c.value is None and not c.primary for c in cells):
        parts.append(
            words.t(N_("…: hidden so that a small number cannot be worked out from totals."))
        )
    return " ".join(parts)


def _table_cells(table: StatTable) -> list[Cell]:
    return [cell for row in table.cells for cell in row]


# The order the charts appear in, in the PDF and on screen.
CHART_ORDER = (
    "trend", "category", "category_by_sex", "age_sex", "oblast", "destination_country",
    "destination_region", "sector", "forced_labour_indicators", "referrals", "assistance",
    "closed_by_reason",
)  # fmt: skip


def report_charts(report: StatsReport, *, language: str, width: float = 480) -> dict[str, Chart]:
    """Every chart of the summary for `report`, in `language`, keyed by a stable name."""
    words = DocumentWords(language)
    k = report.k
    t = words.t
    out: dict[str, Chart] = {}
    new_cases = figure_value(report, "new_cases")

    def add(key: str, title: str, drawing: Drawing, note: str, cells: Sequence[Cell]) -> None:
        """Keep a chart; one with no published count above zero becomes a short note."""
        if not any(cell.value for cell in cells):
            if any(cell.value is None for cell in cells):
                text = t(N_("Every count of this chart is hidden to protect small numbers."))
            else:
                text = t(N_("No cases to show for this period."))
            drawing, note = message(text, width=width), ""
        out[key] = Chart(key, t(title), drawing, note)

    if report.trend:
        labels = [words.short_month(p.period.start) for p in report.trend]
        years = [
            str(p.period.start.year) if n == 0 or p.period.start.month == 1 else ""
            for n, p in enumerate(report.trend)
        ]
        cells = [p.new_cases for p in report.trend]
        inside = [
            n for n, p in enumerate(report.trend)
            if report.period.start <= p.period.start <= report.period.end
        ]  # fmt: skip
        drawing = columns(labels, cells, words=words, k=k, width=width, highlight=inside,
                          sublabels=years)  # fmt: skip
        add(
            "trend",
            N_("New cases by month, last 12 months"),
            drawing,
            hidden_note(words, k, cells),
            cells,
        )

    bar_charts = (
        ("category", "category_by_sex", N_("Problems: cases by problem"), new_cases,
         N_("A case can have several problems, so shares add up to more than 100 %.")),
        ("destination_country", "destination_country", N_("Country of work"), None, ""),
        ("destination_region", "destination_region", N_("City or region of work"), None, ""),
        ("sector", "sector", N_("Sector of work"), None, ""),
        ("forced_labour_indicators", "forced_labour_indicators",
         N_("Forced-labour indicators recorded"), None,
         N_("Counted on forced-labour and trafficking cases; a case can show several.")),
        ("referrals", "referrals_by_kind_outcome", N_("Referrals by kind of institution"),
         None, ""),
        ("closed_by_reason", "closed_by_reason", N_("Cases closed, by reason"), None, ""),
        ("assistance", "assistance", N_("Assistance given"), new_cases,
         N_("A case can receive several kinds of assistance.")),
    )  # fmt: skip
    for key, table_key, title, base, note in bar_charts:
        table = find_table(report, table_key)
        if table is None:
            continue
        if base is None:
            base = total_of(table)
        bars = table_bars(table, words=words, base=base)
        drawing = ranked_bars(bars, words=words, k=k, width=width)
        notes = [t(note)] if note else []
        notes.append(folded_note(words, report, table))
        if any(b.label == t(N_("All other")) for b in bars):
            notes.append(t(N_("“All other” adds up the smaller categories listed in the table.")))
        notes.append(hidden_note(words, k, [b.cell for b in bars]))
        add(key, title, drawing, " ".join(n for n in notes if n), [c for _r, c in row_cells(table)])

    table = find_table(report, "category_by_sex")
    if table is not None:
        chart = _category_by_sex(table, words=words, k=k, width=width)
        if chart is not None:
            out["category_by_sex"] = chart

    table = find_table(report, "age_band_by_sex")
    if table is not None and {"male", "female"} <= set(table.cols):
        groups = [words.label(table.row_vocab, code) for code in table.rows]
        left, right = (
            Series(words.label(table.col_vocab, sex), tuple(table.cell(r, sex) for r in table.rows),
                   SEX_COLOURS[sex])
            for sex in ("male", "female")
        )  # fmt: skip
        drawing = pyramid(groups, left, right, words=words, k=k, width=width)
        notes = []
        for code, cell in col_cells(table):
            if code not in ("male", "female"):
                notes.append(f"{words.label(table.col_vocab, code)}: {words.cell(cell, k)}")
        note = "; ".join(notes)
        note = " ".join(s for s in (note + "." if note else "",
                                    hidden_note(words, k, _table_cells(table))) if s)  # fmt: skip
        add("age_sex", N_("Clients by age and sex"), drawing, note, [*left.cells, *right.cells])

    table = find_table(report, "oblast")
    if table is not None:
        cells = dict(row_cells(table))
        labels = {code: words.label(table.row_vocab, code) for code in table.rows}
        drawing = oblast_map(cells, labels, words=words, k=k, width=width, base=total_of(table))
        notes = [
            f"{words.label(table.row_vocab, code)}: {words.cell(cell, k)}"
            for code, cell in cells.items()
            if code not in OBLAST_TILES
        ]
        note = "; ".join(notes)
        note = " ".join(s for s in (
            note + "." if note else "",
            t(N_("Schematic map: tiles stand for oblasts and cities, not their borders.")),
            folded_note(words, report, table),
            hidden_note(words, k, list(cells.values())),
        ) if s)  # fmt: skip
        add("oblast", N_("Oblast of origin"), drawing, note, list(cells.values()))
    return {key: out[key] for key in CHART_ORDER if key in out}


def _category_by_sex(table: StatTable, *, words: DocumentWords, k: int, width: float,
                     top: int = 8) -> Chart | None:  # fmt: skip
    """Grouped bars by sex for the most common problems (published totals only)."""
    sexes = [s for s in ("female", "male") if s in table.cols]
    if len(sexes) < 2 or table.row_totals is None:
        return None
    ranked = sorted(
        (
            (code, cell.value)
            for code, cell in zip(table.rows, table.row_totals, strict=True)
            if cell.value and code not in VAGUE_CODES
        ),
        key=lambda pair: -pair[1],
    )[:top]
    if not ranked:
        return None
    codes = [code for code, _value in ranked]
    series = [
        Series(words.label(table.col_vocab, sex), tuple(table.cell(c, sex) for c in codes),
               SEX_COLOURS[sex])
        for sex in sexes
    ]  # fmt: skip
    groups = [words.label(table.row_vocab, code) for code in codes]
    drawing = grouped_bars(groups, series, words=words, k=k, width=width)
    cells = [c for s in series for c in s.cells]
    return Chart("category_by_sex", words.t(N_("Most common problems by sex")), drawing,
                 hidden_note(words, k, cells))  # fmt: skip


# --- SVG -----------------------------------------------------------------------------------

_SVG_FONTS = (
    (f"font-family: {FONT_BOLD};", "font-family: 'DejaVu Sans', sans-serif; font-weight: bold;"),
    (f"font-family: {FONT_ITALIC};",
     "font-family: 'DejaVu Sans', sans-serif; font-style: italic;"),
    (f"font-family: {FONT};", "font-family: 'DejaVu Sans', sans-serif;"),
)  # fmt: skip


def to_svg(drawing: Drawing, *, title: str = "", background: str = "white") -> bytes:
    """The drawing as a standalone SVG document (UTF-8), fonts named for any SVG viewer.

    The page colour is painted behind the chart (viewers differ about transparency), and
    the whole-drawing clip path is left out: Qt's SVG Tiny renderer does not know
    `clipPath` and would paint its rectangle black over the chart.
    """
    register_fonts()
    text = renderSVG.drawToString(drawing)
    for ours, theirs in _SVG_FONTS:
        text = text.replace(ours, theirs)
    text = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", text, count=1)
    text = re.sub(r"<clipPath id=\"clip\">.*?</clipPath>", "", text, count=1, flags=re.S)
    text = text.replace(' style="clip-path: url(#clip)"', "", 1)
    paper = (
        f'<rect x="0" y="0" width="{drawing.width}" height="{drawing.height}" '
        f'fill="{escape(background)}"/>'
    )
    text = re.sub(r"<desc>.*?</desc>", "<desc></desc>" + (paper if background else ""), text,
                  count=1)  # fmt: skip
    return text.encode("utf-8")
