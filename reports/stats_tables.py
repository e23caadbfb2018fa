"""The summary's machine-readable companion: CSV with HXL hashtags, one XLSX workbook, JSON.

Everything here renders a `StatsReport` that `models.stats` already protected: hidden cells
arrive without their value and are written as "<k" (primary) or "…" (any other hidden
cell), exactly as in the PDF. Labels are in the document language (vocabulary labels and
the catalog of that language); codes stay stable so reports of several organisations can be
combined. No names, dates of birth, free text, phone or case numbers exist in a report, so
none can reach these files.

- CSV (UTF-8): a folder gets one file per table, each with a header row, an HXL hashtag
  row (`#affected +f`, `#adm1 +code`, `#country +code`…), the rows and a total row, plus
  `key_figures` and `trend`; a single `.csv` file gets every table in long form.
- XLSX: one workbook, a summary sheet and a sheet per table (with the same HXL row).
- JSON: schema version, period, rules, key figures, tables with codes and labels, trend and
  the comparison periods.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from models.errors import KomokError
from models.stats_types import SCHEMA_VERSION, Cell, KeyFigure, StatsReport, StatTable
from reports.narrative import DocumentWords
from reports.summary_pdf import NOT_PREVALENCE, ROW_HEADERS, TITLES
from translations import N_, _

JSON_SCHEMA = "komok.statistics"
TOTAL = "total"
PERIOD_HXL = "#date +period"
HXL_TOTALS = {"sex": "#affected +total", "referral_status": "#output +referrals +total"}
LONG_HXL = (
    PERIOD_HXL, "#meta +table +code", "#meta +table +name", "#indicator +row +code",
    "#indicator +row +name", "#indicator +col +code", "#indicator +col +name", "#affected +num",
)  # fmt: skip


class ExportError(KomokError):
    """A companion file could not be written; nothing half-written is left behind."""


# --- cells and labels -------------------------------------------------------------------


def cell_text(cell: Cell | None, k: int) -> str:
    """A cell as text: the number, "<k" or "…" ("" when there is no such cell)."""
    if cell is None:
        return ""
    return str(cell.value) if cell.value is not None else cell.display(k)


def _cell_value(cell: Cell | None, k: int) -> int | str:
    """A number for spreadsheets, or the text of a hidden cell."""
    if cell is not None and cell.value is not None:
        return cell.value
    return cell_text(cell, k)


def cell_state(cell: Cell) -> str | None:
    """None for a published count, else why it is hidden: primary, secondary, withheld."""
    if cell.value is not None:
        return None
    if cell.primary:
        return "primary"
    return "secondary" if cell.secondary else "withheld"


def _cell_json(cell: Cell | None, k: int) -> dict | None:
    if cell is None:
        return None
    state = cell_state(cell)
    if state is None:
        return {"value": cell.value}
    return {"value": None, "suppressed": state, "shown": cell.display(k)}


def _row_code(words: DocumentWords, vocabulary: str | None, code: str) -> str:
    """The code humanitarian tools expect: ISO 3166 where the vocabulary has one."""
    if vocabulary is not None and vocabulary in words.vocab:
        item = words.vocab[vocabulary].get(code)
        if item is not None and item.extra.get("iso"):
            return str(item.extra["iso"])
    return code


def _total_tag(table: StatTable) -> str:
    return HXL_TOTALS.get(table.col_vocab or "", "#affected +total")


def _col_labels(words: DocumentWords, table: StatTable) -> list[str]:
    if len(table.cols) == 1:
        return [words.t(N_("Cases"))]
    return [words.label(table.col_vocab, code) for code in table.cols]


# --- one table as rows --------------------------------------------------------------------


def table_grid(report: StatsReport, table: StatTable, words: DocumentWords, *, numbers: bool):
    """The header row, the HXL row and the body (with a total row) of a table."""
    k = report.k
    value = (lambda c: _cell_value(c, k)) if numbers else (lambda c: cell_text(c, k))
    row_head = words.t(ROW_HEADERS.get(table.row_vocab or "", N_("Category")))
    has_row_totals = table.row_totals is not None
    header = [words.t(N_("Period")), row_head, words.t(N_("Code")), *_col_labels(words, table)]
    hxl = [PERIOD_HXL, f"{table.hxl_row} +name", f"{table.hxl_row} +code", *table.hxl_cols]
    if has_row_totals:
        header.append(words.t(N_("Total")))
        hxl.append(_total_tag(table))
    body: list[list[object]] = []
    for i, code in enumerate(table.rows):
        row: list[object] = [report.period.key, words.label(table.row_vocab, code),
                             _row_code(words, table.row_vocab, code)]  # fmt: skip
        row += [value(cell) for cell in table.cells[i]]
        if has_row_totals:
            row.append(value(table.row_totals[i]))
        body.append(row)
    totals: list[object] | None = None
    if table.col_totals is not None:
        totals = [report.period.key, words.t(N_("Total")), TOTAL]
        totals += [value(cell) for cell in table.col_totals]
        if has_row_totals:
            totals.append(value(table.grand_total))
    elif table.grand_total is not None:
        totals = [report.period.key, words.t(N_("Total")), TOTAL, value(table.grand_total)]
    if totals is not None:
        body.append(totals)
    return header, hxl, body


def _figure_rows(report: StatsReport, words: DocumentWords, *, numbers: bool):
    k = report.k
    value = (lambda c: _cell_value(c, k)) if numbers else (lambda c: cell_text(c, k))
    header = [words.t(N_("Period")), words.t(N_("Figure")), words.t(N_("Code")),
              words.t(N_("Value")), words.t(N_("Previous period")),
              words.t(N_("Same period a year before"))]  # fmt: skip
    hxl = [PERIOD_HXL, "#indicator +name", "#indicator +code", "#indicator +value",
           "#indicator +value +previous", "#indicator +value +year_ago"]  # fmt: skip
    body = [
        [report.period.key, words.t(f.caption), f.key, value(f.value), value(f.previous),
         value(f.year_ago)]
        for f in report.key_figures
    ]  # fmt: skip
    return header, hxl, body


def _trend_rows(report: StatsReport, words: DocumentWords, *, numbers: bool):
    k = report.k
    value = (lambda c: _cell_value(c, k)) if numbers else (lambda c: cell_text(c, k))
    header = [words.t(N_("Month")), words.t(N_("New cases"))]
    hxl = [PERIOD_HXL, "#affected +new"]
    return header, hxl, [[p.period.key, value(p.new_cases)] for p in report.trend]


# --- CSV ----------------------------------------------------------------------------------


def _csv_bytes(rows: Iterable[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def csv_files(report: StatsReport, *, language: str) -> dict[str, bytes]:
    """One CSV per table (plus key figures and trend), by file name."""
    words = DocumentWords(language)
    prefix = report.period.key
    files = {}
    header, hxl, body = _figure_rows(report, words, numbers=False)
    files[f"{prefix}_key_figures.csv"] = _csv_bytes([header, hxl, *body])
    if report.trend:
        header, hxl, body = _trend_rows(report, words, numbers=False)
        files[f"{prefix}_trend.csv"] = _csv_bytes([header, hxl, *body])
    for table in report.tables:
        header, hxl, body = table_grid(report, table, words, numbers=False)
        files[f"{prefix}_{table.key}.csv"] = _csv_bytes([header, hxl, *body])
    return files


def long_csv(report: StatsReport, *, language: str) -> bytes:
    """Every table in one CSV, one published cell per line (totals included)."""
    words, k = DocumentWords(language), report.k
    header = [words.t(N_("Period")), words.t(N_("Table")), words.t(N_("Title")),
              words.t(N_("Row code")), words.t(N_("Row")), words.t(N_("Column code")),
              words.t(N_("Column")), words.t(N_("Cases"))]  # fmt: skip
    rows: list[list[object]] = [header, list(LONG_HXL)]
    for table in report.tables:
        title = words.t(table.title)
        cols = list(zip(table.cols, _col_labels(words, table), strict=True))
        total_label = words.t(N_("Total"))

        def line(row_code, row_label, col_code, col_label, cell, table=table, title=title):
            rows.append([report.period.key, table.key, title, row_code, row_label, col_code,
                         col_label, cell_text(cell, k)])  # fmt: skip

        for i, code in enumerate(table.rows):
            label = words.label(table.row_vocab, code)
            for (col_code, col_label), cell in zip(cols, table.cells[i], strict=True):
                line(code, label, col_code, col_label, cell)
            if table.row_totals is not None:
                line(code, label, TOTAL, total_label, table.row_totals[i])
        if table.col_totals is not None:
            for (col_code, col_label), cell in zip(cols, table.col_totals, strict=True):
                line(TOTAL, total_label, col_code, col_label, cell)
        if table.grand_total is not None:
            line(TOTAL, total_label, TOTAL, total_label, table.grand_total)
    return _csv_bytes(rows)


def write_csv(report: StatsReport, target: Path, *, language: str) -> list[Path]:
    """Write the CSV companion: into a folder (one file per table) or one long `.csv` file."""
    target = Path(target)
    if target.suffix.lower() == ".csv" and not target.is_dir():
        return [write_file(target, long_csv(report, language=language))]
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            _("Cannot create the folder {folder}: {reason}").format(
                folder=target, reason=exc.strerror
            )
        ) from exc
    return [
        write_file(target / name, data)
        for name, data in csv_files(report, language=language).items()
    ]


# --- XLSX ---------------------------------------------------------------------------------


def xlsx_bytes(report: StatsReport, *, language: str) -> bytes:
    """One workbook: a summary sheet, the key figures and trend, then a sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    words = DocumentWords(language)
    bold = Font(bold=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    title = words.t(TITLES.get(report.period.kind, TITLES["year"]))
    info = [
        (title, ""),
        (words.t(N_("Organisation")), report.organisation),
        (words.t(N_("Period")), f"{words.period(report.period)} "
         f"({report.period.start.isoformat()} – {report.period.end.isoformat()})"),
        (words.t(N_("Small-number threshold")), f"k = {report.k}"),
        (words.t(N_("Generated on")), report.generated_on.isoformat()),
        (words.t(N_("Software")), f"Komok {report.software_version}".strip()),
        (words.t(NOT_PREVALENCE), ""),
        (words.t(N_("Only cases whose client agreed to the statistical use of their data are "
                    "counted.")), ""),
        (words.t(N_("Cases left out for lack of consent")), report.excluded_no_consent),
        (f"<{report.k}", words.t(N_("1 to {last} cases, not shown")).format(last=report.k - 1)),
        ("…", words.t(N_("hidden so that a small number cannot be worked out from totals"))),
    ]  # fmt: skip
    for row in info:
        sheet.append(list(row))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 50

    def add(name: str, heading: str, note: str, grid) -> None:
        header, hxl, body = grid
        ws = book.create_sheet(name[:31])
        ws.append([heading])
        ws["A1"].font = Font(bold=True, size=12)
        if note:
            ws.append([note])
        ws.append(header)
        for cell in ws[ws.max_row]:
            cell.font = bold
        ws.append(hxl)
        first_data = ws.max_row + 1
        for row in body:
            ws.append(row)
        ws.freeze_panes = ws.cell(row=first_data, column=3)
        for column in range(1, len(header) + 1):
            width = max(len(str(header[column - 1])), 8)
            if column == 2:
                width = max([width] + [len(str(r[1])) for r in body])
            ws.column_dimensions[get_column_letter(column)].width = min(width + 2, 60)

    add("key_figures", words.t(N_("Key figures")), "",
        _figure_rows(report, words, numbers=True))  # fmt: skip
    if report.trend:
        add("trend", words.t(N_("New cases by month")), "",
            _trend_rows(report, words, numbers=True))  # fmt: skip
    for table in report.tables:
        add(table.key, words.t(table.title), words.t(table.note) if table.note else "",
            table_grid(report, table, words, numbers=True))  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- JSON ---------------------------------------------------------------------------------


def _figure_json(figure: KeyFigure, words: DocumentWords, k: int) -> dict:
    return {
        "key": figure.key,
        "caption": words.t(figure.caption),
        "value": _cell_json(figure.value, k),
        "previous": _cell_json(figure.previous, k),
        "year_ago": _cell_json(figure.year_ago, k),
    }


def _table_json(table: StatTable, words: DocumentWords, k: int) -> dict:
    cells = lambda row: [_cell_json(c, k) for c in row]  # noqa: E731
    return {
        "key": table.key,
        "title": words.t(table.title),
        "note": words.t(table.note) if table.note else "",
        "row_vocabulary": table.row_vocab,
        "column_vocabulary": table.col_vocab,
        "rows": [{"code": c, "label": words.label(table.row_vocab, c)} for c in table.rows],
        "columns": [
            {"code": c, "label": label}
            for c, label in zip(table.cols, _col_labels(words, table), strict=True)
        ],
        "cells": [cells(row) for row in table.cells],
        "row_totals": cells(table.row_totals) if table.row_totals is not None else None,
        "column_totals": cells(table.col_totals) if table.col_totals is not None else None,
        "grand_total": _cell_json(table.grand_total, k),
        "hxl": {"row": table.hxl_row, "columns": list(table.hxl_cols)},
    }


def _period_json(report: StatsReport) -> dict:
    p = report.period
    return {"kind": p.kind, "key": p.key, "start": p.start.isoformat(), "end": p.end.isoformat()}


def _report_json(report: StatsReport, words: DocumentWords) -> dict:
    k = report.k
    return {
        "period": _period_json(report),
        "excluded_no_consent": report.excluded_no_consent,
        "key_figures": [_figure_json(f, words, k) for f in report.key_figures],
        "tables": [_table_json(t, words, k) for t in report.tables],
    }


def json_document(report: StatsReport, *, language: str) -> dict:
    """The report as plain JSON data (see the module docstring)."""
    words = DocumentWords(language)
    doc = {
        "schema": JSON_SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "organisation": report.organisation,
        "language": language,
        "generated_on": report.generated_on.isoformat(),
        "software_version": report.software_version,
        "rules": {
            "k": report.k,
            "consent_required": True,
            "primary": f"<{report.k}",
            "secondary": "…",
            "zeros_shown": True,
            "reported_cases_only": True,
        },
        **_report_json(report, words),
        "trend": [
            {"period": p.period.key, "new_cases": _cell_json(p.new_cases, report.k)}
            for p in report.trend
        ],
        "comparisons": {
            name: _report_json(other, words)
            for name, other in (("previous", report.previous), ("year_ago", report.year_ago))
            if other is not None
        },
    }
    return doc


def json_bytes(report: StatsReport, *, language: str) -> bytes:
    """The JSON companion as UTF-8 bytes."""
    text = json.dumps(json_document(report, language=language), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


# --- files --------------------------------------------------------------------------------


def write_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, then rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from exc
    return path
