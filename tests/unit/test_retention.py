"""Retention: anonymizing old closed cases removes every personal trace and keeps the statistics.

Runs on SQLCipher and PostgreSQL. After anonymizing, the whole database (every row of
every table) is searched for the names, phone numbers and free texts of the anonymized
cases; the columns the statistics count must be exactly as before.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, update
from sqlmodel import SQLModel, select

from models import cases, people, retention, timeline
from models.actor import Actor
from models.audit import verify_chain
from models.errors import PermissionDenied, StaleEditError, ValidationFailed
from models.settings import DEFAULTS, change_setting, get_setting
from models.tables import (
    Attachment,
    AuditEntry,
    Case,
    CaseCategory,
    CaseEvent,
    FollowUp,
    Institution,
    Person,
    Referral,
)

TODAY = date(2026, 6, 15)
MONTHS = 12
LONG_AGO = date(2024, 3, 1)  # more than 12 months before TODAY
RECENTLY = date(2026, 4, 2)  # less than 12 months before TODAY

# Case columns that statistics, deadlines and the register rely on: never touched.
CASE_KEPT = (
    "number",
    "person_id",
    "opened_on",
    "status",
    "closure_reason",
    "closed_on",
    "risk_level",
    "minor",
    "destination_country",
    "destination_region",
    "sector",
    "entry_date",
    "contract_end_date",
    "assigned_user_id",
    "created_by",
    "consent_store",
    "consent_store_at",
    "consent_refer",
    "consent_refer_at",
    "consent_stats",
    "consent_stats_at",
    "created_at",
)
PERSON_KEPT = ("sex", "birth_year", "oblast", "created_by", "created_at")


@dataclass
class World:
    """The cases of a test: which should be anonymized, which not, and their secrets."""

    qualifying: dict[str, uuid.UUID]  # label -> case id
    others: dict[str, uuid.UUID]
    person_ids: dict[str, uuid.UUID]
    secrets: list[str]  # texts that must be gone after anonymizing
    survivors: list[str]  # texts of people and cases that must stay
    events_with_text: int


def _person(db, actor, family, given, *, phone, rayon="Сокулук", born=date(1990, 5, 17), **extra):
    return people.create_person(
        db=db,
        actor=actor,
        data={
            "family_name": family,
            "given_name": given,
            "phones": [phone],
            "sex": "male",
            "birth_date": born,
            "oblast": "chuy",
            "rayon": rayon,
            **extra,
        },
    )


def _case(db, actor, person, tag, *, closed_on=None, **extra):
    case = cases.open_case(
        db=db,
        actor=actor,
        data={
            "person_id": person.id,
            "opened_on": date(2023, 1, 10),
            "categories": ["unpaid_wages", "forced_labour"],
            "destination_country": "ru",
            "destination_region": "moscow",
            "destination_city": f"Балашиха-{tag}",
            "sector": "construction",
            "employer_name": f"ООО Работодатель-{tag}",
            "entry_date": date(2022, 11, 1),
            "consent_store": True,
            "consent_refer": True,
            "consent_stats": True,
            "details": {
                "forced_labour_indicators": ["deception", "restriction_of_movement"],
                "unpaid_currency": "RUB",
                "unpaid_amount": 120000,
                "unpaid_months": 3,
                "foreman_name": f"Бригадир-{tag}",
            },
            **extra,
        },
    )
    timeline.add_event(
        db=db, actor=actor, case_id=case.id, data={"text": f"Звонок работодателю {tag}."}
    )
    timeline.add_follow_up(
        db=db,
        actor=actor,
        case_id=case.id,
        data={"title": f"Позвонить брату {tag}", "due_on": date(2024, 1, 1), "note": f"N-{tag}"},
    )
    timeline.add_follow_up(
        db=db,
        actor=actor,
        case_id=case.id,
        data={"title": "Registration due", "due_on": date(2024, 1, 1), "rule_code": "reg30"},
    )
    if closed_on is not None:
        case = cases.change_status(
            db=db,
            actor=actor,
            case_id=case.id,
            version=case.version,
            data={"status": "closed", "closure_reason": "resolved", "note": f"Итог-{tag}"},
        )
        with db.write() as s:
            s.execute(update(Case).where(Case.id == case.id).values(closed_on=closed_on))
    return case


def _documents(db, case, institution_id, tag):
    """An attachment and a referral letter with free text, as the referral service leaves them."""
    with db.write() as s:
        content = f"%PDF письмо о {tag}".encode()
        attachment = Attachment(
            case_id=case.id,
            filename=f"letter-{tag}.pdf",
            media_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        s.add(attachment)
        s.flush()
        s.add(
            Referral(
                case_id=case.id,
                institution_id=institution_id,
                register_number=f"OUT-{tag}",
                reason=f"Не выплачена зарплата {tag}",
                consent_override_reason=f"Клиент в больнице {tag}",
                attachment_id=attachment.id,
                disclosed=["name", "employer"],
            )
        )


@pytest.fixture
def world(db, actor) -> World:
    with db.write() as s:
        institution = Institution(kind="embassy", country="ru", name_en="Embassy")
        s.add(institution)
        s.flush()
        institution_id = institution.id

    # Anonymized fully: one old closed case.
    p1 = _person(
        db,
        actor,
        "Асанбеков",
        "Айбек",
        phone="+996700111222",
        patronymic="Тологонович",
        latin_name="Asanbekov Aibek",
        rayon="Аламүдүн",
        born=date(1990, 3, 23),
    )
    c1 = _case(db, actor, p1, "c1", closed_on=LONG_AGO)
    _documents(db, c1, institution_id, "c1")
    # Anonymized fully: two old closed cases.
    p4 = _person(
        db,
        actor,
        "Осмоналиев",
        "Эрлан",
        phone="+996555333444",
        rayon="Кемин",
        born=date(1990, 8, 4),
    )
    c4a = _case(db, actor, p4, "c4a", closed_on=LONG_AGO)
    c4b = _case(db, actor, p4, "c4b", closed_on=date(2025, 5, 1))
    # Old case anonymized, but the client keeps their details: they have an open case.
    p2 = _person(db, actor, "Токтогулова", "Нургүл", phone="+996777555666")
    c2a = _case(db, actor, p2, "c2a", closed_on=LONG_AGO)
    c2b = _case(db, actor, p2, "c2b")
    # Closed recently: untouched.
    p3 = _person(db, actor, "Жээнбеков", "Бакыт", phone="+996700999888")
    c3 = _case(db, actor, p3, "c3", closed_on=RECENTLY)
    _documents(db, c3, institution_id, "c3")

    secrets = [
        "Асанбеков",
        "Айбек",
        "Тологонович",
        "Asanbekov",
        "+996700111222",
        "Осмоналиев",
        "Эрлан",
        "+996555333444",
        "Аламүдүн",
        "Кемин",
        "1990-03-23",
        "1990-08-04",
    ]
    for tag in ("c1", "c4a", "c4b", "c2a"):
        secrets += [
            f"Балашиха-{tag}",
            f"Работодатель-{tag}",
            f"Бригадир-{tag}",
            f"Звонок работодателю {tag}",
            f"Позвонить брату {tag}",
            f"N-{tag}",
            f"Итог-{tag}",
        ]
    secrets += ["письмо о c1", "letter-c1", "зарплата c1", "больнице c1"]
    survivors = ["Токтогулова", "+996777555666", "Жээнбеков", "Сокулук", "1990-05-17"]
    survivors += ["Балашиха-c2b", "Балашиха-c3"]
    survivors += ["Работодатель-c3", "Звонок работодателю c3", "больнице c3", "письмо о c3"]
    return World(
        qualifying={"c1": c1.id, "c4a": c4a.id, "c4b": c4b.id, "c2a": c2a.id},
        others={"c2b": c2b.id, "c3": c3.id},
        person_ids={"p1": p1.id, "p2": p2.id, "p3": p3.id, "p4": p4.id},
        secrets=secrets,
        survivors=survivors,
        # Per qualifying case: the call, and the closing note of the status change.
        events_with_text=8,
    )


def _all_text(db) -> str:
    """Every value of every row of every table, as one string."""
    parts = []
    with db.read() as s:
        conn = s.connection()
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    if isinstance(value, bytes):
                        parts.append(value.decode("utf-8", "replace"))
                    elif isinstance(value, dict | list):
                        parts.append(json.dumps(value, ensure_ascii=False))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def _snapshot(db, world: World) -> dict:
    with db.read() as s:
        out = {}
        for label, case_id in {**world.qualifying, **world.others}.items():
            case = s.get(Case, case_id)
            out[label] = {k: getattr(case, k) for k in CASE_KEPT}
            out[label]["categories"] = sorted(
                s.exec(select(CaseCategory.code).where(CaseCategory.case_id == case_id))
            )
            out[label]["details"] = {
                k: v for k, v in case.details.items() if k in retention.STATISTICAL_DETAILS
            }
            out[label]["events"] = sorted(
                (e.kind, e.occurred_at, json.dumps(e.data, sort_keys=True))
                for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id))
            )
            out[label]["follow_ups"] = sorted(
                (f.due_on, f.rule_code or "", str(f.done_on))
                for f in s.exec(select(FollowUp).where(FollowUp.case_id == case_id))
            )
            out[label]["referrals"] = sorted(
                (r.register_number or "", r.status, r.consent_override_reason is None)
                for r in s.exec(select(Referral).where(Referral.case_id == case_id))
            )
        for label, person_id in world.person_ids.items():
            person = s.get(Person, person_id)
            out[label] = {k: getattr(person, k) for k in PERSON_KEPT}
        return out


def _audit_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_preview_counts(db, actor, world):
    preview = retention.preview_anonymization(db, actor, months=MONTHS, today=TODAY)
    assert preview.cutoff == date(2025, 6, 15)
    assert preview.case_count == 4
    with db.read() as s:
        numbers = {s.get(Case, i).number for i in world.qualifying.values()}
    assert set(preview.case_numbers) == numbers
    assert preview.people_count == 2  # p1 and p4; p2 still has an open case
    assert preview.attachment_count == 1
    assert preview.event_count == world.events_with_text
    # A longer period: only the cases closed in March 2024 qualify (not c4b, May 2025).
    longer = retention.preview_anonymization(db, actor, months=24, today=TODAY)
    assert longer.case_count == 3
    assert longer.people_count == 1  # p4 still has c4b, too recent for 24 months
    assert retention.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


def test_anonymize_removes_personal_data_and_keeps_statistics(db, actor, world):
    before = _snapshot(db, world)
    text_before = _all_text(db)
    for secret in world.secrets + world.survivors:
        assert secret in text_before, secret  # the search would find them
    audit_before = _audit_count(db)

    preview = retention.preview_anonymization(db, actor, months=MONTHS, today=TODAY)
    done = retention.anonymize_closed_cases(
        db, actor, months=MONTHS, today=TODAY, expected_count=preview.case_count
    )
    assert done == 4

    text_after = _all_text(db)
    found = [secret for secret in world.secrets if secret in text_after]
    assert not found, f"still in the database: {found}"
    for survivor in world.survivors:
        assert survivor in text_after, survivor
    assert _snapshot(db, world) == before

    with db.read() as s:
        for case_id in world.qualifying.values():
            case = s.get(Case, case_id)
            assert case.details[retention.ANONYMIZED_KEY] == TODAY.isoformat()
            assert case.employer_name == "" and case.destination_city == ""
            assert case.version > 1
        for case_id in world.others.values():
            assert retention.ANONYMIZED_KEY not in s.get(Case, case_id).details
        for label in ("p1", "p4"):
            person = s.get(Person, world.person_ids[label])
            assert (person.family_name, person.given_name, person.phones) == ("", "", [])
            assert person.birth_date is None and person.birth_year == 1990
        kept = s.get(Person, world.person_ids["p2"])
        assert kept.family_name == "Токтогулова" and kept.phones == ["+996777555666"]
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1  # c3's
        referral = s.exec(select(Referral).where(Referral.case_id == world.qualifying["c1"])).one()
        assert referral.reason == "" and referral.consent_override_reason == ""
        assert referral.attachment_id is None
        assert {f.title for f in s.exec(select(FollowUp))} >= {"", "Registration due"}

        entries = s.exec(select(AuditEntry).where(AuditEntry.seq > audit_before)).all()
        assert [(e.action, e.changes) for e in entries] == [
            ("anonymize", {"months": MONTHS, "count": 4, "people": 2})
        ]
        assert verify_chain(s).ok


def test_anonymizing_again_changes_nothing(db, actor, world):
    retention.anonymize_closed_cases(db, actor, months=MONTHS, today=TODAY, expected_count=4)
    text, audit = _all_text(db), _audit_count(db)
    again = retention.preview_anonymization(db, actor, months=MONTHS, today=TODAY)
    assert (again.case_count, again.people_count, again.case_numbers) == (0, 0, ())
    assert (
        retention.anonymize_closed_cases(db, actor, months=MONTHS, today=TODAY, expected_count=0)
        == 0
    )
    assert (_all_text(db), _audit_count(db)) == (text, audit)


def test_a_later_run_anonymizes_a_client_once_all_cases_qualify(db, actor, world):
    retention.anonymize_closed_cases(db, actor, months=MONTHS, today=TODAY, expected_count=4)
    c2b = world.others["c2b"]
    with db.read() as s:
        version = s.get(Case, c2b).version
    cases.change_status(
        db=db,
        actor=actor,
        case_id=c2b,
        version=version,
        data={"status": "closed", "closure_reason": "lost_contact"},
    )
    later = TODAY.replace(year=TODAY.year + 2)
    preview = retention.preview_anonymization(db, actor, months=MONTHS, today=later)
    assert (preview.case_count, preview.people_count) == (2, 2)  # c2b, c3; p2, p3
    retention.anonymize_closed_cases(db, actor, months=MONTHS, today=later, expected_count=2)
    assert "Токтогулова" not in _all_text(db)


def test_a_changed_count_is_refused_and_changes_nothing(db, actor, world):
    preview = retention.preview_anonymization(db, actor, months=MONTHS, today=TODAY)
    # Someone reopens a case after the preview.
    c1 = world.qualifying["c1"]
    with db.read() as s:
        version = s.get(Case, c1).version
    cases.change_status(
        db=db, actor=actor, case_id=c1, version=version, data={"status": "in_progress"}
    )
    text, audit = _all_text(db), _audit_count(db)
    with pytest.raises(StaleEditError) as refused:
        retention.anonymize_closed_cases(
            db, actor, months=MONTHS, today=TODAY, expected_count=preview.case_count
        )
    assert "Nothing was changed" in str(refused.value)
    assert "(4 then, 3 now)" in str(refused.value)
    assert (_all_text(db), _audit_count(db)) == (text, audit)


@pytest.mark.parametrize("role", ["volunteer", "caseworker"])
def test_only_a_coordinator_may_anonymize(db, actor, world, role):
    other = Actor(user_id=actor.user_id, username="someone", role=role)
    text, audit = _all_text(db), _audit_count(db)
    with pytest.raises(PermissionDenied):
        retention.preview_anonymization(db, other, months=MONTHS, today=TODAY)
    with pytest.raises(PermissionDenied):
        retention.anonymize_closed_cases(db, other, months=MONTHS, today=TODAY, expected_count=4)
    assert (_all_text(db), _audit_count(db)) == (text, audit)


@pytest.mark.parametrize("months", [0, 5, -1, 1201, True, 12.0, "12"])
def test_a_period_under_six_months_is_refused(db, actor, months):
    with pytest.raises(ValidationFailed):
        retention.preview_anonymization(db, actor, months=months)
    with pytest.raises(ValidationFailed):
        retention.anonymize_closed_cases(db, actor, months=months, expected_count=0)


def test_retention_setting(db, actor):
    assert DEFAULTS["retention_months"] == 0
    with db.read() as s:
        assert get_setting(s, "retention_months") == 0
    for bad in (3, 5, -6, 1201, True, False, 12.5, "12", None):
        with pytest.raises(ValidationFailed):
            change_setting(db=db, actor=actor, key="retention_months", value=bad)
    for good in (6, 36, 0):
        change_setting(db=db, actor=actor, key="retention_months", value=good)
        with db.read() as s:
            assert get_setting(s, "retention_months") == good
    volunteer = Actor(user_id=actor.user_id, username="v", role="volunteer")
    with pytest.raises(PermissionDenied):
        change_setting(db=db, actor=volunteer, key="retention_months", value=12)


def test_many_cases_in_batches(db, actor):
    """More cases than one batch of ids, all anonymized in one transaction."""
    with db.write() as s:
        people_rows = [Person(family_name=f"Фамилия{i}", given_name="Имя") for i in range(620)]
        s.add_all(people_rows)
        s.flush()
        for i, person in enumerate(people_rows):
            s.add(
                Case(
                    number=f"KG-2020-{i:05d}",
                    person_id=person.id,
                    opened_on=date(2020, 1, 1),
                    status="closed",
                    closure_reason="resolved",
                    closed_on=date(2020, 6, 1),
                    employer_name=f"Employer {i}",
                    consent_store=True,
                )
            )
    preview = retention.preview_anonymization(db, actor, months=MONTHS, today=TODAY)
    assert (preview.case_count, preview.people_count) == (620, 620)
    assert len(preview.case_numbers) == retention.PREVIEW_NUMBERS
    assert preview.case_numbers[0] == "KG-2020-00000"
    assert (
        retention.anonymize_closed_cases(db, actor, months=MONTHS, today=TODAY, expected_count=620)
        == 620
    )
    text = _all_text(db)
    assert "Фамилия" not in text and "Employer" not in text
    with db.read() as s:
        assert verify_chain(s).ok
