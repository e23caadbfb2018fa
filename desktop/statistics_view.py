"""The Statistics screen: compute the summary for a period, look at it, export it.

A coordinator picks a period (month, quarter or year), the small-number threshold k and
the document language (apart from the interface language: a Kyrgyz-speaking coordinator
can prepare a Russian report), then Compute runs `models.stats.compute_report` in the
background. The screen then shows a preview in the document language: the key figures as
big-number cards with the previous period, the key findings, the charts (the same
reportlab drawings as the PDF, shown as SVG) and every table as published, hidden cells
as "<k". Export writes the PDF, CSV, XLSX or JSON file in the background; each export is
recorded in the audit log with its parameters (`models.stats.record_export`). Other
roles see a message that statistics are for coordinators.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from babel.dates import format_date
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import LANGUAGE_NAMES
from desktop.settings_general import OK_STYLE, describe, run_for
from desktop.worker import Report
from models import stats
from models.permissions import has
from models.settings import get_setting
from models.stats_types import Cell, KeyFigure, Period, StatsReport, StatTable
from models.vault import OpenVault
from reports import charts, stats_tables
from reports.fonts import FONT_DIR
from reports.narrative import DocumentWords, key_findings
from reports.summary_pdf import ROW_HEADERS, render_summary
from translations import LANGUAGES, N_, _, current_language

STATE = "statistics_view/"
SVG_SCALE = 1.35  # the charts are drawn in points; shown a little larger on screen
CHART_BOX_STYLE = (
    "QFrame { background: white; border: 1px solid #d5dbe0; }"
    " QLabel { border: none; } QLabel#chart_note { color: #5f6b75; font-style: italic; }"
)
KINDS = (("month", N_("Month")), ("quarter", N_("Quarter")), ("year", N_("Year")))
EXPORTS = (("pdf", N_("PDF"), N_("PDF document (*.pdf)")),
           ("csv", N_("CSV"), N_("CSV tables (*.csv)")),
           ("xlsx", N_("XLSX"), N_("Excel workbook (*.xlsx)")),
           ("json", N_("JSON"), N_("JSON data (*.json)")))  # fmt: skip
CARD_STYLE = (
    "QFrame#key_figure { background: #e8f0f6; border-top: 3px solid #1f5f8b; }"
    " QLabel#key_number { color: #1f5f8b; font-size: 22pt; font-weight: bold; }"
    " QLabel#key_previous { color: #5f6b75; }"
)


@functools.cache
def load_chart_fonts() -> None:
    """Make DejaVu Sans known to Qt, so the charts' SVG text draws Kyrgyz letters (once)."""
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        QFontDatabase.addApplicationFont(str(FONT_DIR / name))


def default_period(today: date) -> tuple[str, int, int]:
    """The last full month before `today`: (kind, year, month)."""
    period = stats.last_complete_month(today)
    return "month", period.start.year, period.start.month


def make_period(kind: str, year: int, part: int) -> Period:
    """The Period for a kind ("month", "quarter", "year"), a year and a month or quarter."""
    if kind == "month":
        return stats.month(year, part)
    if kind == "quarter":
        return stats.quarter(year, part)
    return stats.year(year)


