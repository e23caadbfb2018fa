"""The case list's filters on the demo vault: each against a direct count, the chips, Clear,
remembering them, and reads that give way to newer ones."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from sqlalchemy import text

from desktop.case_filters import filters_from_text, filters_to_text
from desktop.case_list_view import CaseListView
from desktop.case_queries import ASSIGNED_ME, UNASSIGNED, CaseFilter
from desktop.filter_widgets import ChoiceMenu
from desktop.paged_query_model import LatestReads, Superseded
from models.actor import Actor
from models.vault import OpenVault
from models.vocab import default_vocabularies
from tests.ui.helpers import DEMO_CASES, fetch_all, wait_loaded
from translations import _, ngettext, set_language


def _count(opened: OpenVault, where: str, **params) -> int:
    sql = f"SELECT count(*) FROM cases c JOIN people p ON p.id = c.person_id WHERE {where}"
    with opened.db.read() as session:
        return int(session.execute(text(sql), params).scalar_one())


def _me(opened: OpenVault) -> str:
    return opened.actor.user_id.hex


@pytest.fixture
def view(qtbot, demo_vault) -> CaseListView:
    """The case list on the demo vault, first page read, no filters."""
    widget = CaseListView(demo_vault.db, demo_vault.actor)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.restore_state(QSettings())
    wait_loaded(qtbot, widget.model)
    assert widget.model.total == DEMO_CASES
    return widget


def _apply(qtbot, view: CaseListView, filters: CaseFilter) -> None:
    view.set_filters(filters)
    wait_loaded(qtbot, view.model)


TODAY = date.today().isoformat()
CHECKS = [
    (CaseFilter(statuses=frozenset({"in_progress"})), "c.status = 'in_progress'"),
    (
        CaseFilter(statuses=frozenset({"new", "awaiting_response"})),
        "c.status IN ('new', 'awaiting_response')",
    ),
    (
        CaseFilter(categories=frozenset({"unpaid_wages"})),
        "c.id IN (SELECT case_id FROM case_categories WHERE code = 'unpaid_wages')",
    ),
    (
        CaseFilter(categories=frozenset({"entry_ban", "fraud"})),
        "c.id IN (SELECT case_id FROM case_categories WHERE code IN ('entry_ban', 'fraud'))",
    ),
    (CaseFilter(countries=frozenset({"kz"})), "c.destination_country = 'kz'"),
    (
        CaseFilter(countries=frozenset({"kz"}), regions=frozenset({"moscow"})),
        "(c.destination_country = 'kz' OR c.destination_region = 'moscow')",
    ),
    (CaseFilter(oblasts=frozenset({"osh_oblast"})), "p.oblast = 'osh_oblast'"),
    (CaseFilter(assignees=frozenset({UNASSIGNED})), "c.assigned_user_id IS NULL"),
    (
        CaseFilter(opened_from=date.today() - timedelta(days=90)),
        f"c.opened_on >= '{(date.today() - timedelta(days=90)).isoformat()}'",
    ),
    (
        CaseFilter(opened_from=date(2025, 1, 1), opened_to=date(2025, 12, 31)),
        "c.opened_on BETWEEN '2025-01-01' AND '2025-12-31'",
    ),
    (
        CaseFilter(overdue=True),
        "EXISTS (SELECT 1 FROM follow_ups f WHERE f.case_id = c.id AND f.done_on IS NULL"
        f" AND f.due_on < '{TODAY}')",
    ),
    (
        CaseFilter(statuses=frozenset({"in_progress", "referred"}), categories=frozenset(
            {"unpaid_wages"}), oblasts=frozenset({"osh_oblast", "jalal_abad"})),
        "c.status IN ('in_progress', 'referred') AND p.oblast IN ('osh_oblast', 'jalal_abad')"
        " AND c.id IN (SELECT case_id FROM case_categories WHERE code = 'unpaid_wages')",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("filters", "where"), CHECKS, ids=[w for _f, w in CHECKS])
def test_each_filter_matches_a_direct_count(qtbot, view, demo_vault, filters, where):
    expected = _count(demo_vault, where)
    assert expected < DEMO_CASES
    _apply(qtbot, view, filters)
    assert view.model.total == expected
    fetch_all(qtbot, view.model)
    ids = [view.model.case_id(row) for row in range(view.model.rowCount())]
    assert len(ids) == len(set(ids)) == expected
    label = ngettext(
        "{count} case matches the filters", "{count} cases match the filters", expected
    )
    assert view.count_label.text() == label.format(count=expected)


def test_assigned_to_me_and_to_a_colleague(qtbot, view, demo_vault):
    me = _me(demo_vault)
    _apply(qtbot, view, CaseFilter(assignees=frozenset({ASSIGNED_ME})))
    mine = _count(demo_vault, "c.assigned_user_id = :me", me=me)
    assert 0 < view.model.total == mine
    colleague, name = next((u, n) for u, n in view.filter_bar.users.items() if u != me)
    _apply(qtbot, view, CaseFilter(assignees=frozenset({ASSIGNED_ME, colleague})))
    both = _count(demo_vault, "c.assigned_user_id IN (:me, :other)", me=me, other=colleague)
    assert view.model.total == both > mine
    chip = view.filter_bar.chips[0].text()
    assert _("me") in chip and name in chip


def test_volunteer_filters_within_own_cases(qtbot, demo_vault):
    with demo_vault.db.read() as session:
        row = session.execute(
            text("SELECT id, username FROM users WHERE role = 'volunteer' ORDER BY username")
        ).first()
    user_id, username = uuid.UUID(hex=row[0]), row[1]
    volunteer = Actor(user_id=user_id, username=username, role="volunteer")
    widget = CaseListView(demo_vault.db, volunteer)
    qtbot.addWidget(widget)
    widget.refresh()
    wait_loaded(qtbot, widget.model)
    hexid = user_id.hex
    own = "(c.assigned_user_id = :u OR c.created_by = :u)"
    assert 0 < widget.model.total == _count(demo_vault, own, u=hexid) < DEMO_CASES
    _apply(qtbot, widget, CaseFilter(statuses=frozenset({"closed"})))
    assert widget.model.total == _count(demo_vault, f"{own} AND c.status = 'closed'", u=hexid)


def test_ticking_a_choice_filters_after_a_pause(qtbot, view, demo_vault):
    menu = view.filter_bar.buttons["status"].menu()
    action = next(a for a in menu.actions() if a.data() == "closed")
    action.trigger()
    assert view.filter_bar.filters() == CaseFilter(statuses=frozenset({"closed"}))
    assert view.model.filters == CaseFilter()  # not yet: ticking more boxes reads once
    qtbot.waitUntil(lambda: view.model.filters == view.filter_bar.filters(), timeout=3000)
    wait_loaded(qtbot, view.model)
    assert view.model.total == _count(demo_vault, "c.status = 'closed'")
    status = _("Status")
    assert view.filter_bar.buttons["status"].text().startswith(f"{status} (1)")
    assert [chip.text() for chip in view.filter_bar.chips] == [
        _("{field}: {values}").format(
            field=status, values=default_vocabularies()["case_status"].label("closed", "en")
        )
        + "  ✕"
    ]


def test_choice_menu_stays_open_while_ticking(qtbot, view):
    button = view.filter_bar.buttons["category"]
    menu = button.menu()
    assert isinstance(menu, ChoiceMenu)
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    qtbot.waitUntil(menu.isVisible)
    first, second = menu.actions()[:2]
    for action in (first, second):
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert menu.isVisible()
    assert first.isChecked() and second.isChecked()
    assert view.filter_bar.filters().categories == {first.data(), second.data()}
    menu.close()


def test_date_range_and_overdue_controls(qtbot, view, demo_vault):
    bar = view.filter_bar
    bar.date_range.this_year.click()
    assert bar.filters().opened_from == date(date.today().year, 1, 1)
    assert bar.filters().opened_to is None
    bar.overdue_button.click()
    assert bar.filters().overdue
    view.apply_filters()
    wait_loaded(qtbot, view.model)
    expected = _count(
        demo_vault,
        "c.opened_on >= :start AND EXISTS (SELECT 1 FROM follow_ups f WHERE f.case_id = c.id"
        " AND f.done_on IS NULL AND f.due_on < :today)",
        start=f"{date.today().year}-01-01",
        today=TODAY,
    )
    assert view.model.total == expected
    assert len(bar.chips) == 2
    bar.date_range.any_time.click()
    assert bar.filters() == CaseFilter(overdue=True)


def test_chips_remove_one_filter_and_clear_removes_all(qtbot, view):
    filters = CaseFilter(
        statuses=frozenset({"closed"}), oblasts=frozenset({"naryn"}), overdue=False,
        countries=frozenset({"ru"}), regions=frozenset({"almaty"}),
    )  # fmt: skip
    _apply(qtbot, view, filters)
    bar = view.filter_bar
    assert bar.chip_row.isVisibleTo(view)
    assert [c.property("filter_fields") for c in bar.chips] == [
        "statuses", "countries,regions", "oblasts",
    ]  # fmt: skip
    place = bar.chips[1].text()
    assert "Russia" in place and "Almaty" in place
    bar.chips[1].click()
    assert bar.filters() == CaseFilter(statuses=frozenset({"closed"}), oblasts=frozenset({"naryn"}))
    qtbot.waitUntil(lambda: view.model.filters == bar.filters(), timeout=3000)
    bar.clear_button.click()
    qtbot.waitUntil(lambda: view.model.filters == CaseFilter(), timeout=3000)
    wait_loaded(qtbot, view.model)
    assert not bar.chip_row.isVisibleTo(view)
    assert view.model.total == DEMO_CASES
    assert view.count_label.text() == _("{count} cases").format(count=DEMO_CASES)


def test_count_says_counting_until_the_total_is_known(qtbot, view):
    view.set_filters(CaseFilter(statuses=frozenset({"closed"})))
    assert view.model.counting
    assert view.count_label.text() == _("Counting cases…")  # the old rows stay meanwhile
    wait_loaded(qtbot, view.model)
    assert not view.model.counting
    assert view.count_label.text() != _("Counting cases…")


def test_filters_are_remembered(qtbot, view, demo_vault):
    me = _me(demo_vault)
    filters = CaseFilter(
        categories=frozenset({"fraud"}), assignees=frozenset({ASSIGNED_ME, me}),
        opened_from=date(2024, 1, 1), overdue=True,
    )  # fmt: skip
    _apply(qtbot, view, filters)
    settings = QSettings()
    view.save_state(settings)
    again = CaseListView(demo_vault.db, demo_vault.actor)
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert again.filter_bar.filters() == filters
    assert again.model.filters == filters
    wait_loaded(qtbot, again.model)
    assert again.model.total == view.model.total
    assert len(again.filter_bar.chips) == 4


def test_language_switch_retranslates_the_chips(qtbot, view):
    _apply(qtbot, view, CaseFilter(oblasts=frozenset({"naryn"})))
    set_language("ru")
    view.retranslate()
    label = default_vocabularies()["oblast"].label("naryn", "ru")
    assert label in view.filter_bar.chips[0].text()
    assert view.filter_bar.clear_button.text() == _("Clear filters")


def test_remembered_text_is_read_leniently():
    assert filters_from_text(None) == CaseFilter()
    assert filters_from_text("not json") == CaseFilter()
    assert filters_from_text("[1, 2]") == CaseFilter()
    odd = (
        '{"statuses": ["closed", "gone"], "categories": "fraud", "oblasts": [1, "naryn"],'
        ' "assignees": ["me", "abc", "0123"], "opened_from": "2025-02-30",'
        ' "opened_to": "2025-03-01", "overdue": "yes"}'
    )
    assert filters_from_text(odd, users={"0123"}) == CaseFilter(
        statuses=frozenset({"closed"}), oblasts=frozenset({"naryn"}),
        assignees=frozenset({"me", "0123"}), opened_to=date(2025, 3, 1),
    )  # fmt: skip


def _codes(name: str) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(default_vocabularies()[name].codes), max_size=3)


@given(
    st.builds(
        CaseFilter,
        statuses=_codes("case_status"),
        categories=_codes("category"),
        countries=_codes("country"),
        regions=_codes("region"),
        oblasts=_codes("oblast"),
        assignees=st.frozensets(st.sampled_from([ASSIGNED_ME, UNASSIGNED, "ab" * 16])),
        opened_from=st.none() | st.dates(),
        opened_to=st.none() | st.dates(),
        overdue=st.booleans(),
    )
)
def test_filters_survive_the_text_they_are_kept_as(filters):
    assert filters_from_text(filters_to_text(filters), users={"ab" * 16}) == filters


def test_a_newer_read_interrupts_an_older_one(demo_vault):
    reads = LatestReads()
    old = reads.begin()
    started, outcome = threading.Event(), []
    slow = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500000000)"
        " SELECT count(*) FROM n"
    )

    def work() -> None:
        try:
            with demo_vault.db.read() as session, reads.reading(session, old):
                started.set()
                session.execute(text(slow)).scalar_one()
            outcome.append("finished")
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    while thread.is_alive():  # the read may not have reached the database at the first try
        reads.begin()
        thread.join(0.05)
    assert outcome and outcome[0] != "finished"
    assert "interrupt" in str(outcome[0]).lower()
    with demo_vault.db.read() as session, pytest.raises(Superseded), reads.reading(session, old):
        pass
