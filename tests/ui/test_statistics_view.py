"""The Statistics screen on the demo vault: compute, see the published numbers, export."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlmodel import select

from desktop.main_window import VIEWS
from desktop.statistics_view import StatisticsView, StatTableModel, default_period
from models import stats
from models.actor import Actor
from models.tables import AuditEntry
from reports.narrative import DocumentWords


def _view(qtbot, opened) -> StatisticsView:
    view = StatisticsView(opened)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    return view


def _compute(qtbot, view: StatisticsView, kind="year", year=None, language="ru") -> None:
    view.kind.setCurrentIndex(view.kind.findData(kind))
    view.year.setValue(year or date.today().year)
    view.language.setCurrentIndex(view.language.findData(language))
    qtbot.mouseClick(view.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.report is not None and not view.busy, timeout=30_000)


def _audit(opened, fmt: str) -> list[AuditEntry]:
    with opened.db.read() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.entity == "statistics")).all()
    return [row for row in rows if row.changes.get("format") == fmt]


def test_registered_in_the_main_window():
    entry = next(e for e in VIEWS if e.key == "statistics")
    assert entry.build is StatisticsView and entry.title == "Statistics"


def test_compute_shows_the_published_numbers(qtbot, demo_vault):
    view = _view(qtbot, demo_vault)
    assert not view.export_buttons["pdf"].isEnabled()
    _compute(qtbot, view)
    report = view.report
    assert report is not None and report.k == stats.DEFAULT_K
    assert report.period == stats.year(date.today().year)
    words = DocumentWords("ru")
    cards = [view.cards.itemAt(i).widget() for i in range(view.cards.count())]
    assert [card.number.text() for card in cards] == [
        words.cell(figure.value, report.k) for figure in report.key_figures
    ]
    assert set(view.table_views) == {table.key for table in report.tables}
    for table in report.tables:
        model = view.table_views[table.key].model()
        assert isinstance(model, StatTableModel)
        for r, row in enumerate(table.cells):
            for c, cell in enumerate(row, start=1):
                shown = model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole)
                assert shown == words.cell(cell, report.k)
                if cell.suppressed:
                    assert shown in (f"<{report.k}", "…")
    assert "trend" in view.chart_widgets
    for widget in view.chart_widgets.values():
        assert widget.renderer().isValid()
    assert all(button.isEnabled() for button in view.export_buttons.values())
    assert _audit(demo_vault, "screen")  # looking at statistics is recorded too


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx", "json"])
def test_export_writes_the_file_and_an_audit_entry(qtbot, demo_vault, tmp_path, fmt):
    view = _view(qtbot, demo_vault)
    _compute(qtbot, view, kind="month", language="ky")
    target = tmp_path / f"summary.{fmt}"
    view.export(fmt, target)
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    assert target.exists() and target.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-written file
    data = target.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
    elif fmt == "json":
        json.loads(data)
    elif fmt == "xlsx":
        assert data.startswith(b"PK")
    entries = _audit(demo_vault, fmt)
    assert len(entries) == 1
    changes = entries[0].changes
    assert changes["target"] == str(target)
    assert changes["k"] == view.report.k and changes["language"] == "ky"
    assert changes["period"] == view.report.period.key
    assert str(target) in view.status.text()


def test_export_adds_the_missing_extension(qtbot, demo_vault, tmp_path):
    view = _view(qtbot, demo_vault)
    _compute(qtbot, view, kind="month")
    view.export("pdf", tmp_path / "summary")
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


def test_other_roles_are_told_statistics_are_for_coordinators(qtbot, demo_vault):
    volunteer = Actor(user_id=demo_vault.actor.user_id, username="v", role="volunteer")
    view = _view(qtbot, dataclasses.replace(demo_vault, actor=volunteer))
    assert view.denied.isVisible() and not view.content.isVisible()
    assert "coordinator" in view.denied.text().lower() or "координатор" in view.denied.text()
    view.compute()
    assert view.report is None


def test_k_limits_and_tooltip(qtbot, demo_vault):
    view = _view(qtbot, demo_vault)
    assert view.k.minimum() == stats.MIN_K and view.k.maximum() == stats.MAX_K
    assert view.k.value() == stats.DEFAULT_K
    assert str(stats.MIN_K) in view.k.toolTip()


def test_choices_are_remembered(qtbot, demo_vault):
    view = _view(qtbot, demo_vault)
    view.kind.setCurrentIndex(view.kind.findData("quarter"))
    view.year.setValue(2025)
    view.part.setCurrentIndex(view.part.findData(3))
    view.k.setValue(11)
    view.language.setCurrentIndex(view.language.findData("en"))
    view.save_state(QSettings())
    again = _view(qtbot, demo_vault)
    again.restore_state(QSettings())
    assert again.period() == stats.quarter(2025, 3)
    assert again.k.value() == 11 and again.language.currentData() == "en"


def test_default_period_is_the_last_full_month():
    assert default_period(date(2026, 1, 15)) == ("month", 2025, 12)
    assert default_period(date(2026, 11, 1)) == ("month", 2026, 10)
