"""Services on both stores: people, cases, the status workflow, the timeline, the audit log.

Every test runs on SQLCipher and on PostgreSQL (the `db`/`actor` fixtures). Each service
call is checked for its effect on the data *and* on the audit log: exactly one entry per
successful change, none for a refused one, and no personal values in an entry.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from models import cases, people, timeline
from models.audit import verify_chain
from models.errors import (
    InvalidTransition,
    NotFoundError,
    StaleEditError,
    ValidationFailed,
)
from models.tables import AuditEntry, Case, CaseEvent, Counter, FollowUp, Person

TODAY = date.today()
YEAR = TODAY.year


# --- helpers -------------------------------------------------------------------------------


def detached(session, rows):
    """Rows that stay readable after the read session rolls back."""
    session.expunge_all()
    return rows


def audit_rows(db) -> list[AuditEntry]:
    with db.read() as s:
        return detached(s, list(s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()))


def audit_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


@contextmanager
def new_audit_entries(db, expected: int) -> Iterator[list[AuditEntry]]:
    """Assert that the block adds exactly `expected` audit rows; yields them afterwards."""
    before = audit_rows(db)
    added: list[AuditEntry] = []
    yield added
    after = audit_rows(db)
    assert len(after) - len(before) == expected, [
        (e.action, e.entity) for e in after[len(before) :]
    ]
    assert [e.seq for e in after[: len(before)]] == [e.seq for e in before]
    added.extend(after[len(before) :])


def get(db, model, row_id):
    with db.read() as s:
        return detached(s, s.get(model, row_id))


def snapshot(db, model, row_id) -> dict:
    row = get(db, model, row_id)
    assert row is not None
    return row.model_dump()


def status_events(db, case_id) -> list[CaseEvent]:
    with db.read() as s:
        rows = s.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "status_change")
            .order_by(CaseEvent.occurred_at)
        ).all()
        return detached(s, list(rows))


def categories_of(db, case_id) -> list[str]:
    with db.read() as s:
        return cases.case_categories(s, case_id)


def make_person(db, actor, **extra) -> Person:
    data = {"family_name": "Жээнбеков", "given_name": "Нурлан", **extra}
    return people.create_person(db=db, actor=actor, data=data)


def make_case(db, actor, person: Person | None = None, **extra) -> Case:
    person = person or make_person(db, actor)
    data = {"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True, **extra}
    return cases.open_case(db=db, actor=actor, data=data)


def move(db, actor, case: Case, status: str, **extra) -> Case:
    return cases.change_status(
        db=db,
        actor=actor,
        case_id=case.id,
        version=case.version,
        data={"status": status, **extra},
    )


# --- people --------------------------------------------------------------------------------


def test_create_person_stores_cleaned_values_and_audits_without_personal_data(db, actor):
    with new_audit_entries(db, 1) as added:
        person = people.create_person(
            db=db,
            actor=actor,
            data={
                "family_name": "  Жээнбеков\u00a0 ",
                "given_name": "Нурлан",
                "patronymic": "Сүйүнбаевич",
                "latin_name": "ZHEENBEKOV NURLAN",
                "sex": "male",
                "birth_date": date(1990, 3, 8),
                "phones": ["+996 555 12-34-56", "0555123456", "8 (916) 123-45-67"],
                "oblast": "chuy",
            },
        )
    stored = get(db, Person, person.id)
    assert stored.family_name == "Жээнбеков"
    assert stored.patronymic == "Сүйүнбаевич"
    assert stored.phones == ["+996555123456", "+79161234567"]
    assert stored.birth_year == 1990
    assert stored.version == 1
    assert stored.created_by == actor.user_id
    (entry,) = added
    assert (entry.action, entry.entity, entry.entity_id) == ("create", "person", str(person.id))
    assert entry.username == actor.username
    dumped = json.dumps(entry.changes, ensure_ascii=False)
    assert "Жээнбеков" not in dumped and "555123456" not in dumped


BAD_PEOPLE = [
    {},
    {"family_name": "", "given_name": "   "},
    {"family_name": "12345"},
    {"family_name": "Асанов", "birth_date": TODAY + timedelta(days=1)},
    {"family_name": "Асанов", "birth_date": date(1990, 1, 1), "birth_year": 1991},
    {"family_name": "Асанов", "phones": ["not a phone"]},
    {"family_name": "Асанов", "sex": "robot"},
    {"family_name": "Асанов", "oblast": "atlantis"},
    {"family_name": "Асанов", "latin_name": "Асанов"},
    {"family_name": "Асанов", "unknown_field": 1},
]


def test_create_person_refuses_bad_input_without_trace(db, actor):
    before = audit_count(db)
    for data in BAD_PEOPLE:
        with pytest.raises(ValidationFailed) as info:
            people.create_person(db=db, actor=actor, data=data)
        assert info.value.field_errors and str(info.value).strip(), data
    assert audit_count(db) == before
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0


def test_update_person_changes_given_fields_only_and_audits_field_names(db, actor):
    person = make_person(db, actor, phones=["0555123456"], sex="male", birth_date=date(1990, 1, 2))
    with new_audit_entries(db, 1) as added:
        updated = people.update_person(
            db=db,
            actor=actor,
            person_id=person.id,
            version=1,
            data={"family_name": "Токтогулов", "phones": ["+7 916 1234567"], "sex": "other"},
        )
    assert updated.version == 2
    stored = get(db, Person, person.id)
    assert (stored.family_name, stored.given_name) == ("Токтогулов", "Нурлан")
    assert stored.phones == ["+79161234567"]
    assert stored.birth_date == date(1990, 1, 2)
    assert stored.version == 2
    assert stored.updated_at >= stored.created_at
    (entry,) = added
    assert (entry.action, entry.entity, entry.entity_id) == ("update", "person", str(person.id))
    assert entry.changes["fields"] == ["family_name", "phones", "sex"]
    # Non-personal codes may be recorded; names and phone numbers never are.
    assert entry.changes["values"] == {"sex": ["male", "other"]}
    dumped = json.dumps(entry.changes, ensure_ascii=False)
    for secret in ("Токтогулов", "Жээнбеков", "9161234567", "555123456"):
        assert secret not in dumped


def test_update_person_birth_date_keeps_birth_year_in_step(db, actor):
    person = make_person(db, actor, birth_date=date(1985, 5, 5))
    people.update_person(
        db=db, actor=actor, person_id=person.id, version=1, data={"birth_date": date(1991, 2, 3)}
    )
    stored = get(db, Person, person.id)
    assert (stored.birth_date, stored.birth_year) == (date(1991, 2, 3), 1991)
    before = snapshot(db, Person, person.id)
    with pytest.raises(ValidationFailed):
        people.update_person(
            db=db,
            actor=actor,
            person_id=person.id,
            version=2,
            data={"birth_date": date(1992, 1, 1), "birth_year": 1980},
        )
    assert snapshot(db, Person, person.id) == before


def test_update_person_without_real_change_writes_nothing(db, actor):
    person = make_person(db, actor)
    with new_audit_entries(db, 0):
        same = people.update_person(
            db=db,
            actor=actor,
            person_id=person.id,
            version=1,
            data={"family_name": " Жээнбеков "},
        )
    assert same.version == 1
    assert get(db, Person, person.id).version == 1


def test_update_person_refuses_stale_version_and_changes_nothing(db, actor):
    person = make_person(db, actor)
    people.update_person(
        db=db, actor=actor, person_id=person.id, version=1, data={"given_name": "Азамат"}
    )
    before = snapshot(db, Person, person.id)
    with new_audit_entries(db, 0), pytest.raises(StaleEditError) as info:
        people.update_person(
            db=db, actor=actor, person_id=person.id, version=1, data={"given_name": "Бакыт"}
        )
    assert "reload" in str(info.value)
    assert snapshot(db, Person, person.id) == before


def test_update_person_refuses_invalid_or_missing(db, actor):
    person = make_person(db, actor, given_name="")
    before = snapshot(db, Person, person.id)
    with new_audit_entries(db, 0):
        with pytest.raises(ValidationFailed):  # would leave the person with no name at all
            people.update_person(
                db=db, actor=actor, person_id=person.id, version=1, data={"family_name": None}
            )
        with pytest.raises(ValidationFailed) as info:
            people.update_person(
                db=db, actor=actor, person_id=person.id, version=1, data={"phones": ["12"]}
            )
        assert "phones" in info.value.field_errors
        with pytest.raises(NotFoundError):
            people.update_person(
                db=db, actor=actor, person_id=uuid.uuid4(), version=1, data={"given_name": "А"}
            )
    assert snapshot(db, Person, person.id) == before


# --- cases: opening, numbers, categories ---------------------------------------------------


def test_case_numbers_are_formatted_and_sequential_per_year(db, actor):
    person = make_person(db, actor)
    numbers = []
    for _ in range(3):
        with new_audit_entries(db, 1) as added:
            case = make_case(db, actor, person)
        (entry,) = added
        assert (entry.action, entry.entity, entry.entity_id) == ("create", "case", str(case.id))
        assert entry.changes["number"] == case.number
        numbers.append(case.number)
    assert numbers == [f"KG-{YEAR}-00001", f"KG-{YEAR}-00002", f"KG-{YEAR}-00003"]
    assert all(re.fullmatch(r"KG-\d{4}-\d{5}", n) for n in numbers)
    # A case opened (back-dated) in an earlier year is numbered in that year's sequence.
    old = make_case(db, actor, person, opened_on=date(YEAR - 1, 12, 31))
    assert old.number == f"KG-{YEAR - 1}-00001"
    assert make_case(db, actor, person).number == f"KG-{YEAR}-00004"
    stored = get(db, Case, old.id)
    assert (stored.number, stored.opened_on, stored.status) == (
        old.number,
        date(YEAR - 1, 12, 31),
        "new",
    )
    assert stored.assigned_user_id == actor.user_id
    assert stored.consent_store and stored.consent_store_at is not None


def test_open_case_for_unknown_person_takes_no_number(db, actor):
    with new_audit_entries(db, 0), pytest.raises(NotFoundError):
        cases.open_case(
            db=db,
            actor=actor,
            data={"person_id": uuid.uuid4(), "categories": ["fraud"], "consent_store": True},
        )
    assert make_case(db, actor).number == f"KG-{YEAR}-00001"


def test_categories_are_saved_deduplicated_and_replaced(db, actor):
    case = make_case(
        db, actor, categories=["unpaid_wages", "documents_withheld", "unpaid_wages", "fraud"]
    )
    # Stored as a set, listed in vocabulary order.
    assert categories_of(db, case.id) == ["unpaid_wages", "fraud", "documents_withheld"]
    with new_audit_entries(db, 1) as added:
        updated = cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=1,
            data={"categories": ["entry_ban", "fraud"]},
        )
    assert categories_of(db, case.id) == ["entry_ban", "fraud"]
    assert updated.version == get(db, Case, case.id).version == 2
    assert added[0].changes["fields"] == ["categories"]
    # The same set again is no change at all.
    with new_audit_entries(db, 0):
        cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=2,
            data={"categories": ["fraud", "entry_ban"]},
        )
    assert get(db, Case, case.id).version == 2
    for bad in ([], ["no_such_category"]):
        with new_audit_entries(db, 0), pytest.raises(ValidationFailed) as info:
            cases.update_case(
                db=db, actor=actor, case_id=case.id, version=2, data={"categories": bad}
            )
        assert "categories" in info.value.field_errors
    assert categories_of(db, case.id) == ["entry_ban", "fraud"]
    # Another case's categories are independent.
    other = make_case(db, actor, categories=["health"])
    assert categories_of(db, other.id) == ["health"]
    assert categories_of(db, case.id) == ["entry_ban", "fraud"]


def test_update_case_changes_only_the_given_fields(db, actor):
    case = make_case(
        db,
        actor,
        destination_country="ru",
        destination_region="moscow",
        sector="construction",
        employer_name="ООО Стройка",
        categories=["unpaid_wages", "fraud"],
    )
    before = snapshot(db, Case, case.id)
    with new_audit_entries(db, 1) as added:
        updated = cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=1,
            data={"employer_name": "ИП Рога и копыта", "risk_level": "high"},
        )
    after = snapshot(db, Case, case.id)
    assert updated.version == after["version"] == 2
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"employer_name", "risk_level", "version", "updated_at"}
    assert after["employer_name"] == "ИП Рога и копыта"
    assert categories_of(db, case.id) == ["unpaid_wages", "fraud"]
    (entry,) = added
    assert entry.changes["fields"] == ["employer_name", "risk_level"]
    assert entry.changes["values"] == {"risk_level": ["low", "high"]}
    assert "Рога" not in json.dumps(entry.changes, ensure_ascii=False)


def test_update_case_consent_timestamps_follow_the_flags(db, actor):
    case = make_case(db, actor)
    assert get(db, Case, case.id).consent_refer_at is None
    cases.update_case(db=db, actor=actor, case_id=case.id, version=1, data={"consent_refer": True})
    stored = get(db, Case, case.id)
    assert stored.consent_refer and stored.consent_refer_at is not None
    cases.update_case(db=db, actor=actor, case_id=case.id, version=2, data={"consent_refer": False})
    stored = get(db, Case, case.id)
    assert not stored.consent_refer and stored.consent_refer_at is None


def test_update_case_refuses_stale_version_and_changes_nothing(db, actor):
    case = make_case(db, actor)
    cases.update_case(db=db, actor=actor, case_id=case.id, version=1, data={"sector": "trade"})
    before = snapshot(db, Case, case.id)
    cats = categories_of(db, case.id)
    with new_audit_entries(db, 0), pytest.raises(StaleEditError):
        cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=1,
            data={"sector": "agriculture", "categories": ["health"]},
        )
    assert snapshot(db, Case, case.id) == before
    assert categories_of(db, case.id) == cats


def test_case_without_consent_to_store_is_refused(db, actor):
    person = make_person(db, actor)
    for consent in ({}, {"consent_store": False}):
        with new_audit_entries(db, 0), pytest.raises(ValidationFailed) as info:
            cases.open_case(
                db=db,
                actor=actor,
                data={"person_id": person.id, "categories": ["fraud"], **consent},
            )
        assert "consent" in str(info.value).lower()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(Counter)) == 0
    assert make_case(db, actor, person).number == f"KG-{YEAR}-00001"


def test_minor_flag_comes_from_birth_date_on_the_opening_day(db, actor):
    kid = make_person(db, actor, birth_date=date(2000, 6, 15))
    day_before_18 = make_case(db, actor, kid, opened_on=date(2018, 6, 14))
    on_18th_birthday = make_case(db, actor, kid, opened_on=date(2018, 6, 15))
    assert get(db, Case, day_before_18.id).minor is True
    assert get(db, Case, on_18th_birthday.id).minor is False
    young = make_person(db, actor, birth_date=TODAY.replace(year=TODAY.year - 10, day=1))
    assert make_case(db, actor, young).minor is True
    by_year = make_person(db, actor, birth_year=YEAR - 5)
    assert make_case(db, actor, by_year).minor is True
    adult = make_person(db, actor, birth_year=1980)
    assert make_case(db, actor, adult).minor is False
    unknown = make_person(db, actor)
    assert make_case(db, actor, unknown).minor is False


def test_region_must_lie_in_the_destination_country(db, actor):
    person = make_person(db, actor)
    with new_audit_entries(db, 0), pytest.raises(ValidationFailed) as info:
        make_case(db, actor, person, destination_country="kz", destination_region="moscow")
    assert "region" in str(info.value).lower()
    case = make_case(db, actor, person, destination_country="ru", destination_region="moscow")
    before = snapshot(db, Case, case.id)
    with new_audit_entries(db, 0), pytest.raises(ValidationFailed) as info:
        cases.update_case(
            db=db, actor=actor, case_id=case.id, version=1, data={"destination_country": "kz"}
        )
    assert "destination_region" in info.value.field_errors
    with pytest.raises(ValidationFailed):
        cases.update_case(
            db=db, actor=actor, case_id=case.id, version=1, data={"destination_region": "almaty"}
        )
    assert snapshot(db, Case, case.id) == before
    cases.update_case(
        db=db,
        actor=actor,
        case_id=case.id,
        version=1,
        data={"destination_country": "kz", "destination_region": "almaty"},
    )
    stored = get(db, Case, case.id)
    assert (stored.destination_country, stored.destination_region) == ("kz", "almaty")


# --- status workflow -----------------------------------------------------------------------


def test_status_workflow_through_closing_and_reopening(db, actor):
    case = make_case(db, actor)
    path = [
        ("in_progress", {}, "status"),
        ("referred", {}, "status"),
        ("awaiting_response", {}, "status"),
        ("resolved", {}, "status"),
        ("closed", {"closure_reason": "resolved"}, "status"),
        ("in_progress", {"note": "Client called again"}, "reopen"),
        ("closed", {"closure_reason": "lost_contact"}, "status"),
    ]
    previous = "new"
    for n, (status, extra, action) in enumerate(path, start=1):
        assert status in cases.allowed_statuses(previous)
        with new_audit_entries(db, 1) as added:
            case = move(db, actor, case, status, **extra)
        assert case.version == n + 1
        stored = get(db, Case, case.id)
        assert (stored.status, stored.version) == (status, n + 1)
        (entry,) = added
        assert (entry.action, entry.entity, entry.entity_id) == (action, "case", str(case.id))
        assert entry.changes["status"] == [previous, status]
        if status == "closed":
            assert stored.closure_reason == extra["closure_reason"]
            assert stored.closed_on == TODAY
        else:
            assert stored.closure_reason is None and stored.closed_on is None
        events = status_events(db, case.id)
        assert len(events) == n
        assert events[-1].data["from"] == previous and events[-1].data["to"] == status
        assert events[-1].author_id == actor.user_id
        assert events[-1].text == extra.get("note", "")
        previous = status


REFUSED = [
    ([], "resolved"),
    ([], "awaiting_response"),
    ([], "new"),
    (["in_progress"], "new"),
    ([("closed", "duplicate")], "resolved"),
    ([("closed", "duplicate")], "closed"),
]


def test_refused_transitions_change_nothing(db, actor):
    person = make_person(db, actor)
    for path, target in REFUSED:
        case = make_case(db, actor, person)
        for step in path:
            status, reason = (step, None) if isinstance(step, str) else step
            case = move(db, actor, case, status, **({"closure_reason": reason} if reason else {}))
        assert target not in cases.allowed_statuses(case.status)
        before = snapshot(db, Case, case.id)
        events = len(status_events(db, case.id))
        extra = {"closure_reason": "resolved"} if target == "closed" else {}
        with new_audit_entries(db, 0), pytest.raises(InvalidTransition) as info:
            move(db, actor, case, target, **extra)
        assert str(info.value).strip()
        assert snapshot(db, Case, case.id) == before
        assert len(status_events(db, case.id)) == events


def test_closing_needs_a_reason_and_only_closing_takes_one(db, actor):
    case = make_case(db, actor)
    before = snapshot(db, Case, case.id)
    with new_audit_entries(db, 0):
        for data in (
            {"status": "closed"},
            {"status": "closed", "closure_reason": "bored"},
            {"status": "in_progress", "closure_reason": "resolved"},
            {"status": "no_such_status"},
        ):
            with pytest.raises(ValidationFailed):
                cases.change_status(db=db, actor=actor, case_id=case.id, version=1, data=data)
        with pytest.raises(StaleEditError):
            cases.change_status(
                db=db, actor=actor, case_id=case.id, version=7, data={"status": "in_progress"}
            )
        with pytest.raises(NotFoundError):
            cases.change_status(
                db=db, actor=actor, case_id=uuid.uuid4(), version=1, data={"status": "in_progress"}
            )
    assert snapshot(db, Case, case.id) == before
    assert status_events(db, case.id) == []


# --- timeline and follow-ups ---------------------------------------------------------------


def test_add_event_records_on_the_timeline(db, actor):
    case = make_case(db, actor)
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    with new_audit_entries(db, 1) as added:
        event = timeline.add_event(
            db=db,
            actor=actor,
            case_id=case.id,
            data={"kind": "call", "occurred_at": when, "text": "  Позвонил работодателю  "},
        )
    stored = get(db, CaseEvent, event.id)
    assert (stored.case_id, stored.kind, stored.text) == (case.id, "call", "Позвонил работодателю")
    assert stored.occurred_at == when
    assert stored.author_id == actor.user_id
    (entry,) = added
    assert (entry.action, entry.entity, entry.entity_id) == ("create", "event", str(event.id))
    assert entry.changes == {"case_id": str(case.id), "kind": "call"}
    note = timeline.add_event(db=db, actor=actor, case_id=case.id, data={"text": "Заметка"})
    assert note.kind == "note"
    assert abs(get(db, CaseEvent, note.id).occurred_at - datetime.now(UTC)) < timedelta(minutes=5)
    with new_audit_entries(db, 0):
        for data in (
            {"text": "   "},
            {"kind": "status_change", "text": "faked"},
            {"text": "x", "occurred_at": datetime(2024, 1, 1)},  # naive: refused
        ):
            with pytest.raises(ValidationFailed):
                timeline.add_event(db=db, actor=actor, case_id=case.id, data=data)
        with pytest.raises(NotFoundError):
            timeline.add_event(db=db, actor=actor, case_id=uuid.uuid4(), data={"text": "x"})


def test_follow_ups_are_added_and_completed(db, actor):
    case = make_case(db, actor)
    due = TODAY + timedelta(days=30)
    with new_audit_entries(db, 1) as added:
        follow_up = timeline.add_follow_up(
            db=db,
            actor=actor,
            case_id=case.id,
            data={"title": "Продлить регистрацию", "due_on": due, "rule_code": "registration"},
        )
    stored = get(db, FollowUp, follow_up.id)
    assert (stored.case_id, stored.title, stored.due_on, stored.done_on) == (
        case.id,
        "Продлить регистрацию",
        due,
        None,
    )
    assert added[0].changes["due_on"] == due.isoformat()
    with new_audit_entries(db, 0):
        with pytest.raises(ValidationFailed):
            timeline.add_follow_up(
                db=db, actor=actor, case_id=case.id, data={"title": " ", "due_on": due}
            )
        with pytest.raises(ValidationFailed):
            timeline.add_follow_up(
                db=db, actor=actor, case_id=case.id, data={"title": "x", "due_on": date(1999, 1, 1)}
            )
        with pytest.raises(NotFoundError):
            timeline.add_follow_up(
                db=db, actor=actor, case_id=uuid.uuid4(), data={"title": "x", "due_on": due}
            )
        with pytest.raises(ValidationFailed):
            timeline.complete_follow_up(
                db=db,
                actor=actor,
                follow_up_id=follow_up.id,
                version=1,
                done_on=TODAY + timedelta(days=1),
            )
    with new_audit_entries(db, 1) as added:
        done = timeline.complete_follow_up(db=db, actor=actor, follow_up_id=follow_up.id, version=1)
    assert done.version == 2
    stored = get(db, FollowUp, follow_up.id)
    assert (stored.done_on, stored.version) == (TODAY, 2)
    assert added[0].action == "complete"
    with new_audit_entries(db, 0), pytest.raises(StaleEditError):
        timeline.complete_follow_up(
            db=db, actor=actor, follow_up_id=follow_up.id, version=1, done_on=date(2020, 1, 1)
        )
    assert get(db, FollowUp, follow_up.id).done_on == TODAY


# --- the audit log -------------------------------------------------------------------------


def _many_operations(db, actor) -> int:
    """Run a mix of services; return how many audit entries they should have written."""
    written = 0
    for i in range(4):
        person = make_person(db, actor, given_name=f"Нурлан {'ө' * (i + 1)}")
        case = make_case(db, actor, person, categories=["unpaid_wages", "registration"])
        case = cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=case.version,
            data={"employer_name": f"Работодатель {i}", "categories": ["fraud"]},
        )
        people.update_person(
            db=db, actor=actor, person_id=person.id, version=1, data={"rayon": "Аламүдүн"}
        )
        case = move(db, actor, case, "in_progress")
        timeline.add_event(db=db, actor=actor, case_id=case.id, data={"text": f"Звонок {i}"})
        fu = timeline.add_follow_up(
            db=db,
            actor=actor,
            case_id=case.id,
            data={"title": "Позвонить", "due_on": TODAY + timedelta(days=i)},
        )
        timeline.complete_follow_up(db=db, actor=actor, follow_up_id=fu.id, version=1)
        case = move(db, actor, case, "closed", closure_reason="resolved")
        move(db, actor, case, "in_progress")
        written += 10
        with pytest.raises(StaleEditError):  # a refused call in between adds nothing
            move(db, actor, case, "resolved")
    return written


def test_chain_verifies_after_many_operations(db, actor):
    start = audit_count(db)
    assert start >= 1  # the vault's creation is itself audited
    written = _many_operations(db, actor)
    rows = audit_rows(db)
    assert len(rows) == start + written
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.prev_hash == p.hash for p, r in itertools.pairwise(rows))
    assert [r.action for r in rows].count("reopen") == 4
    with db.read() as s:
        report = verify_chain(s)
    assert report.ok, report
    assert report.checked == len(rows)
    assert report.first_bad_seq is None


def _tamper(db, sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _jsonb(db) -> str:
    return "CAST(:changes AS JSONB)" if db.kind == "postgresql" else ":changes"


def test_chain_detects_a_changed_entry(db, actor):
    _many_operations(db, actor)
    rows = audit_rows(db)
    victim = next(r for r in rows[len(rows) // 2 :] if r.action == "update" and r.entity == "case")
    forged = {**victim.changes, "fields": ["nothing"]}
    _tamper(
        db,
        f"UPDATE audit_log SET changes = {_jsonb(db)} WHERE seq = :seq",
        changes=json.dumps(forged),
        seq=victim.seq,
    )
    with db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_bad_seq == victim.seq
    assert report.checked == victim.seq - 1


def test_chain_detects_changed_username_even_with_rehash_of_one_row(db, actor):
    """Recomputing the forged row's own hash is not enough: the next row's link breaks."""
    from models.audit import entry_hash

    _many_operations(db, actor)
    rows = audit_rows(db)
    victim = rows[5]
    victim.username = "someone_else"
    _tamper(
        db,
        "UPDATE audit_log SET username = :u, hash = :h WHERE seq = :seq",
        u="someone_else",
        h=entry_hash(victim),
        seq=victim.seq,
    )
    with db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_bad_seq == victim.seq + 1


def test_chain_detects_deleted_entries(db, actor):
    _many_operations(db, actor)
    rows = audit_rows(db)
    last = rows[-1].seq
    _tamper(db, "DELETE FROM audit_log WHERE seq = :seq", seq=last)
    with db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_bad_seq == last
    middle = rows[len(rows) // 2].seq
    _tamper(db, "DELETE FROM audit_log WHERE seq = :seq", seq=middle)
    with db.read() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_bad_seq == middle
