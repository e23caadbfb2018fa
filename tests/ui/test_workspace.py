"""The case workspace in the main window: opening cases in tabs, saving, stale edits,
closing with unsaved changes, shortcuts and remembered layout.

Helpers and fixtures here are reused by the other `test_workspace_*` modules and the
workflow test. Questions about unsaved work are answered through `answers` (a queue),
so no test ever waits on a message box.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlmodel import select

from desktop import case_prompts
from desktop.app import build_main_window
from desktop.case_workspace import CaseWorkspace
from desktop.main_window import MainWindow
from models import people
from models.drafts import case_draft_key, load_draft
from models.tables import AuditEntry, Person
from tests.ui.helpers import wait_loaded
from translations import _

TIMEOUT = 15_000


# --- helpers shared by the workspace tests --------------------------------------------------


class Answers(list):
    """Answers to give, in order; `asked` records the names each question was about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[list[str]] = []


@pytest.fixture(autouse=True)
def answers(monkeypatch) -> Iterator[Answers]:
    """Answers to "unsaved changes?" questions, in order; when empty: discard."""
    queue = Answers()

    def ask(_parent, names):
        queue.asked.append(list(names))
        return queue.pop(0) if queue else case_prompts.DISCARD

    monkeypatch.setattr(case_prompts, "ask_unsaved", ask)
    yield queue


def case_ids(window: MainWindow, count: int = 1) -> list[uuid.UUID]:
    """The first `count` cases of the (loaded) case list."""
    model = window.case_list.model
    return [model.case_id(row) for row in range(count)]


def open_case(qtbot, window: MainWindow, case_id: uuid.UUID) -> CaseWorkspace:
    """Open a case in its tab and wait until it is shown and its draft was looked for."""
    workspace = window.open_case(case_id)
    qtbot.waitUntil(
        lambda: workspace.snapshot is not None
        and (workspace.keeper.enabled or workspace.offer is not None),
        timeout=TIMEOUT,
    )
    return workspace


def settle(qtbot, workspace: CaseWorkspace) -> None:
    """Wait until the workspace neither saves, reads, nor writes a draft."""
    qtbot.waitUntil(
        lambda: not workspace.saving and not workspace.reading and workspace.keeper.pending == 0,
        timeout=TIMEOUT,
    )


def save(qtbot, workspace: CaseWorkspace) -> None:
    """Save the workspace (Ctrl+S's action) and wait for it to finish."""
    workspace.save()
    settle(qtbot, workspace)


def audit_actions(opened, entity: str) -> list[str]:
    with opened.db.read() as session:
        rows = session.exec(
            select(AuditEntry.action).where(AuditEntry.entity == entity).order_by(AuditEntry.seq)
        )
        return list(rows)


