"""Unsaved work survives: language switches, the lock, a crash (drafts), and the intake.

A "kill" is simulated by leaving the first window without closing it (nothing is asked,
nothing cleaned up) and opening the same case in a second window, as a restarted Komok
would: the draft kept in the encrypted database is offered back.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from sqlalchemy import text
from sqlmodel import select

from desktop import case_prompts
from desktop.app import build_main_window
from models.drafts import INTAKE_KEY, case_draft_key, load_draft
from models.tables import Case, Draft, Person
from models.vocab import default_vocabularies
from tests.ui import test_workspace
from tests.ui.helpers import wait_loaded
from tests.ui.test_lock import _press_ctrl_l, _try_password, demo_vault_password, visible_texts
from tests.ui.test_workspace import (
    TIMEOUT,
    case_ids,
    open_case,
    settle,
    type_text,
)
from translations import current_language

answers = test_workspace.answers  # the fixture that answers unsaved-work questions

NOTE = "Кардар эртең саат 10до келет, паспортун алып келет."


def _type_everywhere(workspace) -> None:
    workspace.section("person").fields.fields["rayon"].widget.setText("Кочкор-Ата")
    workspace.section("timeline").text.setPlainText(NOTE)
    workspace.section("follow_ups").title_edit.setText("Паспортту текшерүү")
    details = workspace.section("details")
    details.view.editor("summary").edit.setPlainText("Айлыгы берилген жок")


def _check_typed(workspace) -> None:
    assert workspace.section("person").fields.fields["rayon"].widget.text() == "Кочкор-Ата"
    assert workspace.section("timeline").text.toPlainText() == NOTE
    assert workspace.section("follow_ups").title_edit.text() == "Паспортту текшерүү"
    summary = workspace.section("details").view.editor("summary").edit.toPlainText()
    assert summary == "Айлыгы берилген жок"


def test_switching_language_keeps_what_was_typed(qtbot, window):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    _type_everywhere(workspace)
    status = workspace.snapshot.case.status
    window.set_language("ru")
    assert current_language() == "ru"
    _check_typed(workspace)
    assert workspace.is_dirty()
    vocab = default_vocabularies()
    summary = workspace.section("summary")
    assert summary.status_value.text() == vocab["case_status"].label(status, "ru")
    assert vocab["case_status"].label(status, "ru") in workspace.facts.text()
    details = workspace.section("details")
    assert details.view.groups["problem"].title() == "Проблема"
    timeline = workspace.section("timeline")
    kinds = [timeline.kind.widget.itemText(i) for i in range(timeline.kind.widget.count())]
    assert vocab["event_kind"].label("note", "ru") in kinds
    window.set_language("ky")
    _check_typed(workspace)
    assert details.view.groups["problem"].title() == "Маселе"
    assert summary.status_value.text() == vocab["case_status"].label(status, "ky")


def test_the_lock_hides_open_cases_and_keeps_a_draft(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    person = workspace.snapshot.person
    _type_everywhere(workspace)
    _press_ctrl_l(qtbot, window)
    assert window.lock_controller.locked
    settle(qtbot, workspace)
    texts = visible_texts()
    assert not any(person.family_name in t or NOTE in t for t in texts)
    # the widgets themselves hold nothing personal while locked
    assert workspace.section("timeline").text.toPlainText() == ""
    assert workspace.section("person").fields.fields["family_name"].widget.text() == ""
    assert workspace.section("timeline").model.rowCount() == 0
    record = load_draft(
        db=demo_vault.db, actor=demo_vault.actor, key=case_draft_key(workspace.case_id)
    )
    assert record is not None
    assert record.data["sections"]["timeline"]["text"] == NOTE
    assert record.data["sections"]["person"] == {"rayon": "Кочкор-Ата"}

    _try_password(qtbot, window, demo_vault_password())
    assert not window.lock_controller.locked
    _check_typed(workspace)
    assert workspace.section("person").fields.fields["family_name"].widget.text() == (
        person.family_name
    )
    assert workspace.is_dirty()


def test_a_draft_is_kept_in_the_encrypted_database_only(qtbot, window, demo_vault, tmp_path):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    workspace.section("timeline").text.setPlainText(NOTE)
    key = case_draft_key(workspace.case_id)
    qtbot.waitUntil(  # the keeper writes a few seconds after the change
        lambda: load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is not None,
        timeout=TIMEOUT,
    )
    with demo_vault.db.read() as session:
        stored = session.execute(text("SELECT data FROM drafts")).scalar_one()
    data = json.loads(stored) if isinstance(stored, str) else stored
    assert data["sections"]["timeline"]["text"] == NOTE
    raw = b"".join(p.read_bytes() for p in demo_vault.db.path.parent.glob("komok.db*"))
    for form in (NOTE.encode(), json.dumps(NOTE).encode()):
        assert form not in raw  # the database file (and its WAL) on disk is encrypted
    settings_dir = tmp_path / "settings"
    for path in settings_dir.rglob("*"):
        if path.is_file():
            assert NOTE not in path.read_text(errors="ignore")


def test_after_a_kill_the_draft_is_offered_back(qtbot, window, demo_vault):
    case_id = case_ids(window)[0]
    workspace = open_case(qtbot, window, case_id)
    _type_everywhere(workspace)
    workspace.keeper.flush()
    settle(qtbot, workspace)
    window.hide()  # "killed": no close, no questions, no clean-up

    again = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(again)
    again.show()
    wait_loaded(qtbot, again.case_list.model)
    reopened = open_case(qtbot, again, case_id)
    assert reopened.offer is not None and reopened.message.isVisible()
    assert not reopened.is_dirty()
    assert reopened.section("timeline").text.toPlainText() == ""
    qtbot.mouseClick(reopened.message.buttons[0], Qt.MouseButton.LeftButton)  # Restore
    _check_typed(reopened)
    assert reopened.is_dirty() and not reopened.message.isVisible()
    reopened.save()
    settle(qtbot, reopened)
    assert not reopened.is_dirty()
    with demo_vault.db.read() as session:
        case = session.get(Case, case_id)
        assert session.get(Person, case.person_id).rayon == "Кочкор-Ата"
        assert case.details["summary"] == "Айлыгы берилген жок"
        assert session.exec(select(Draft)).all() == []


def test_a_restore_offer_can_be_discarded(qtbot, window, demo_vault):
    case_id = case_ids(window)[0]
    workspace = open_case(qtbot, window, case_id)
    workspace.section("timeline").text.setPlainText(NOTE)
    workspace.keeper.flush()
    settle(qtbot, workspace)
    window.hide()
    again = build_main_window(demo_vault, demo=True)
    qtbot.addWidget(again)
    again.show()
    wait_loaded(qtbot, again.case_list.model)
    reopened = open_case(qtbot, again, case_id)
    assert reopened.offer is not None
    qtbot.mouseClick(reopened.message.buttons[1], Qt.MouseButton.LeftButton)  # Discard
    settle(qtbot, reopened)
    key = case_draft_key(case_id)
    assert load_draft(db=demo_vault.db, actor=demo_vault.actor, key=key) is None
    assert reopened.section("timeline").text.toPlainText() == ""


def _fill_intake(qtbot, dialog, given: str, family: str) -> None:
    type_text(dialog.view.field_widget("given_name"), given)
    type_text(dialog.view.field_widget("family_name"), family)
    dialog.view.editor("categories").set_value(["unpaid_wages", "documents_withheld"])
    dialog.view.editor("consent_store").set_value(True)


def test_intake_opens_the_new_case_in_a_tab(qtbot, window, demo_vault):
    dialog = window.new_case()
    assert window.new_case() is dialog  # Ctrl+N again shows the same dialog
    qtbot.waitUntil(lambda: dialog.keeper.enabled, timeout=TIMEOUT)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=TIMEOUT)
    assert dialog.isVisible() and dialog.view.error_text("given_name")
    _fill_intake(qtbot, dialog, "Бүбүсара", "Жээнбекова")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.case_tabs.current_workspace() is not None, timeout=TIMEOUT)
    workspace = window.case_tabs.current_workspace()
    qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=TIMEOUT)
    assert window.intake is None  # the dialog closed (and was deleted)
    assert workspace.snapshot.person.given_name == "Бүбүсара"
    assert workspace.snapshot.categories == ["unpaid_wages", "documents_withheld"]
    assert load_draft(db=demo_vault.db, actor=demo_vault.actor, key=INTAKE_KEY) is None
    window.case_tabs.show_home()
    wait_loaded(qtbot, window.case_list.model)
    assert window.case_list.model.total == 301


def test_an_unfinished_intake_is_kept_and_offered_back(qtbot, window, demo_vault, answers):
    dialog = window.new_case()
    qtbot.waitUntil(lambda: dialog.keeper.enabled, timeout=TIMEOUT)
    _fill_intake(qtbot, dialog, "Мирлан", "Осмонов")
    assert dialog.is_dirty()
    answers.append(case_prompts.CANCEL)
    dialog.close()
    assert dialog.isVisible()
    dialog.keeper.flush()
    qtbot.waitUntil(lambda: dialog.keeper.pending == 0, timeout=TIMEOUT)
    record = load_draft(db=demo_vault.db, actor=demo_vault.actor, key=INTAKE_KEY)
    assert record is not None and record.data["values"]["given_name"] == "Мирлан"
    dialog.hide()  # killed
    window.cases.intake = None

    second = window.new_case()
    qtbot.waitUntil(lambda: second.offer is not None, timeout=TIMEOUT)
    second.restore_offer()
    assert second.view.editor("given_name").value() == "Мирлан"
    assert second.view.editor("categories").value() == ["unpaid_wages", "documents_withheld"]
    answers.append(case_prompts.DISCARD)
    second.close()
    assert not second.isVisible()
    qtbot.waitUntil(
        lambda: load_draft(db=demo_vault.db, actor=demo_vault.actor, key=INTAKE_KEY) is None,
        timeout=TIMEOUT,
    )


def test_the_intake_is_hidden_and_kept_while_locked(qtbot, window, demo_vault):
    dialog = window.new_case()
    qtbot.waitUntil(lambda: dialog.keeper.enabled, timeout=TIMEOUT)
    _fill_intake(qtbot, dialog, "Гүлзат", "Асанова")
    window.lock()
    assert not dialog.isVisible()
    assert dialog.view.editor("given_name").value() is None
    qtbot.waitUntil(lambda: dialog.keeper.pending == 0, timeout=TIMEOUT)
    record = load_draft(db=demo_vault.db, actor=demo_vault.actor, key=INTAKE_KEY)
    assert record is not None and record.data["values"]["given_name"] == "Гүлзат"
    _try_password(qtbot, window, demo_vault_password())
    assert dialog.isVisible()
    assert dialog.view.editor("given_name").value() == "Гүлзат"


def test_intake_can_record_the_case_for_a_client_on_file(qtbot, window, demo_vault):
    with demo_vault.db.read() as session:
        person = session.exec(select(Person).where(Person.family_name != "")).first()
        people_before = len(session.exec(select(Person.id)).all())
    dialog = window.new_case()
    qtbot.waitUntil(lambda: dialog.keeper.enabled, timeout=TIMEOUT)
    _fill_intake(qtbot, dialog, person.given_name, person.family_name)
    panel = dialog.duplicates
    qtbot.waitUntil(lambda: not panel.busy and bool(panel.cards), timeout=TIMEOUT)
    card = next(c for c in panel.cards if c.person.id == person.id)
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    assert dialog.existing_person.id == person.id
    assert dialog.person_bar.isVisible() and person.family_name in dialog.person_label.text()
    assert not dialog.view.editor("given_name").widget.isEnabled()
    record_state = dialog.draft_state()
    assert record_state["person_id"] == str(person.id)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.intake is None, timeout=TIMEOUT)
    workspace = window.case_tabs.current_workspace()
    qtbot.waitUntil(lambda: workspace.snapshot is not None, timeout=TIMEOUT)
    assert workspace.snapshot.person.id == person.id
    assert workspace.snapshot.person_case_count >= 2
    with demo_vault.db.read() as session:
        assert len(session.exec(select(Person.id)).all()) == people_before
