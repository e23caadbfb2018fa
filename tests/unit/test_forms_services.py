"""The form services on both stores: intake opens a case, details save into columns and
`details`, and a field an organisation adds by YAML is saved and read back after a restart.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import func, select

from forms.details import read_details, save_details, sections_for, values_for
from forms.intake import submit_intake
from forms.loader import FORMS_DIR, load_forms
from models.actor import Actor
from models.errors import NotFoundError, StaleEditError, ValidationFailed
from models.tables import AuditEntry, Case, Person, User
from models.vault import unlock_vault
from tests.vault_factory import TEST_PASSWORD, new_test_vault

INTAKE = {
    "given_name": "Айгүл",
    "family_name": "Токтосунова",
    "sex": "female",
    "birth_year": 1991,
    "phones": "8 916 123-45-67",
    "oblast": "osh_oblast",
    "rayon": "Кара-Суу",
    "destination_country": "ru",
    "destination_region": "moscow",
    "entry_date": date(2025, 2, 3),
    "categories": ["unpaid_wages", "employment_contract"],
    "summary": "Работодатель не платит третий месяц.",
    "consent_store": True,
    "consent_refer": True,
    "consent_stats": False,
}


def audit_count(db) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


def volunteer(db) -> Actor:
    user = User(username=f"v{uuid.uuid4().hex[:6]}", display_name="Volunteer", role="volunteer")
    with db.write() as session:
        session.add(user)
    return Actor(user_id=user.id, username=user.username, role="volunteer")


def test_intake_creates_the_client_and_the_case(db, actor):
    oblasts = load_forms().intake.field("oblast")
    assert oblasts.vocab == "oblast"
    before = audit_count(db)
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    assert audit_count(db) == before + 2  # the person, the case
    with db.read() as session:
        stored = session.get(Case, case.id)
        person = session.get(Person, stored.person_id)
    assert person.given_name == "Айгүл" and person.family_name == "Токтосунова"
    assert person.phones == ["+79161234567"] and person.birth_year == 1991
    assert person.rayon == "Кара-Суу" and person.sex == "female"
    assert stored.entry_date == date(2025, 2, 3) and stored.destination_region == "moscow"
    assert stored.consent_store and stored.consent_refer and not stored.consent_stats
    assert stored.details == {"summary": "Работодатель не платит третий месяц."}
    snapshot = read_details(db=db, actor=actor, case_id=case.id)
    assert snapshot.categories == ["employment_contract", "unpaid_wages"]


def test_intake_errors_are_keyed_by_field_and_nothing_is_written(db, actor):
    before = audit_count(db)
    bad = {**INTAKE, "phones": "call me", "consent_store": False, "destination_region": "almaty"}
    with pytest.raises(ValidationFailed) as caught:
        submit_intake(db=db, actor=actor, values=bad)
    assert set(caught.value.field_errors) >= {"phones", "consent_store", "destination_region"}
    with pytest.raises(ValidationFailed) as caught:
        submit_intake(db=db, actor=actor, values={**INTAKE, "birth_year": 2090})
    assert set(caught.value.field_errors) == {"birth_year"}
    assert audit_count(db) == before
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 0


def test_intake_for_a_client_on_file(db, actor):
    first = submit_intake(db=db, actor=actor, values=INTAKE)
    values = {"categories": ["entry_ban"], "consent_store": True, "given_name": "ignored"}
    second = submit_intake(db=db, actor=actor, values=values, existing_person_id=first.person_id)
    assert second.person_id == first.person_id and second.number != first.number
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 1
    other = volunteer(db)
    with pytest.raises(NotFoundError):
        submit_intake(db=db, actor=other, values=values, existing_person_id=first.person_id)


def test_details_go_to_columns_and_details(db, actor):
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    snapshot = read_details(db=db, actor=actor, case_id=case.id)
    values = {
        "unpaid_amount": {"amount": Decimal("165000"), "currency": "RUB"},
        "unpaid_months": 3,
        "complained_before": True,
        "complaint_where": "Трудовая инспекция, март",
        "employer_name": "ООО «Стройка»",
        "contract_end_date": date(2025, 6, 30),
        "sector": "construction",
    }
    saved = save_details(db=db, actor=actor, case_id=case.id, version=snapshot.version,
                         values=values)  # fmt: skip
    assert saved.version == snapshot.version + 1
    assert saved.employer_name == "ООО «Стройка»" and saved.sector == "construction"
    assert saved.contract_end_date == date(2025, 6, 30)
    assert saved.details["unpaid_amount"] == 165000 and saved.details["unpaid_currency"] == "RUB"
    assert saved.details["complaint_where"] == "Трудовая инспекция, март"
    assert saved.details["summary"] == INTAKE["summary"]  # untouched
    again = read_details(db=db, actor=actor, case_id=case.id)
    assert again.values["unpaid_amount"] == {"amount": Decimal("165000.00"), "currency": "RUB"}
    assert again.values["complained_before"] is True
    # the audit entry names the fields, not the personal values
    with db.read() as session:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert "details" in entry.changes["fields"] and "details" not in entry.changes["values"]
    # clearing a value removes its key; a stale version is refused
    cleared = save_details(db=db, actor=actor, case_id=case.id, version=saved.version,
                           values={"complained_before": None})  # fmt: skip
    assert "complaint_where" in cleared.details  # its field is hidden now: left as it was
    assert "complained_before" not in cleared.details
    with pytest.raises(StaleEditError):
        save_details(db=db, actor=actor, case_id=case.id, version=saved.version, values={})


def test_details_check_required_fields_of_new_categories(db, actor):
    case = submit_intake(db=db, actor=actor, values={**INTAKE, "categories": ["other"]})
    with pytest.raises(ValidationFailed) as caught:
        save_details(db=db, actor=actor, case_id=case.id, version=case.version,
                     values={"categories": ["other", "unpaid_wages"]})  # fmt: skip
    assert set(caught.value.field_errors) == {"unpaid_amount"}
    saved = save_details(
        db=db, actor=actor, case_id=case.id, version=case.version,
        values={"categories": ["other", "unpaid_wages"],
                "unpaid_amount": {"amount": "1000", "currency": "KGS"}},
    )  # fmt: skip
    assert read_details(db=db, actor=actor, case_id=saved.id).categories == [
        "unpaid_wages", "other",
    ]  # fmt: skip
    assert [s.key for s in sections_for(["unpaid_wages"])][-1] == "unpaid_wages"


def test_details_keep_keys_no_form_knows(db, actor):
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    from models.cases import update_case

    case = update_case(db=db, actor=actor, case_id=case.id, version=case.version,
                       data={"details": {"legacy_note": "kept", "summary": "x"}})  # fmt: skip
    values = {"summary": "новое", "unpaid_amount": {"amount": 5, "currency": "RUB"}}
    saved = save_details(db=db, actor=actor, case_id=case.id, version=case.version,
                         values=values)  # fmt: skip
    assert saved.details["legacy_note"] == "kept" and saved.details["summary"] == "новое"
    with pytest.raises(ValidationFailed) as caught:
        save_details(db=db, actor=actor, case_id=case.id, version=saved.version,
                     values={"no_such_field": 1})  # fmt: skip
    assert "no_such_field" in caught.value.field_errors


def test_a_volunteer_cannot_save_someone_elses_case(db, actor):
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    with pytest.raises(NotFoundError):
        save_details(db=db, actor=volunteer(db), case_id=case.id, version=case.version,
                     values={"summary": "x"})  # fmt: skip


EXTRA_FIELD = """\
      - key: employer_phone
        type: phone
        label:
          en: Employer's phone
          ru: Телефон работодателя
          ky: Иш берүүчүнүн телефону
      - key: hours_per_day
        type: number
        minimum: 0
        maximum: 24
        label:
          en: Hours worked a day
          ru: Часов работы в день
          ky: Күнүнө канча саат иштейт