class StatTableModel(QAbstractTableModel):
    """One published table for a QTableView: rows, a total row, hidden cells as "<k"."""

    def __init__(self, table: StatTable, words: DocumentWords, k: int, parent=None) -> None:
        super().__init__(parent)
        self.table, self.words, self.k = table, words, k
        self.one_column = len(table.cols) == 1
        row_head = words.t(ROW_HEADERS.get(table.row_vocab or "", N_("Category")))
        if self.one_column:
            self.headers = [row_head, words.t(N_("Cases"))]
        else:
            self.headers = [row_head] + [words.label(table.col_vocab, c) for c in table.cols]
            if table.row_totals is not None:
                self.headers.append(words.t(N_("Total")))
        self.rows: list[tuple[str, list[Cell | None]]] = []
        for code, cells in zip(table.rows, table.cells, strict=True):
            values: list[Cell | None] = list(cells)
            if not self.one_column and table.row_totals is not None:
                values.append(table.row_totals[table.rows.index(code)])
            self.rows.append((words.label(table.row_vocab, code), values))
        if self.one_column and table.grand_total is not None:
            self.rows.append((words.t(N_("Total")), [table.grand_total]))
        elif table.col_totals is not None:
            totals: list[Cell | None] = list(table.col_totals)
            if table.row_totals is not None:
                totals.append(table.grand_total)
            self.rows.append((words.t(N_("Total")), totals))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        label, cells = self.rows[index.row()]
        total_row = index.row() >= len(self.table.rows)
        if index.column() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return label
            if role == Qt.ItemDataRole.FontRole and total_row:
                font = QFont()
                font.setBold(True)
                return font
            return None
        cell = cells[index.column() - 1]
        hidden = cell is not None and cell.value is None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.words.cell(cell, self.k)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and (hidden or total_row):
            font = QFont()
            font.setItalic(hidden)
            font.setBold(total_row and not hidden)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and hidden and cell is not None:
            if cell.primary:
                return _("Hidden: 1 to {last} cases.").format(last=self.k - 1)
            return _("Hidden so that a small number cannot be worked out from the totals.")
        return None


class KeyFigureCard(QFrame):
    """A big number with its caption and the same figure for the previous period."""

    def __init__(self, figure: KeyFigure, words: DocumentWords, report: StatsReport,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("key_figure")
        self.setStyleSheet(CARD_STYLE)
        k, period = report.k, report.period
        self.number = QLabel(words.cell(figure.value, k), self)
        self.number.setObjectName("key_number")
        caption = QLabel(words.t(figure.caption), self)
        caption.setWordWrap(True)
        lines = []
        if figure.previous is not None:
            lines.append(words.previous_label(period).format(value=words.cell(figure.previous, k)))
        if figure.year_ago is not None and period.kind != "year":
            lines.append(words.year_ago_label(period).format(value=words.cell(figure.year_ago, k)))
        previous = QLabel("\n".join(lines), self)
        previous.setObjectName("key_previous")
        previous.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.number)
        layout.addWidget(caption)
        layout.addWidget(previous)
        layout.addStretch(1)


