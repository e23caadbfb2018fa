"""`komok report`: the protected statistics summary of a month, quarter or year, headless.

    komok report --month 2026-10 --lang ky -o summary.pdf --csv tables/ --xlsx summary.xlsx

Coordinators only. Credentials come from KOMOK_USER / KOMOK_PASSWORD or the terminal, as
for the other headless commands; `--demo` / `--dir` pick the vault (KOMOK_DATABASE_URL a
server). Without an output option the key figures are printed. Every file written is
recorded in the audit log with its parameters. KomokErrors go to `desktop.cli.main`, which
prints them translated and exits non-zero.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from models import errors
from models.stats_types import Period, StatsReport
from translations import LANGUAGES, N_, _, current_language

# --month/--quarter/--year: the shape each takes, its help and the message when it does not fit.
_KINDS = {
    "month": ("YYYY-MM", N_("the month to report, e.g. 2026-10"),
              N_("“{text}” is not a month; write it like 2026-10.")),
    "quarter": ("YYYY-Qn", N_("the quarter to report, e.g. 2026-Q3"),
                N_("“{text}” is not a quarter; write it like 2026-Q3.")),
    "year": ("YYYY", N_("the year to report, e.g. 2026"),
             N_("“{text}” is not a year; write it like 2026.")),
}  # fmt: skip


def _period(args: argparse.Namespace, today: date) -> Period:
    """The period the arguments ask for (the last complete month by default)."""
    from models.stats import last_complete_month, parse_period

    for kind, (_shape, _help, wrong) in _KINDS.items():
        text = getattr(args, kind, None)
        if text is None:
            continue
        period = parse_period(text)
        if period.kind != kind:
            raise errors.ValidationFailed({f"--{kind}": _(wrong).format(text=text)})
        return period
    return last_complete_month(today)


def _write(fmt: str, target: Path, report: StatsReport, language: str) -> list[Path]:
    """Write one requested output; returns the files written."""
    from reports import stats_tables

    if fmt == "csv":
        return stats_tables.write_csv(report, target, language=language)
    if fmt == "xlsx":
        data = stats_tables.xlsx_bytes(report, language=language)
    elif fmt == "json":
        data = stats_tables.json_bytes(report, language=language)
    else:
        try:
            from reports.summary_pdf import render_summary
        except ImportError as exc:  # pragma: no cover - only in a broken installation
            raise errors.KomokError(
                _("The PDF summary is not available in this installation.")
            ) from exc
        data = render_summary(report, language=language)
    return [stats_tables.write_file(target, data)]


def cmd_report(args: argparse.Namespace) -> int:
    """Compute the statistics of a period and write the requested files."""
    from desktop.cli_admin import _open
    from models.stats import check_k, compute_report, record_export

    period = _period(args, date.today())
    k = check_k(args.k)
    language = args.lang or current_language()
    requested = [("pdf", args.output), ("csv", args.csv), ("xlsx", args.xlsx),
                 ("json", args.json)]  # fmt: skip
    outputs = [(fmt, target) for fmt, target in requested if target]
    opened = _open(args)
    try:
        report = compute_report(db=opened.db, actor=opened.actor, period=period, k=k)
        for fmt, target in outputs:
            paths = _write(fmt, Path(target), report, language)
            record_export(db=opened.db, actor=opened.actor, report=report, fmt=fmt,
                          target=target, language=language)  # fmt: skip
            for path in paths:
                print(_("Written: {path}").format(path=path))
    finally:
        opened.db.close()
    if not outputs:
        _print_figures(report, language)
    return 0


def _print_figures(report: StatsReport, language: str) -> None:
    """The key figures on the terminal, in the document language."""
    from reports.narrative import DocumentWords
    from reports.stats_tables import cell_text

    words = DocumentWords(language)
    print(
        _("{period} (k = {k}), {organisation}").format(
            period=words.period(report.period), k=report.k, organisation=report.organisation
        )
    )
    for figure in report.key_figures:
        print(f"  {cell_text(figure.value, report.k):>8}  {words.t(figure.caption)}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `report` command to `sub`."""
    from desktop.cli_admin import _where
    from models.stats import DEFAULT_K

    report = sub.add_parser(
        "report", help=_("make the statistics summary of a period (coordinators)")
    )
    when = report.add_mutually_exclusive_group()
    for kind, (shape, help_text, _wrong) in _KINDS.items():
        when.add_argument(f"--{kind}", metavar=shape, help=_(help_text))
    report.add_argument(
        "--k", type=int, default=DEFAULT_K,
        help=_("hide counts below this number (default {k})").format(k=DEFAULT_K),
    )  # fmt: skip
    report.add_argument("--lang", choices=LANGUAGES, help=_("language of the documents"))
    report.add_argument("-o", "--output", metavar="FILE", help=_("the summary PDF"))
    report.add_argument(
        "--csv", metavar="DIR_OR_FILE",
        help=_("CSV tables: a folder gets one file per table, a .csv file all of them"),
    )  # fmt: skip
    report.add_argument("--xlsx", metavar="FILE", help=_("the tables as one XLSX workbook"))
    report.add_argument("--json", metavar="FILE", help=_("the report as JSON"))
    _where(report)
    report.set_defaults(func=cmd_report)
