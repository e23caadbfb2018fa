"""The "Already on file?" panel beside the intake form: candidates as the client is typed,
"Open existing", hidden when there is none; its use by the New case dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlmodel import select

from desktop.duplicates_panel import DuplicatesPanel, duplicate_fields
from models import people
from models.tables import Person
from tests.ui.helpers import SCREENSHOTS
from translations import set_language


def wait_idle(qtbot, panel: DuplicatesPanel) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


@pytest.fixture
def client(real_vault) -> Person:
    return people.create_person(
        db=real_vault.db,
        actor=real_vault.actor,
        data={
            "family_name": "Жээнбеков",
            "given_name": "Нурлан",
            "latin_name": "ZHEENBEKOV NURLAN",
            "phones": ["+996555123456"],
            "birth_year": 1988,
        },
    )


def test_a_similar_name_shows_the_client_and_open_existing_chooses_them(qtbot, real_vault, client):
    panel = DuplicatesPanel(real_vault)
    qtbot.addWidget(panel)
    assert panel.isHidden()
    panel.check({"family_name": "Jeenbekov", "given_name": "Nurlan", "birth_year": 1988})
    wait_idle(qtbot, panel)
    assert not panel.isHidden()
    assert len(panel.cards) == 1
    card = panel.cards[0]
    assert "Жээнбеков Нурлан" in card.name.text() and "1988" in card.details.text()
    assert card.reason.text() == "Similar name"
    with qtbot.waitSignal(panel.person_chosen, timeout=2000) as signal:
        qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    chosen = signal.args[0]
    assert isinstance(chosen, Person) and chosen.id == client.id
    assert chosen.family_name == "Жээнбеков"


def test_a_phone_in_another_format_is_enough(qtbot, real_vault, client):
    panel = DuplicatesPanel(real_vault)
    qtbot.addWidget(panel)
    panel.check({"family_name": "Токтогулов", "given_name": "", "phones": "0555 12 34 56"})
    wait_idle(qtbot, panel)
    assert [c.person_id for c, _p in panel.candidates] == [client.id]
    assert panel.cards[0].reason.text() == "Same phone number"


def test_hidden_when_nothing_matches_or_too_little_is_typed(qtbot, real_vault, client):
    panel = DuplicatesPanel(real_vault)
    qtbot.addWidget(panel)
    panel.check({"family_name": "Жээнбеков", "given_name": "Нурлан"})
    wait_idle(qtbot, panel)
    assert panel.isVisible() or not panel.isHidden()
    panel.check({"family_name": "Жээнбеков", "given_name": ""})  # one word: not compared
    wait_idle(qtbot, panel)
    assert panel.isHidden() and panel.cards == []
    panel.check({"family_name": "Исаков", "given_name": "Бакыт", "phones": None})
    wait_idle(qtbot, panel)
    assert panel.isHidden()
    panel.check({"family_name": "Жээнбеков", "given_name": "Нурлан"})
    wait_idle(qtbot, panel)
    panel.clear()
    assert panel.isHidden() and panel.candidates == []


def test_only_the_last_values_are_answered(qtbot, real_vault, client):
    panel = DuplicatesPanel(real_vault)
    qtbot.addWidget(panel)
    panel.check({"family_name": "Жээнбеков", "given_name": "Нурлан"})
    panel._ask()  # runs now; the next values arrive while it runs
    panel.check({"family_name": "Исаков", "given_name": "Бакыт"})
    wait_idle(qtbot, panel)
    assert panel.candidates == [] and panel.isHidden()


def test_form_values_become_search_fields():
    fields = duplicate_fields(
        {"family_name": " Асанов ", "given_name": None, "phones": "+996555123456",
         "birth_year": "1990", "sex": "male"}
    )  # fmt: skip
    assert fields == {
        "family_name": "Асанов", "given_name": "", "patronymic": "", "latin_name": "",
        "phones": ("+996555123456",), "birth_year": 1990,
    }  # fmt: skip
    assert duplicate_fields({"birth_year": "x"})["birth_year"] is None


def test_the_new_case_dialog_uses_the_panel(qtbot, real_vault, client):
    from desktop.intake_dialog import IntakeDialog

    dialog = IntakeDialog(real_vault)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.duplicates, DuplicatesPanel)
    dialog.duplicates.check({"family_name": "Zheenbekov", "given_name": "Nurlan"})
    wait_idle(qtbot, dialog.duplicates)
    with qtbot.waitSignal(dialog.duplicates.person_chosen, timeout=2000):
        dialog.duplicates.cards[0].open_button.click()
    assert dialog.existing_person.id == client.id
    dialog.choose_person(None)  # nothing typed any more: closing asks nothing
    dialog.close()


def test_kyrgyz_screenshot(qtbot, demo_vault):
    with demo_vault.db.read() as s:
        person = s.exec(
            select(Person).where(Person.latin_name != "", Person.phones != [])
        ).first()
    set_language("ky")
    panel = DuplicatesPanel(demo_vault)
    qtbot.addWidget(panel)
    panel.resize(380, 520)
    panel.check(
        {"family_name": person.latin_name.split()[0].title(),
         "given_name": person.given_name, "phones": person.phones[0]}
    )  # fmt: skip
    wait_idle(qtbot, panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.cards and panel.cards[0].candidate.person_id == person.id
    SCREENSHOTS.mkdir(exist_ok=True)
    assert panel.grab().save(str(SCREENSHOTS / "duplicates_panel_ky.png"))
    set_language("en")