class StatisticsView(QWidget):
    """The Statistics screen for coordinators; a clear message for other roles."""

    title = N_("Statistics")

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statistics_view")
        self.opened = opened
        self.allowed = has(opened.actor, "export_statistics")
        self.report: StatsReport | None = None
        self.report_language = "ky"
        self.chart_svgs: dict[str, bytes] = {}
        self.busy = False
        load_chart_fonts()

        self.denied = QLabel(self)
        self.denied.setObjectName("statistics_denied")
        self.denied.setWordWrap(True)
        self.denied.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.kind = QComboBox(self)
        self.kind.setObjectName("period_kind")
        for code, _title in KINDS:
            self.kind.addItem("", code)
        self.year = QSpinBox(self)
        self.year.setObjectName("period_year")
        self.year.setRange(2000, 2100)
        self.part = QComboBox(self)
        self.part.setObjectName("period_part")
        self.k = QSpinBox(self)
        self.k.setObjectName("k_threshold")
        self.k.setRange(stats.MIN_K, stats.MAX_K)
        self.k.setValue(stats.DEFAULT_K)
        self.language = QComboBox(self)
        self.language.setObjectName("document_language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.compute_button = QPushButton(self)
        self.compute_button.setObjectName("compute_button")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.labels = [QLabel(self) for _n in range(4)]
        kind, year, part = default_period(date.today())
        self.year.setValue(year)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self._fill_parts(part)
        self.kind.currentIndexChanged.connect(lambda _i: self._fill_parts(1))

        controls = QHBoxLayout()
        for label, field in zip(self.labels, (self.kind, self.year, self.k, self.language),
                                strict=True):  # fmt: skip
            label.setBuddy(field)
            controls.addWidget(label)
            controls.addWidget(field)
            if field is self.year:
                controls.addWidget(self.part)
            controls.addSpacing(8)
        controls.addWidget(self.compute_button)
        controls.addStretch(1)

        self.export_buttons: dict[str, QPushButton] = {}
        exports = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("statistics_status")
        self.status.setWordWrap(True)
        exports.addWidget(self.status, 1)
        for fmt, _label, _filter in EXPORTS:
            button = QPushButton(self)
            button.setObjectName(f"export_{fmt}")
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, f=fmt: self.export(f))
            self.export_buttons[fmt] = button
            exports.addWidget(button)

        self.cards = QHBoxLayout()
        self.findings = QLabel(self)
        self.findings.setObjectName("key_findings")
        self.findings.setWordWrap(True)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("statistics_tabs")
        self.tabs.setDocumentMode(True)
        self.chart_page, self.chart_layout = self._scroll_page("statistics_charts")
        self.table_page, self.table_layout = self._scroll_page("statistics_tables")
        self.tabs.addTab(self.chart_page, "")
        self.tabs.addTab(self.table_page, "")
        self.chart_widgets: dict[str, QSvgWidget] = {}
        self.table_views: dict[str, QTableView] = {}

        self.content = QWidget(self)
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addLayout(controls)
        content.addLayout(exports)
        content.addLayout(self.cards)
        content.addWidget(self.findings)
        content.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.addWidget(self.denied)
        layout.addWidget(self.content, 1)
        self.denied.setVisible(not self.allowed)
        self.content.setVisible(self.allowed)
        self.retranslate()

    # --- building pieces -------------------------------------------------------------------

    def _scroll_page(self, name: str) -> tuple[QScrollArea, QVBoxLayout]:
        area = QScrollArea(self)
        area.setObjectName(name)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        layout = QVBoxLayout(inner)
        layout.addStretch(1)
        area.setWidget(inner)
        return area, layout

    def _fill_parts(self, selected: int) -> None:
        kind = self.kind.currentData()
        self.part.clear()
        if kind == "month":
            words = DocumentWords(current_language())
            for number in range(1, 13):
                self.part.addItem(words.short_month(date(2000, number, 1)), number)
        elif kind == "quarter":
            for number in range(1, 5):
                first_month = date(2000, 3 * number - 2, 1)
                self.part.addItem(
                    format_date(first_month, "QQQ", locale=current_language()), number
                )
        self.part.setVisible(kind != "year")
        index = self.part.findData(selected)
        self.part.setCurrentIndex(max(index, 0))

    def period(self) -> Period:
        """The period chosen in the controls."""
        kind = self.kind.currentData()
        return make_period(kind, self.year.value(), int(self.part.currentData() or 1))

    # --- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.denied.setText(
            _("Statistics are for coordinators. Ask a coordinator of your organisation for "
              "the monthly summary.")
        )  # fmt: skip
        for index, (_code, title) in enumerate(KINDS):
            self.kind.setItemText(index, _(title))
        if self.kind.currentData() != "year":
            self._fill_parts(int(self.part.currentData() or 1))
        for label, text in zip(
            self.labels, (_("Period:"), _("Year:"), _("k:"), _("Document language:")),
            strict=True,
        ):  # fmt: skip
            label.setText(text)
        self.k.setToolTip(
            _("The smallest count that is published. Counts from 1 to k−1 are hidden and "
              "shown as “<k”, so that nobody can be recognised from a small number. k cannot "
              "be below {low}: with k = 2, “<2” would always mean exactly 1 and hide nothing. "
              "5 is usual for reports to a ministry; larger values protect more but hide "
              "more.").format(low=stats.MIN_K)
        )  # fmt: skip
        self.language.setToolTip(
            _("The language of the charts, the PDF and the exported tables. It does not "
              "change the language of the program.")
        )  # fmt: skip
        self.compute_button.setText(_("Compute"))
        for fmt, label, _filter in EXPORTS:
            self.export_buttons[fmt].setText(_("Export {format}…").format(format=_(label)))
        self.tabs.setTabText(0, _("Charts"))
        self.tabs.setTabText(1, _("Tables"))
        self._show_status()

    def _show_status(self, text: str | None = None, style: str = "") -> None:
        if text is None:
            if self.report is None:
                text = _("Choose a period and press Compute.")
            else:
                text = _(
                    "{period}, k = {k}, language: {language}. Only published numbers are shown."
                ).format(
                    period=DocumentWords(current_language()).period(self.report.period),
                    k=self.report.k, language=LANGUAGE_NAMES[self.report_language],
                )  # fmt: skip
        self.status.setStyleSheet(style)
        self.status.setText(text)

    # --- computing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute again for the period on show (nothing before the first Compute)."""
        if self.report is not None and self.allowed and not self.busy:
            self.compute()

    def compute(self) -> None:
        """Compute the report for the chosen period, k and language in the background."""
        if not self.allowed or self.busy:
            return
        db, actor = self.opened.db, self.opened.actor
        period, k = self.period(), self.k.value()
        language = self.language.currentData()
        width = 480

        def work(report_progress: Report) -> tuple[StatsReport, dict[str, bytes]]:
            report_progress(0, 2)
            report = stats.compute_report(db=db, actor=actor, period=period, k=k)
            with db.read() as session:
                if get_setting(session, "demo"):  # invented data must say so on every page
                    report = dataclasses.replace(report, extra={**report.extra, "demo": True})
            stats.record_export(db=db, actor=actor, report=report, fmt="screen", target=None,
                                language=language)  # fmt: skip
            report_progress(1, 2)
            made = charts.report_charts(report, language=language, width=width)
            svgs = {key: charts.to_svg(c.drawing, title=c.title) for key, c in made.items()}
            report_progress(2, 2)
            return report, svgs

        self._busy(True)
        run_for(self, work, lambda result: self._computed(result, language),
                on_error=self._failed, progress_label=_("Computing statistics…"))  # fmt: skip

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.compute_button.setEnabled(not busy)
        for button in self.export_buttons.values():
            button.setEnabled(not busy and self.report is not None)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self._show_status(describe(exc), "color: #b00020;")

    def _computed(self, result: tuple[StatsReport, dict[str, bytes]], language: str) -> None:
        self.report, self.chart_svgs = result
        self.report_language = language
        self._busy(False)
        self._show_report()
        self._show_status()

    def _show_report(self) -> None:
        report = self.report
        if report is None:
            return
        words = DocumentWords(self.report_language)
        _clear(self.cards)
        for figure in report.key_figures:
            self.cards.addWidget(KeyFigureCard(figure, words, report, self))
        self.findings.setText(
            "\n".join(f"• {s}" for s in key_findings(report, self.report_language))
        )
        _clear(self.chart_layout)
        self.chart_widgets = {}
        made = charts.report_charts(report, language=self.report_language)
        for key, svg in self.chart_svgs.items():
            chart = made.get(key)
            box = QFrame(self)
            box.setObjectName(f"chart_box_{key}")
            box.setStyleSheet(CHART_BOX_STYLE)
            widget = QSvgWidget(box)
            widget.setObjectName(f"chart_{key}")
            widget.load(svg)
            size = widget.renderer().defaultSize()
            widget.setFixedSize(
                QSize(int(size.width() * SVG_SCALE), int(size.height() * SVG_SCALE))
            )
            title = QLabel(f"<b>{escape(chart.title if chart else key)}</b>", box)
            box_layout = QVBoxLayout(box)
            box_layout.addWidget(title)
            box_layout.addWidget(widget)
            if chart is not None and chart.note:
                note = QLabel(chart.note, box)
                note.setObjectName("chart_note")
                note.setWordWrap(True)
                box_layout.addWidget(note)
            box.setMaximumWidth(widget.width() + 24)
            self.chart_widgets[key] = widget
            self.chart_layout.insertWidget(self.chart_layout.count() - 1, box)
        _clear(self.table_layout)
        self.table_views = {}
        for table in report.tables:
            title = QLabel(f"<b>{words.t(table.title)}</b>", self)
            view = QTableView(self)
            view.setObjectName(f"table_{table.key}")
            view.setModel(StatTableModel(table, words, report.k, view))
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setAlternatingRowColors(True)
            view.verticalHeader().hide()
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            rows = view.model().rowCount()
            row_height = view.verticalHeader().defaultSectionSize()
            view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows * row_height + 4)
            view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.table_views[table.key] = view
            self.table_layout.insertWidget(self.table_layout.count() - 1, title)
            self.table_layout.insertWidget(self.table_layout.count() - 1, view)

    # --- exporting ---------------------------------------------------------------------------

    def export_name(self, fmt: str) -> str:
        """A file name for an export: komok-summary-2026-10-ky.pdf."""
        report = self.report
        key = report.period.key if report is not None else "report"
        return f"komok-summary-{key}-{self.report_language}.{fmt}"

    def export(self, fmt: str, target: str | Path | None = None) -> None:
        """Export the computed report as `fmt` to `target` (asked in a file dialog if None)."""
        report = self.report
        if report is None or self.busy:
            return
        if target is None:
            file_filter = next(_(f) for code, _l, f in EXPORTS if code == fmt)
            folder = QSettings().value(STATE + "folder", str(Path.home()))
            chosen, _selected = QFileDialog.getSaveFileName(
                self, _("Export statistics"), str(Path(str(folder)) / self.export_name(fmt)),
                file_filter,
            )  # fmt: skip
            if not chosen:
                return
            target = chosen
        path = Path(target)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        QSettings().setValue(STATE + "folder", str(path.parent))
        db, actor, language = self.opened.db, self.opened.actor, self.report_language

        def work(report_progress: Report) -> Path:
            report_progress(0, 3)
            data = export_bytes(report, fmt, language)
            report_progress(1, 3)
            stats_tables.write_file(path, data)
            report_progress(2, 3)
            try:
                stats.record_export(db=db, actor=actor, report=report, fmt=fmt, target=path,
                                    language=language)  # fmt: skip
            except BaseException:
                path.unlink(missing_ok=True)  # not audited: not exported
                raise
            report_progress(3, 3)
            return path

        self._busy(True)
        run_for(self, work, self._exported, on_error=self._failed,
                progress_label=_("Exporting statistics…"))  # fmt: skip

    def _exported(self, path: Path) -> None:
        self._busy(False)
        self._show_status(_("Saved: {path}").format(path=path), OK_STYLE)

    # --- remembered state ------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Remember the chosen period, k, document language and tab."""
        settings.setValue(STATE + "kind", self.kind.currentData())
        settings.setValue(STATE + "year", self.year.value())
        settings.setValue(STATE + "part", self.part.currentData() or 1)
        settings.setValue(STATE + "k", self.k.value())
        settings.setValue(STATE + "language", self.language.currentData())
        settings.setValue(STATE + "tab", self.tabs.currentIndex())

    def restore_state(self, settings: QSettings) -> None:
        """Bring back what `save_state` remembered (nothing is computed until Compute)."""
        kind = settings.value(STATE + "kind")
        if kind in ("month", "quarter", "year"):
            self.kind.setCurrentIndex(self.kind.findData(kind))
        year = _int(settings.value(STATE + "year"))
        if year is not None:
            self.year.setValue(year)
        part = _int(settings.value(STATE + "part"))
        self._fill_parts(part or 1)
        k = _int(settings.value(STATE + "k"))
        if k is not None and stats.MIN_K <= k <= stats.MAX_K:
            self.k.setValue(k)
        language = settings.value(STATE + "language")
        if language in LANGUAGES:
            self.language.setCurrentIndex(self.language.findData(language))
        tab = _int(settings.value(STATE + "tab"))
        if tab is not None and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)


def export_bytes(report: StatsReport, fmt: str, language: str) -> bytes:
    """The file contents of an export of `report` in `fmt` ("pdf", "csv", "xlsx", "json")."""
    if fmt == "pdf":
        return render_summary(report, language=language)
    if fmt == "csv":  # one file: every table in long form, with its HXL row
        return stats_tables.long_csv(report, language=language)
    if fmt == "xlsx":
        return stats_tables.xlsx_bytes(report, language=language)
    if fmt == "json":
        return stats_tables.json_bytes(report, language=language)
    raise ValueError(fmt)


def _clear(layout: QVBoxLayout | QHBoxLayout | QGridLayout) -> None:
    """Remove and delete every widget of `layout` (a trailing stretch stays)."""
    for index in reversed(range(layout.count())):
        item = layout.itemAt(index)
        widget = item.widget() if item is not None else None
        if widget is not None:
            layout.takeAt(index)
            widget.deleteLater()


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