"""


def test_a_field_added_by_yaml_is_saved_and_survives_a_restart(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    text = (FORMS_DIR / "unpaid_wages.yaml").read_text(encoding="utf-8") + EXTRA_FIELD
    (folder / "unpaid_wages.yaml").write_text(text, encoding="utf-8")
    forms = load_forms(folder)
    assert forms.details.section_of("employer_phone").key == "unpaid_wages"

    opened = new_test_vault(tmp_path / "vault")
    case = submit_intake(db=opened.db, actor=opened.actor, values=INTAKE, forms=forms)
    save_details(
        db=opened.db, actor=opened.actor, case_id=case.id, version=case.version, forms=forms,
        values={"unpaid_amount": {"amount": "90000", "currency": "RUB"},
                "employer_phone": "8 (495) 123-45-67", "hours_per_day": 14},
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        save_details(db=opened.db, actor=opened.actor, case_id=case.id, version=case.version + 1,
                     forms=forms, values={"hours_per_day": 30})  # fmt: skip
    assert set(caught.value.field_errors) == {"hours_per_day"}
    opened.db.close()

    reopened = unlock_vault(tmp_path / "vault", username="coordinator", password=TEST_PASSWORD)
    try:
        snapshot = read_details(db=reopened.db, actor=reopened.actor, case_id=case.id,
                                forms=load_forms(folder))  # fmt: skip
        assert snapshot.values["employer_phone"] == "+74951234567"
        assert snapshot.values["hours_per_day"] == 14
        with reopened.db.read() as session:
            stored = session.get(Case, case.id)
        assert stored.details["employer_phone"] == "+74951234567"
        # without the organisation's file the value stays in the database, unshown
        assert "employer_phone" not in values_for(stored, snapshot.categories, load_forms())
    finally:
        reopened.db.close()


def test_the_shipped_folder_is_not_changed_by_tests():
    assert not (FORMS_DIR / "extra.yaml").exists()
    assert "employer_phone" not in (FORMS_DIR / "unpaid_wages.yaml").read_text(encoding="utf-8")