def type_text(widget, text: str) -> None:
    """Type `text` into a widget key by key, as a keyboard would (Cyrillic too, which
    QTest.keyClicks cannot send)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def press(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, key, modifier)


# --- opening --------------------------------------------------------------------------------


def test_activating_a_row_opens_the_case_in_a_tab(qtbot, window, demo_vault):
    views_before = audit_actions(demo_vault, "case").count("view")
    table = window.case_list.table
    index = window.case_list.model.index(0, 1)
    table.doubleClicked.emit(index)
    workspace = window.case_tabs.current_workspace()
    assert workspace is not None
    qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=TIMEOUT)
    snapshot = workspace.snapshot
    assert workspace.case_id == window.case_list.model.case_id(0)
    assert snapshot.case.number in window.case_tabs.tabText(1)
    assert snapshot.person.family_name in workspace.heading.text()
    assert window.case_tabs.count() == 2 and window.case_tabs.currentIndex() == 1
    assert [workspace.tabs.tabText(i) for i in range(workspace.tabs.count())] == [
        _("Summary"), _("Client"), _("Details"), _("Timeline"), _("Follow-ups"),
        _("Referrals"), _("Documents"),
    ]  # fmt: skip
    summary = workspace.section("summary")
    assert summary.status_value.text()
    assert audit_actions(demo_vault, "case").count("view") == views_before + 1
    assert not workspace.is_dirty() and not workspace.save_button.isEnabled()
    assert window.save_action.isEnabled() and window.close_case_action.isEnabled()


def test_several_cases_open_at_once_and_reopening_shows_the_tab(qtbot, window):
    first, second = case_ids(window, 2)
    one = open_case(qtbot, window, first)
    two = open_case(qtbot, window, second)
    assert window.case_tabs.workspaces() == [one, two]
    assert window.case_tabs.currentWidget() is two
    assert window.open_case(first) is one
    assert window.case_tabs.currentWidget() is one
    assert window.case_tabs.count() == 3


def test_the_first_tab_is_the_navigation_screen(qtbot, window):
    open_case(qtbot, window, case_ids(window)[0])
    assert window.case_tabs.tabText(0) == _("Cases")
    window.nav.setCurrentRow(1)
    assert window.case_tabs.currentIndex() == 0
    assert window.case_tabs.tabText(0) == window.nav.item(1).text()
    window.case_tabs.close_tab(0)  # the screen itself cannot be closed
    assert window.case_tabs.count() == 2
    assert not window.save_action.isEnabled()


def test_editing_the_person_and_saving(qtbot, window, demo_vault, answers):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    person_tab = workspace.section("person")
    field = person_tab.fields.fields["rayon"].widget
    field.setText("Кара-Суу")
    assert workspace.is_dirty() and workspace.save_button.isEnabled()
    assert window.case_tabs.tabText(1).endswith("•")
    assert workspace.tabs.tabText(1).endswith("•")
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, workspace)
    assert not workspace.is_dirty()
    assert not window.case_tabs.tabText(1).endswith("•")
    with demo_vault.db.read() as session:
        person = session.get(Person, workspace.snapshot.person.id)
    assert person.rayon == "Кара-Суу"
    assert audit_actions(demo_vault, "person")[-1] == "update"
    assert load_draft(db=demo_vault.db, actor=demo_vault.actor, key=case_draft_key(
        workspace.case_id)) is None  # fmt: skip


def test_a_refused_value_is_shown_and_kept(qtbot, window):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    person_tab = workspace.section("person")
    person_tab.fields.fields["latin_name"].widget.setText("Асанов")  # not Latin letters
    save(qtbot, workspace)
    assert workspace.message.isVisible() and workspace.message.kind == "error"
    assert person_tab.fields.errors.text("latin_name")
    assert person_tab.fields.fields["latin_name"].widget.text() == "Асанов"
    assert workspace.is_dirty()
    assert workspace.tabs.currentWidget() is person_tab


def test_a_stale_edit_keeps_the_text_and_saves_after_a_check(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    person = workspace.snapshot.person
    person_tab = workspace.section("person")
    person_tab.fields.fields["given_name"].widget.setText("Нурлан")
    people.update_person(  # someone else saves the client meanwhile
        db=demo_vault.db, actor=demo_vault.actor, person_id=person.id, version=person.version,
        data={"rayon": "Ноокат"},
    )  # fmt: skip
    save(qtbot, workspace)
    assert workspace.message.kind == "error"
    assert "someone else" in workspace.message.label.text().lower()
    assert person_tab.fields.fields["given_name"].widget.text() == "Нурлан"
    assert person_tab.fields.fields["rayon"].widget.text() == "Ноокат"  # re-read meanwhile
    assert workspace.is_dirty()
    save(qtbot, workspace)
    assert not workspace.is_dirty() and workspace.message.kind != "error"
    with demo_vault.db.read() as session:
        saved = session.get(Person, person.id)
    assert (saved.given_name, saved.rayon) == ("Нурлан", "Ноокат")


def test_refresh_keeps_edits_and_warns_about_conflicts(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    person = workspace.snapshot.person
    fields = workspace.section("person").fields.fields
    fields["rayon"].widget.setText("Өзгөн")
    people.update_person(
        db=demo_vault.db, actor=demo_vault.actor, person_id=person.id, version=person.version,
        data={"rayon": "Араван", "patronymic": "Талантович"},
    )  # fmt: skip
    press(qtbot, window, Qt.Key.Key_F5)
    settle(qtbot, workspace)
    assert fields["rayon"].widget.text() == "Өзгөн"
    assert fields["patronymic"].widget.text() == "Талантович"
    assert workspace.message.kind == "warning"


def test_closing_a_dirty_tab_asks(qtbot, window, demo_vault, answers):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    fields = workspace.section("person").fields.fields
    fields["rayon"].widget.setText("Баткен")
    answers.append(case_prompts.CANCEL)
    press(qtbot, window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked[-1][0].startswith(workspace.snapshot.case.number)
    assert window.case_tabs.workspaces() == [workspace]
    answers.append(case_prompts.SAVE)
    window.close_case_action.trigger()
    qtbot.waitUntil(lambda: window.case_tabs.workspaces() == [], timeout=TIMEOUT)
    with demo_vault.db.read() as session:
        assert session.get(Person, workspace.snapshot.person.id).rayon == "Баткен"

    again = open_case(qtbot, window, case_ids(window)[0])
    again.section("person").fields.fields["rayon"].widget.setText("Лейлек")
    again.keeper.flush()
    settle(qtbot, again)
    key = case_draft_key(again.case_id)
    assert load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is not None
    answers.append(case_prompts.DISCARD)
    window.close_case()
    assert window.case_tabs.workspaces() == []
    qtbot.waitUntil(
        lambda: load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is None,
        timeout=TIMEOUT,
    )
    with demo_vault.db.read() as session:
        assert session.get(Person, again.snapshot.person.id).rayon == "Баткен"


def test_closing_the_window_asks_once_for_all_unsaved_cases(qtbot, demo_vault, answers):
    win = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(win)
    win.show()
    wait_loaded(qtbot, win.case_list.model)
    first, second = case_ids(win, 2)
    for case_id in (first, second):
        workspace = open_case(qtbot, win, case_id)
        workspace.section("person").fields.fields["rayon"].widget.setText("Сузак")
    answers.append(case_prompts.CANCEL)
    assert not win.close()
    assert len(answers.asked[-1]) == 2 and win.isVisible()
    answers.append(case_prompts.SAVE)
    win.close()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=TIMEOUT)
    with demo_vault.db.read() as session:
        for workspace_case in (first, second):
            from models.tables import Case

            case = session.get(Case, workspace_case)
            assert session.get(Person, case.person_id).rayon == "Сузак"


def test_closing_the_window_can_discard_unsaved_cases(qtbot, demo_vault, answers):
    win = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(win)
    win.show()
    wait_loaded(qtbot, win.case_list.model)
    workspace = open_case(qtbot, win, case_ids(win)[0])
    workspace.section("person").fields.fields["rayon"].widget.setText("Талас")
    workspace.keeper.flush()
    settle(qtbot, workspace)
    key = case_draft_key(workspace.case_id)
    assert load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is not None
    answers.append(case_prompts.DISCARD)
    assert win.close()
    assert not win.isVisible()
    qtbot.waitUntil(
        lambda: load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is None,
        timeout=TIMEOUT,
    )
    with demo_vault.db.read() as session:
        assert session.get(Person, workspace.snapshot.person.id).rayon != "Талас"


def test_layout_and_last_screen_are_remembered(qtbot, demo_vault):
    win = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(win)
    win.show()
    wait_loaded(qtbot, win.case_list.model)
    workspace = open_case(qtbot, win, case_ids(win)[0])
    timeline = workspace.section("timeline")
    timeline.table.horizontalHeader().resizeSection(0, 211)
    workspace.tabs.setCurrentWidget(timeline)
    win.nav.setCurrentRow(1)
    key = win.nav.item(1).data(Qt.ItemDataRole.UserRole)
    win.close()
    assert QSettings().value("main_window/view") == key
    again = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(again)
    again.show()
    assert again.nav.currentItem().data(Qt.ItemDataRole.UserRole) == key
    assert again.stack.currentWidget() is again.views[key]
    again.nav.setCurrentRow(0)
    wait_loaded(qtbot, again.case_list.model)
    reopened = open_case(qtbot, again, case_ids(again)[0])
    assert reopened.tabs.currentWidget() is reopened.section("timeline")
    assert reopened.section("timeline").table.horizontalHeader().sectionSize(0) == 211
    again.close()


def test_shortcuts(window):
    shortcuts = {
        window.new_case_action: "Ctrl+N", window.search_action: "Ctrl+F",
        window.save_action: "Ctrl+S", window.close_case_action: "Ctrl+W",
        window.refresh_action: "F5", window.lock_action: "Ctrl+L",
    }  # fmt: skip
    for action, keys in shortcuts.items():
        assert action.shortcut().toString() == keys
    assert window.lock_label.text()
