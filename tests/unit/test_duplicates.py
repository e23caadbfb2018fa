"""Likely duplicates shown before a new client is saved, on both stores: the same phone in
any format, the same name across scripts and spellings; only clients the actor may see."""

from __future__ import annotations

import uuid

import pytest

from models import cases, people
from models.actor import Actor
from models.duplicates import REASONS, likely_duplicates, reason_label
from models.tables import User
from translations import set_language


@pytest.fixture
def nurlan(db, actor):
    person = people.create_person(
        db=db,
        actor=actor,
        data={
            "family_name": "Жээнбеков",
            "given_name": "Нурлан",
            "patronymic": "Асан уулу",
            "latin_name": "ZHEENBEKOV NURLAN",
            "phones": ["+996 (555) 12-34-56"],
            "birth_year": 1988,
        },
    )
    for family, given, phone in (
        ("Жумабаев", "Нурбек", "+996700111222"),
        ("Асанов", "Нурлан", "+79161234567"),
        ("Жээнбекова", "Айгүл", "+996555000111"),
    ):
        people.create_person(
            db=db, actor=actor,
            data={"family_name": family, "given_name": given, "phones": [phone]},
        )  # fmt: skip
    case = cases.open_case(
        db=db, actor=actor,
        data={"person_id": person.id, "categories": ["other"], "consent_store": True},
    )  # fmt: skip
    return person, case


def dupes(db, actor, **fields):
    with db.read() as session:
        return likely_duplicates(session, actor, **fields)


@pytest.mark.parametrize(
    ("family", "given"),
    [("Жээнбеков", "Нурлан"), ("Zheenbekov", "Nurlan"), ("Jeenbekov", "Nurlan"),
     ("JEENBEKOV", "NURLAN"), ("Джээнбеков", "Нурлан"), ("Jeenbekv", "Nurlan"),
     ("Нурлан", "Жээнбеков")],
)  # fmt: skip
def test_the_same_name_in_another_spelling_is_a_likely_duplicate(db, actor, nurlan, family, given):
    person, case = nurlan
    found = dupes(db, actor, family_name=family, given_name=given)
    assert [d.person_id for d in found] == [person.id]
    top = found[0]
    assert top.reasons == ("name",) and top.score >= 85
    assert top.name == "Жээнбеков Нурлан Асан уулу" and top.latin_name == "ZHEENBEKOV NURLAN"
    assert (top.case_id, top.case_number, top.case_count) == (case.id, case.number, 1)
    assert top.phones == ("+996555123456",) and top.birth_year == 1988


def test_a_latin_name_alone_is_compared_too(db, actor, nurlan):
    person, _case = nurlan
    found = dupes(db, actor, family_name="", given_name="", latin_name="Jeenbekov Nurlan")
    assert [d.person_id for d in found] == [person.id]


@pytest.mark.parametrize("phone", ["0555123456", "+996 (555) 12-34-56", "0555 12 34 56"])
def test_the_same_phone_in_any_format_is_a_likely_duplicate(db, actor, nurlan, phone):
    person, _case = nurlan
    found = dupes(db, actor, family_name="Токтогулов", given_name="Бакыт", phones=[phone, "bad"])
    assert [(d.person_id, d.reasons, d.score) for d in found] == [(person.id, ("phone",), 100)]


def test_name_and_phone_together_rank_first(db, actor, nurlan):
    person, _case = nurlan
    found = dupes(
        db, actor, family_name="Zheenbekov", given_name="Nurlan", phones=["0555123456"]
    )
    assert found[0].person_id == person.id and found[0].reasons == ("phone", "name")


def test_different_people_are_not_duplicates(db, actor, nurlan):
    person, _case = nurlan
    son = people.create_person(
        db=db, actor=actor,
        data={"family_name": "Жээнбеков", "given_name": "Айбек", "patronymic": "Нурлан уулу"},
    )  # fmt: skip
    found = dupes(db, actor, family_name="Жээнбеков", given_name="Нурлан")
    assert [d.person_id for d in found] == [person.id]  # not the son: Нурлан is his father
    assert [d.person_id for d in dupes(db, actor, family_name="Jeenbekov", given_name="Aibek")] == [
        son.id
    ]
    assert dupes(db, actor, family_name="Жээнбеков", given_name="Бакыт") == []
    assert dupes(db, actor, family_name="Токтогулов", given_name="Нурлан") == []
    assert dupes(db, actor, family_name="Жээнбеков", given_name="") == []  # one word only
    assert dupes(db, actor, family_name="", given_name="", phones=["0700 000 000"]) == []


def test_birth_year_and_patronymic_adjust_the_score(db, actor, nurlan):
    base = dupes(db, actor, family_name="Жээнбеков", given_name="Нурлан")[0].score
    same = dupes(db, actor, family_name="Жээнбеков", given_name="Нурлан", birth_year=1988)
    other = dupes(db, actor, family_name="Жээнбеков", given_name="Нурлан", birth_year=1970)
    father = dupes(
        db, actor, family_name="Жээнбеков", given_name="Нурлан", patronymic="Токтосунович"
    )
    assert same[0].score >= base > other[0].score
    assert father[0].score < base


def test_the_client_being_edited_is_left_out(db, actor, nurlan):
    person, _case = nurlan
    found = dupes(db, actor, family_name="Жээнбеков", given_name="Нурлан", exclude=person.id)
    assert found == []


def test_a_volunteer_is_shown_only_clients_they_may_see(db, actor, nurlan):
    person, case = nurlan
    user = User(username=f"v{uuid.uuid4().hex[:6]}", display_name="V", role="volunteer")
    with db.write() as s:
        s.add(user)
    volunteer = Actor(user_id=user.id, username=user.username, role="volunteer")
    fields = {"family_name": "Жээнбеков", "given_name": "Нурлан", "phones": ["0555123456"]}
    assert dupes(db, volunteer, **fields) == []
    cases.open_case(
        db=db, actor=actor,
        data={"person_id": person.id, "categories": ["other"], "consent_store": True,
              "assigned_user_id": user.id},
    )  # fmt: skip
    found = dupes(db, volunteer, **fields)
    assert [d.person_id for d in found] == [person.id]
    assert found[0].case_count == 1 and found[0].case_id != case.id


def test_reasons_have_translated_labels():
    set_language("ru")
    try:
        labels = {code: reason_label(code) for code in REASONS}
        assert all(labels[code] for code in REASONS)
    finally:
        set_language("en")
    assert reason_label("phone") == "Same phone number"
    assert reason_label("unknown") == "unknown"
