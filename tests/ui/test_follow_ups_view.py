"""The Follow-ups screen: groups, the rule's source, Mark done, opening a case, languages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt

from desktop.follow_ups_view import FollowUpRole, FollowUpsModel, FollowUpsView, GroupRow
from forms.intake import submit_intake
from models import timeline
from models.deadlines import apply_proposals, proposals_for_case
from models.follow_up_queries import FollowUpRow
from translations import set_language

INTAKE = {
    "given_name": "Айгүл", "family_name": "Сыдыкова", "categories": ["registration"],
    "consent_store": True, "destination_country": "ru",
}  # fmt: skip


@pytest.fixture
def filled(real_vault):
    """A case with an overdue rule follow-up, one due today and one much later."""
    db, actor = real_vault.db, real_vault.actor
    today = date.today()
    entry = today - timedelta(days=45)
    case = submit_intake(db=db, actor=actor, values={**INTAKE, "entry_date": entry})
    proposals = [
        p for p in proposals_for_case(db=db, actor=actor, case_id=case.id, language="ru")
        if p.rule.code == "ru_registration_30d"
    ]  # fmt: skip
    apply_proposals(db=db, actor=actor, case_id=case.id, proposals=proposals)
    for days, title in ((0, "Call the consulate"), (60, "Ask the inspectorate")):
        data = {"title": title, "due_on": today + timedelta(days=days)}
        timeline.add_follow_up(db=db, actor=actor, case_id=case.id, data=data)
    return real_vault, case


def open_view(qtbot, opened) -> FollowUpsView:
    view = FollowUpsView(opened)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    view.restore_state(QSettings())
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    return view


def texts(view: FollowUpsView, column: int) -> list[str]:
    model = view.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_groups_and_columns(qtbot, filled):
    opened, case = filled
    view = open_view(qtbot, opened)
    rows = view.model.rows
    assert [type(r) for r in rows] == [GroupRow, FollowUpRow, GroupRow, FollowUpRow, GroupRow,
                                       FollowUpRow]  # fmt: skip
    assert texts(view, 0)[0] == "Overdue (1)" and texts(view, 0)[2] == "Today (1)"
    assert texts(view, 0)[4] == "Later (1)"
    assert view.table.columnSpan(0, 0) == view.model.columnCount()
    overdue = view.model.index(1, FollowUpsModel.COL_TITLE)
    assert overdue.data() == "Migration registration at the place of stay"  # rule title, in en
    assert view.model.index(1, FollowUpsModel.COL_CASE).data() == case.number
    assert view.model.index(1, FollowUpsModel.COL_CLIENT).data() == "Сыдыкова Айгүл"
    assert view.model.index(1, FollowUpsModel.COL_ASSIGNED).data() == "Coordinator"
    source = view.model.index(1, FollowUpsModel.COL_RULE)
    assert source.data() == "Договор о ЕАЭС, ст. 97 п. 5"
    tip = source.data(Qt.ItemDataRole.ToolTipRole)
    assert "consultant.ru" in tip and "Договор о Евразийском экономическом союзе" in tip
    assert view.model.index(1, FollowUpsModel.COL_DUE).data(Qt.ItemDataRole.ForegroundRole)
    assert not view.model.flags(view.model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable
    assert "overdue: 1" in view.summary.text()


def test_mark_done_removes_the_row(qtbot, filled):
    opened, _case = filled
    view = open_view(qtbot, opened)
    target = view.model.rows[3]
    assert isinstance(target, FollowUpRow) and target.title == "Call the consulate"
    assert not view.done_button.isEnabled()
    assert view.select_follow_up(target.id)
    assert view.done_button.isEnabled()
    view.mark_done()
    qtbot.waitUntil(
        lambda: not view.loading and all(
            not isinstance(r, FollowUpRow) or r.id != target.id for r in view.model.rows
        ),
        timeout=10_000,
    )  # fmt: skip
    assert "Today" not in " ".join(t for t in texts(view, 0) if t)


def test_double_click_asks_to_open_the_case(qtbot, filled):
    opened, case = filled
    view = open_view(qtbot, opened)
    index = view.model.index(1, 2)
    assert isinstance(index.data(FollowUpRole), FollowUpRow)
    with qtbot.waitSignal(view.open_case_requested) as signal:
        view.table.doubleClicked.emit(index)
    assert signal.args == [case.id]
    with qtbot.assertNotEmitted(view.open_case_requested):
        view.table.doubleClicked.emit(view.model.index(0, 0))  # a heading row


def test_languages_and_remembered_choices(qtbot, filled):
    opened, _case = filled
    view = open_view(qtbot, opened)
    set_language("ru")
    view.retranslate()
    title = view.model.index(1, FollowUpsModel.COL_TITLE).data()
    assert title == "Постановка на миграционный учёт по месту пребывания"
    due = view.model.index(1, FollowUpsModel.COL_DUE).data()
    assert "г." in due  # babel's Russian medium date
    view.mine_only.setChecked(True)
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    settings = QSettings()
    view.save_state(settings)
    again = open_view(qtbot, opened)
    assert again.mine_only.isChecked()


def test_an_empty_list_says_so(qtbot, real_vault):
    view = open_view(qtbot, real_vault)
    assert view.model.rowCount() == 0
    assert not view.empty.isHidden() and view.table.isHidden()


def test_the_main_window_lists_the_screen():
    from desktop.main_window import VIEWS

    entry = next(e for e in VIEWS if e.key == "follow_ups")
    assert entry.build is FollowUpsView and entry.title == "Follow-ups"


def test_proposals_are_offered_and_added(qtbot, real_vault):
    from PySide6.QtWidgets import QWidget

    from desktop.follow_up_proposals import ProposalsDialog, added_message, offer_proposals

    db, actor = real_vault.db, real_vault.actor
    entry = date.today() - timedelta(days=40)  # registration overdue, medical exam overdue
    case = submit_intake(db=db, actor=actor, values={
        **INTAKE, "entry_date": entry, "destination_country": "kz",
    })  # fmt: skip
    parent = QWidget()
    qtbot.addWidget(parent)
    counts: list[int] = []
    offer_proposals(parent, real_vault, case.id, on_added=counts.append)
    qtbot.waitUntil(lambda: parent.findChild(ProposalsDialog) is not None, timeout=10_000)
    dialog = parent.findChild(ProposalsDialog)
    items = [dialog.list.item(i) for i in range(dialog.list.count())]
    codes = [item.data(Qt.ItemDataRole.UserRole + 2).rule.code for item in items]
    assert codes == ["kz_arrival_notice_3wd", "kz_registration_30d", "kz_rvp_90d",
                     "kz_stay_90_in_180"]  # fmt: skip
    assert all(item.text().startswith("⚠") for item in items[:2])  # flagged for review
    overdue = [item.checkState() == Qt.CheckState.Unchecked for item in items]
    assert overdue == [True, True, False, False]  # past-due proposals start unticked
    assert "Source:" in items[2].toolTip()
    dialog.add_ticked()
    qtbot.waitUntil(lambda: counts == [2], timeout=10_000)
    assert added_message(2) == "2 follow-ups added."
    from models.follow_up_queries import open_follow_ups

    lists = open_follow_ups(db=db, actor=actor)
    assert sorted(r.rule_code for rows in lists.rows.values() for r in rows) == [
        "kz_rvp_90d", "kz_stay_90_in_180",
    ]  # fmt: skip
