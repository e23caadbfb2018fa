"""The Find dialog (Ctrl+F): results as you type, keyboard use, stale answers dropped,
permissions, and its look in Kyrgyz."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlmodel import select

from desktop.search_dialog import SearchDialog
from models import cases, people
from models.actor import Actor
from models.tables import Case, Person, User
from models.vault import OpenVault
from tests.ui.helpers import SCREENSHOTS
from translations import set_language


def wait_idle(qtbot, dialog: SearchDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def a_demo_client(opened) -> tuple[Person, Case]:
    """A demo client with a Latin name and a phone, and their latest case."""
    with opened.db.read() as s:
        row = s.exec(
            select(Person, Case)
            .join(Case, Case.person_id == Person.id)
            .where(Person.latin_name != "", Person.family_name != "")
            .order_by(Case.opened_on.desc())
        ).first()
    assert row is not None
    return row


def shown(dialog: SearchDialog) -> list[str]:
    items = dialog.results
    return [items.topLevelItem(i).text(0) for i in range(items.topLevelItemCount())]


def test_typing_a_name_lists_the_client_and_enter_opens_them(qtbot, demo_vault):
    person, _case = a_demo_client(demo_vault)
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "phone" in dialog.status.text()
    latin = person.latin_name.title()  # e.g. "Zheenbekov Nurlan": the passport spelling
    qtbot.keyClicks(dialog.edit, latin)
    wait_idle(qtbot, dialog)
    assert dialog.hits and any(h.person_id == person.id for h in dialog.hits)
    assert dialog.results.currentItem() is dialog.results.topLevelItem(0)
    row = next(i for i, h in enumerate(dialog.hits) if h.person_id == person.id)
    for _ in range(row):
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Down)
    assert dialog.current_hit().person_id == person.id
    with qtbot.waitSignal(dialog.person_requested, timeout=2000) as signal:
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert signal.args == [person.id]
    assert not dialog.isVisible()


def test_a_case_number_opens_the_case(qtbot, demo_vault):
    _person, case = a_demo_client(demo_vault)
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_text(case.number.lower())
    wait_idle(qtbot, dialog)
    assert dialog.hits[0].kind == "case" and dialog.hits[0].case_id == case.id
    assert case.number in dialog.results.topLevelItem(0).text(1)
    with qtbot.waitSignal(dialog.case_requested, timeout=2000) as signal:
        dialog.results.itemActivated.emit(dialog.results.topLevelItem(0), 0)
    assert signal.args == [case.id]


def test_enter_before_the_results_waits_for_them(qtbot, demo_vault):
    _person, case = a_demo_client(demo_vault)
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.case_requested, timeout=5000) as signal:
        dialog.set_text(case.number)
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert signal.args == [case.id]


def test_only_the_answer_to_the_last_text_is_shown(qtbot, demo_vault):
    person, _case = a_demo_client(demo_vault)
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    for text in ("Ас", "Асан", "0555", person.family_name):
        dialog.set_text(text)
        dialog.run_query()  # no pause at all between the texts
    wait_idle(qtbot, dialog)
    assert dialog._shown_text == person.family_name
    assert any(h.person_id == person.id for h in dialog.hits)
    # An answer to an older text that arrives late is dropped.
    dialog._answered(dialog._generation - 1, "Асан", [], "")
    wait_idle(qtbot, dialog)
    assert dialog._shown_text == person.family_name and dialog.hits


def test_nothing_found_and_cleared_text(qtbot, demo_vault):
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_text("Qwxyzzq Vvvvbn")
    wait_idle(qtbot, dialog)
    assert dialog.hits == [] and "Qwxyzzq" in dialog.status.text()
    dialog.set_text("")
    wait_idle(qtbot, dialog)
    assert shown(dialog) == [] and "phone" in dialog.status.text()


def test_escape_closes(qtbot, demo_vault):
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_volunteer_sees_only_their_own(qtbot, real_vault):
    db, coordinator = real_vault.db, real_vault.actor
    client = people.create_person(
        db=db, actor=coordinator, data={"family_name": "Жээнбеков", "given_name": "Нурлан"}
    )
    cases.open_case(
        db=db, actor=coordinator,
        data={"person_id": client.id, "categories": ["other"], "consent_store": True},
    )  # fmt: skip
    user = User(username="aibek", display_name="Айбек", role="volunteer")
    with db.write() as s:
        s.add(user)
    volunteer = OpenVault(db=db, actor=Actor(user.id, user.username, "volunteer"))
    dialog = SearchDialog(volunteer)
    qtbot.addWidget(dialog)
    dialog.set_text("Jeenbekov")
    wait_idle(qtbot, dialog)
    assert dialog.hits == []
    mine = SearchDialog(real_vault)
    qtbot.addWidget(mine)
    mine.set_text("Jeenbekov")
    wait_idle(qtbot, mine)
    assert [h.person_id for h in mine.hits] == [client.id]


def test_kyrgyz_screenshot(qtbot, demo_vault):
    person, _case = a_demo_client(demo_vault)
    set_language("ky")
    dialog = SearchDialog(demo_vault)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_text(person.family_name[:5])
    wait_idle(qtbot, dialog)
    assert dialog.results.headerItem().text(0) == "Кардар"  # "Client"
    assert dialog.hits
    SCREENSHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "search_dialog_ky.png"))
    set_language("en")
    dialog.retranslate()
    assert dialog.windowTitle() == "Find a client or case"
