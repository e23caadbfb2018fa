"""The main window on a demo vault: title, lazy case table, sorting, language, layout memory."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from desktop.app import build_main_window
from desktop.case_list_model import HEADERS, CaseIdRole, CaseListModel
from desktop.i18n import LANGUAGE_KEY
from desktop.main_window import app_version
from models import cases, people
from models.actor import Actor
from models.vault import OpenVault
from models.vocab import default_vocabularies
from tests.ui.helpers import DEMO_CASES, SCREENSHOTS, fetch_all, wait_loaded
from translations import _, current_language


def _scalar(opened: OpenVault, sql: str):
    with opened.db.read() as session:
        return session.execute(text(sql)).scalar_one()


def test_demo_window_is_labelled_as_demo(window):
    assert window.windowTitle() == _("Komok — DEMO DATA (not real cases)")
    assert "DEMO" in window.windowTitle()
    assert window.banner.isVisible()
    assert "komok-demo" in window.banner.text()
    assert window.kind_label.text() == _("Demo data")
    assert window.user_label.text().startswith(_("Signed in: {name} ({role})").split("{")[0])
    assert str(window.opened.db.path) in window.database_label.text()


def test_real_window_shows_the_organisation(qtbot, real_vault):
    win = build_main_window(real_vault, demo=False)
    qtbot.addWidget(win)
    assert win.windowTitle() == _("Komok — {organisation}").format(organisation="Бишкек Көмөк NGO")
    assert not win.banner.isVisibleTo(win)
    assert win.kind_label.text() == _("Real data")
    assert win.case_list.model.total == 0
    assert win.count_label.text() == _("{count} cases").format(count=0)


def test_navigation_lists_every_screen_in_order(window):
    titles = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert titles == [
        _("Cases"), _("People"), _("Follow-ups"), _("Referrals"), _("Statistics"),
        _("Institutions"), _("Settings"),
    ]  # fmt: skip
    assert window.stack.currentWidget() is window.case_list


def test_table_reads_one_page_and_counts_all(qtbot, window):
    model = window.case_list.model
    table = window.case_list.table
    assert model.page_size < DEMO_CASES
    assert 0 < model.rowCount() <= model.page_size
    assert table.model().rowCount() == model.rowCount()
    assert model.total == DEMO_CASES
    assert window.case_list.count_label.text() == _("{count} cases").format(count=DEMO_CASES)
    assert window.count_label.text() == window.case_list.count_label.text()
    assert model.canFetchMore()
    model.fetchMore()
    assert model.loading
    wait_loaded(qtbot, model)
    assert model.rowCount() == DEMO_CASES
    assert not model.canFetchMore()
    ids = {model.index(row, 0).data(CaseIdRole) for row in range(model.rowCount())}
    assert len(ids) == DEMO_CASES and all(isinstance(i, uuid.UUID) for i in ids)


def test_next_page_does_not_wait_for_a_slow_count(qtbot, window, monkeypatch):
    """Counting a million cases takes seconds; scrolling meanwhile still reads pages."""
    model = window.case_list.model
    release = threading.Event()
    counted = model.count

    def slow_count(session, query):
        release.wait(20)
        return counted(session, query)

    monkeypatch.setattr(model, "count", slow_count)
    try:
        model.refresh()
        qtbot.waitUntil(lambda: not model.reading_page and model.rowCount() > 0, timeout=10_000)
        assert model.counting
        before = model.rowCount()
        model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() > before, timeout=10_000)
        assert model.counting  # the page came while the count was still under way
    finally:
        release.set()
    qtbot.waitUntil(lambda: not model.counting, timeout=20_000)
    assert model.total == DEMO_CASES


def test_default_order_is_newest_first(window, demo_vault):
    model = window.case_list.model
    newest = _scalar(demo_vault, "SELECT max(opened_on) FROM cases")
    assert str(model._rows[0].opened_on) == str(newest)
    header = window.case_list.table.horizontalHeader()
    assert header.sortIndicatorSection() == CaseListModel.COL_OPENED
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_sorting_by_number_is_done_by_the_database(qtbot, window, demo_vault):
    model = window.case_list.model
    header = window.case_list.table.horizontalHeader()
    col = CaseListModel.COL_NUMBER
    header.setSortIndicator(col, Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, model)
    assert model.index(0, col).data() == _scalar(demo_vault, "SELECT min(number) FROM cases")
    assert model.rowCount() <= model.page_size
    header.setSortIndicator(col, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, model)
    assert model.index(0, col).data() == _scalar(demo_vault, "SELECT max(number) FROM cases")
    fetch_all(qtbot, model)
    numbers = [model.index(row, col).data() for row in range(model.rowCount())]
    assert numbers == sorted(numbers, reverse=True)
    assert len(numbers) == DEMO_CASES


def test_cells_show_vocabulary_labels_and_names(window, demo_vault):
    model = window.case_list.model
    row = model._rows[0]
    status = default_vocabularies()["case_status"].label(row.status, "en")
    assert model.index(0, CaseListModel.COL_STATUS).data() == status
    client = model.index(0, CaseListModel.COL_CLIENT).data()
    assert row.family_name in client and row.given_name in client
    assert model.index(0, CaseListModel.COL_OPENED).data()


def test_language_switch_retranslates_live(window):
    model = window.case_list.model
    window.set_language("ru")
    assert current_language() == "ru"
    assert QSettings().value(LANGUAGE_KEY) == "ru"
    assert window.language_actions["ru"].isChecked()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [_(h) for h in HEADERS] and all(headers)
    assert window.file_menu.title() == _("&File")
    assert window.windowTitle() == _("Komok — DEMO DATA (not real cases)")
    # Vocabulary labels already exist in every language, so this shows the switch for real.
    assert "Координатор" in window.user_label.text()
    row = model._rows[0]
    status_ru = default_vocabularies()["case_status"].label(row.status, "ru")
    assert model.index(0, CaseListModel.COL_STATUS).data() == status_ru
    assert "." in model.index(0, CaseListModel.COL_OPENED).data()  # 05.03.2026 in Russian
    window.set_language("ky")
    assert window.language_actions["ky"].isChecked()
    assert not window.language_actions["ru"].isChecked()
    status_ky = default_vocabularies()["case_status"].label(row.status, "ky")
    assert model.index(0, CaseListModel.COL_STATUS).data() == status_ky


def test_layout_is_remembered(qtbot, window, demo_vault):
    window.resize(700, 500)
    window.splitter.setSizes([200, 500])
    window.case_list.table.horizontalHeader().resizeSection(CaseListModel.COL_CLIENT, 321)
    window.case_list.table.horizontalHeader().setSortIndicator(
        CaseListModel.COL_NUMBER, Qt.SortOrder.AscendingOrder
    )
    sizes = window.splitter.sizes()
    window.close()
    again = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    wait_loaded(qtbot, again.case_list.model)
    assert (again.width(), again.height()) == (700, 500)
    assert again.splitter.sizes() == sizes
    header = again.case_list.table.horizontalHeader()
    assert header.sectionSize(CaseListModel.COL_CLIENT) == 321
    assert header.sortIndicatorSection() == CaseListModel.COL_NUMBER
    model = again.case_list.model
    assert model.sort_column == CaseListModel.COL_NUMBER
    assert model.index(0, CaseListModel.COL_NUMBER).data() == _scalar(
        demo_vault, "SELECT min(number) FROM cases"
    )


def test_volunteer_sees_only_own_cases(qtbot, demo_vault):
    stranger = Actor(user_id=uuid.uuid4(), username="someone", role="volunteer")
    model = CaseListModel(demo_vault.db, stranger)
    model.refresh()
    wait_loaded(qtbot, model)
    assert model.total == 0 and model.rowCount() == 0


def test_upgrade_copy_is_shown_in_the_status_bar(qtbot, demo_vault, tmp_path):
    copy = tmp_path / "komok.db.before-upgrade"
    opened = OpenVault(db=demo_vault.db, actor=demo_vault.actor, upgrade_copy=copy)
    win = build_main_window(opened, demo=True)
    qtbot.addWidget(win)
    win.show()
    assert win.upgrade_label.isVisible()
    assert str(copy) in win.upgrade_label.text()


def test_f5_refresh_rereads_the_list(qtbot, window, demo_vault):
    person = people.create_person(
        db=demo_vault.db,
        actor=demo_vault.actor,
        data={"family_name": "Үмөталиева", "given_name": "Сезим"},
    )
    case = cases.open_case(
        db=demo_vault.db,
        actor=demo_vault.actor,
        data={
            "person_id": person.id,
            "categories": ["unpaid_wages"],
            "consent_store": True,
            "opened_on": date.today(),
        },
    )
    model = window.case_list.model
    assert model.total == DEMO_CASES
    window.refresh_action.trigger()
    wait_loaded(qtbot, model)
    assert model.total == DEMO_CASES + 1
    fetch_all(qtbot, model)
    shown = {model.index(row, 0).data(CaseIdRole) for row in range(model.rowCount())}
    assert case.id in shown
    assert window.count_label.text() == _("{count} cases").format(count=DEMO_CASES + 1)
    assert window.refresh_action.shortcut().toString() == "F5"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"


def test_about_shows_the_version(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about_action.trigger()
    assert shown and app_version() in shown[0]


def test_screenshot_renders_kyrgyz_names(qtbot, window):
    window.set_language("ky")
    window.resize(1280, 720)
    qtbot.wait(50)
    SCREENSHOTS.mkdir(exist_ok=True)
    path: Path = SCREENSHOTS / "main_window_demo_ky.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000
    window.set_language("en")
    qtbot.wait(50)
    assert window.grab().save(str(SCREENSHOTS / "main_window_demo_en.png"))
