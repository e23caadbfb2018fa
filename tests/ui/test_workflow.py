"""A caseworker's whole day through the real widgets, on the demo vault.

New case through the intake (a Cyrillic name), found again by a Latin spelling, a note,
a follow-up, status changes (closing with a reason, reopening), a language switch with
unsaved text, closing a tab with unsaved changes, reopening from the case list, and a
"kill" that leaves a draft which the next start offers back.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from sqlmodel import select

from desktop import case_prompts
from desktop.app import build_main_window
from desktop.case_list_model import CaseIdRole
from models.tables import Case, CaseEvent, FollowUp, Person
from models.vocab import default_vocabularies
from tests.ui import test_workspace
from tests.ui.helpers import fetch_all, wait_loaded
from tests.ui.test_workspace import (
    TIMEOUT,
    open_case,
    press,
    settle,
    type_text,
)
from translations import current_language

answers = test_workspace.answers  # the fixture that answers unsaved-work questions

GIVEN, FAMILY = "Жылдыз", "Токтосунова"
LATIN = "Zhyldyz Toktosunova"


def _intake(qtbot, window) -> object:
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.intake
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.keeper.enabled, timeout=TIMEOUT)
    type_text(dialog.view.field_widget("given_name"), GIVEN)
    type_text(dialog.view.field_widget("family_name"), FAMILY)
    dialog.view.editor("categories").set_value(["unpaid_wages"])
    dialog.view.editor("consent_store").set_value(True)
    dialog.view.editor("consent_refer").set_value(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.intake is None, timeout=TIMEOUT)
    workspace = window.case_tabs.current_workspace()
    qtbot.waitUntil(lambda: workspace.snapshot is not None and workspace.keeper.enabled,
                    timeout=TIMEOUT)  # fmt: skip
    return workspace


def _find_by_latin(qtbot, window, case_id) -> None:
    """Find the case with Ctrl+F by the Latin spelling of its client's Cyrillic name."""
    window.case_tabs.show_home()
    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window.cases.search_dialog
    assert dialog is not None and dialog.isVisible()
    type_text(dialog.edit, LATIN)
    qtbot.waitUntil(lambda: not dialog.busy and bool(dialog.hits), timeout=TIMEOUT)
    with window.opened.db.read() as session:
        client = session.get(Case, case_id).person_id
    row = next(i for i, h in enumerate(dialog.hits) if h.person_id == client)
    assert dialog.hits[row].name.startswith(FAMILY)
    dialog.results.setCurrentItem(dialog.results.topLevelItem(row))
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)  # opens the client's latest case
    qtbot.waitUntil(lambda: window.case_tabs.current_workspace() is not None, timeout=TIMEOUT)
    assert window.case_tabs.current_workspace().case_id == case_id


def test_a_whole_case_through_the_window(qtbot, window, demo_vault, answers):
    # 1. a new case through the intake, opened in its own tab
    workspace = _intake(qtbot, window)
    case_id = workspace.case_id
    assert workspace.snapshot.person.given_name == GIVEN
    assert workspace.snapshot.case.status == "new"
    # 2. found again by a Latin spelling of the Cyrillic name
    _find_by_latin(qtbot, window, case_id)
    assert window.case_tabs.current_workspace() is workspace
    _rest_of_the_day(qtbot, window, demo_vault, workspace, answers)


def _rest_of_the_day(qtbot, window, demo_vault, workspace, answers) -> None:
    case_id = workspace.case_id
    # 3. a note
    timeline = workspace.section("timeline")
    workspace.tabs.setCurrentWidget(timeline)
    type_text(timeline.text, "Жумуш берүүчү 2 айлык акы карыз.")
    qtbot.mouseClick(timeline.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(e.kind == "note" for e in timeline.model.rows), timeout=TIMEOUT
    )
    assert timeline.model.rows[0].author_name == window.user_name

    # 4. a follow-up
    follow_ups = workspace.section("follow_ups")
    workspace.tabs.setCurrentWidget(follow_ups)
    type_text(follow_ups.title_edit, "Иш берүүчүгө кат жөнөтүү")
    follow_ups.due.setDate(date.today() + timedelta(days=5))
    qtbot.mouseClick(follow_ups.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(follow_ups.model.rows) == 1, timeout=TIMEOUT)
    summary = workspace.section("summary")
    assert "Иш берүүчүгө кат" in summary.values["next_follow_up"].text()

    # 5. status: in progress, closed (a reason is required), reopened
    for target, reason in (("in_progress", None), ("closed", "resolved"), ("in_progress", None)):
        dialog = summary.change_status(target)
        if reason:
            dialog.reason.set(reason)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda t=target: workspace.snapshot.case.status == t, timeout=TIMEOUT)
        settle(qtbot, workspace)
    with demo_vault.db.read() as session:
        moves = [
            (e.data["from"], e.data["to"])
            for e in session.exec(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == "status_change")
                .order_by(CaseEvent.occurred_at)
            )
        ]
    assert moves == [("new", "in_progress"), ("in_progress", "closed"), ("closed", "in_progress")]

    # 6. switch language with unsaved text in the tab
    person_tab = workspace.section("person")
    rayon = person_tab.fields.fields["rayon"].widget
    type_text(rayon, "Ак-Суу")
    assert workspace.is_dirty()
    window.set_language("ru")
    assert current_language() == "ru" and rayon.text() == "Ак-Суу"
    status_ru = default_vocabularies()["case_status"].label("in_progress", "ru")
    assert summary.status_value.text() == status_ru
    window.set_language("ky")
    assert rayon.text() == "Ак-Суу"

    # 7. close the dirty tab: the question is answered "Save"
    answers.append(case_prompts.SAVE)
    press(qtbot, window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.case_tabs.workspace(case_id) is None, timeout=TIMEOUT)
    assert answers.asked and answers.asked[-1][0].startswith(workspace_number(demo_vault, case_id))
    with demo_vault.db.read() as session:
        case = session.get(Case, case_id)
        assert session.get(Person, case.person_id).rayon == "Ак-Суу"
        assert len(session.exec(select(FollowUp).where(FollowUp.case_id == case_id)).all()) == 1

    # 8. reopen it from the case list
    assert window.case_tabs.currentIndex() == 0
    wait_loaded(qtbot, window.case_list.model)
    model = window.case_list.model
    fetch_all(qtbot, model)
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(CaseIdRole) == case_id)
    window.case_list.table.doubleClicked.emit(model.index(row, 0))
    reopened = window.case_tabs.current_workspace()
    qtbot.waitUntil(lambda: reopened.snapshot is not None and reopened.keeper.enabled,
                    timeout=TIMEOUT)  # fmt: skip
    assert reopened.case_id == case_id and reopened.offer is None

    # 9. unsaved text, then Komok is killed: the next start offers the draft back
    type_text(reopened.section("timeline").text, "Телефон аркылуу сүйлөштү.")
    reopened.keeper.flush()
    settle(qtbot, reopened)
    window.hide()
    again = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(again)
    again.show()
    wait_loaded(qtbot, again.case_list.model)
    restarted = open_case(qtbot, again, case_id)
    assert restarted.offer is not None
    qtbot.mouseClick(restarted.message.buttons[0], Qt.MouseButton.LeftButton)
    assert restarted.section("timeline").text.toPlainText() == "Телефон аркылуу сүйлөштү."
    press(qtbot, again, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, restarted)
    assert not restarted.is_dirty()
    assert any(e.text == "Телефон аркылуу сүйлөштү." for e in restarted.snapshot.events)


def workspace_number(opened, case_id) -> str:
    with opened.db.read() as session:
        return session.get(Case, case_id).number
