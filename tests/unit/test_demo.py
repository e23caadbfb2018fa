"""The demo database generator: what it builds, that the app can read it, and its promises
(valid codes, deterministic for a seed, numbering continues, audit chain intact, never
overwrites, cancels cleanly)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from models import audit, demo_load
from models.cases import is_minor, open_case
from models.demo import DEMO_PASSWORD, DEMO_USERNAME, DemoCancelled, build_demo, demo_summary
from models.demo_names import female_family, passport_latin, patronymic
from models.demo_rows import uuid_hex
from models.errors import StoreError
from models.keyslots import FAST_KDF
from models.people import create_person
from models.settings import get_setting
from models.tables import (
    AuditEntry,
    Case,
    CaseCategory,
    CaseEvent,
    Counter,
    FollowUp,
    Institution,
    Person,
    Referral,
    User,
)
from models.vault import unlock_vault
from models.vocab import default_vocabularies

TODAY = date(2026, 5, 20)
CASES = 1500


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A demo vault of CASES cases opened up to today (so new cases continue its numbering)."""
    folder = tmp_path_factory.mktemp("demo") / "vault"
    result = build_demo(folder, cases=CASES, seed=7, kdf=FAST_KDF)
    return result


@pytest.fixture
def opened(built):
    vault = unlock_vault(built.path, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    yield vault
    vault.db.close()


def _rows(db, table):
    with db.read() as session:
        return session.exec(select(table)).all()


def test_build_result_and_sign_in(built, opened):
    assert (built.cases, built.seed, built.username) == (CASES, 7, DEMO_USERNAME)
    assert built.password == DEMO_PASSWORD and built.seconds > 0
    summary = demo_summary(opened.db)
    assert summary["cases"] == CASES
    assert 0.9 * CASES <= summary["people"] <= CASES
    assert summary["events"] >= 2 * CASES
    assert 0.2 * CASES <= summary["referrals"] <= 0.4 * CASES
    assert summary["follow_ups"] > 0
    with opened.db.read() as session:
        assert get_setting(session, "demo") is True
        assert get_setting(session, "case_number_prefix") == "KG"
    leftovers = [p.name for p in built.path.parent.iterdir() if p.name != built.path.name]
    assert leftovers == []
    names = {p.name for p in built.path.iterdir()}  # -wal/-shm: the vault is open
    assert {"keys", "komok.db"} <= names <= {"keys", "komok.db", "komok.db-wal", "komok.db-shm"}


def test_orm_reads_every_table(opened):
    people = {p.id: p for p in _rows(opened.db, Person)}
    cases = _rows(opened.db, Case)
    events = _rows(opened.db, CaseEvent)
    assert all(isinstance(c.id, uuid.UUID) and c.id.version == 4 for c in cases)
    assert all(isinstance(c.opened_on, date) and c.opened_on <= date.today() for c in cases)
    assert all(c.created_at.tzinfo is not None and c.updated_at >= c.created_at for c in cases)
    assert all(c.person_id in people and c.consent_store for c in cases)
    assert all(isinstance(c.details, dict) for c in cases)
    assert all(isinstance(p.phones, list) for p in people.values())
    assert all(ph.startswith(("+996", "+7")) for p in people.values() for ph in p.phones)
    assert all(e.occurred_at.tzinfo is not None and isinstance(e.data, dict) for e in events)
    assert {e.kind for e in events} >= {"note", "call", "status_change", "referral"}
    for table in (FollowUp, Referral, Institution, User, CaseCategory):
        assert _rows(opened.db, table)


def test_every_code_is_in_its_vocabulary(opened):
    vocab = default_vocabularies()
    regions = vocab["region"]

    def check(name, values):
        values = {v for v in values if v is not None}
        unknown = {v for v in values if v not in vocab[name]}
        assert not unknown, (name, unknown)

    people, cases = _rows(opened.db, Person), _rows(opened.db, Case)
    check("sex", (p.sex for p in people))
    check("oblast", (p.oblast for p in people))
    check("case_status", (c.status for c in cases))
    check("closure_reason", (c.closure_reason for c in cases))
    check("risk_level", (c.risk_level for c in cases))
    check("country", (c.destination_country for c in cases))
    check("region", (c.destination_region for c in cases))
    check("sector", (c.sector for c in cases))
    check("category", (c.code for c in _rows(opened.db, CaseCategory)))
    check("event_kind", (e.kind for e in _rows(opened.db, CaseEvent)))
    check("referral_status", (r.status for r in _rows(opened.db, Referral)))
    check("assistance", (s for r in _rows(opened.db, Referral) for s in r.services))
    check("role", (u.role for u in _rows(opened.db, User)))
    check("institution_kind", (i.kind for i in _rows(opened.db, Institution)))
    check(
        "forced_labour_indicator",
        (code for c in cases for code in c.details.get("forced_labour_indicators", [])),
    )
    for case in cases:
        if case.destination_region:
            assert regions.get(case.destination_region).extra["country"] == case.destination_country


def test_statuses_dates_and_timelines_are_consistent(opened):
    transitions = default_vocabularies()["case_status"]
    cases = {c.id: c for c in _rows(opened.db, Case)}
    for case in cases.values():
        assert (case.status == "closed") == (case.closure_reason is not None)
        assert (case.status == "closed") == (case.closed_on is not None)
        if case.closed_on:
            assert case.opened_on <= case.closed_on <= date.today()
        if case.entry_date:
            assert case.entry_date < case.opened_on
    paths: dict[uuid.UUID, list] = {}
    for event in sorted(_rows(opened.db, CaseEvent), key=lambda e: e.occurred_at):
        assert event.occurred_at.date() >= cases[event.case_id].opened_on
        if event.kind == "status_change":
            paths.setdefault(event.case_id, []).append((event.data["from"], event.data["to"]))
    for case_id, case in cases.items():
        path = paths.get(case_id, [])
        state = "new"
        for old, new in path:
            assert old == state and new in transitions.transitions(old)
            state = new
        assert state == case.status
    for referral in _rows(opened.db, Referral):
        assert (referral.status == "draft") == (referral.register_number is None)


def test_realistic_mix(opened):
    people, cases = _rows(opened.db, Person), _rows(opened.db, Case)
    men = sum(p.sex == "male" for p in people) / len(people)
    russia = sum(c.destination_country == "ru" for c in cases) / len(cases)
    assert 0.55 < men < 0.75 and 0.72 < russia < 0.92
    assert any(c.minor for c in cases) and sum(c.minor for c in cases) < 0.06 * len(cases)
    by_id = {p.id: p for p in people}
    assert all(c.minor == is_minor(by_id[c.person_id], c.opened_on) for c in cases)
    with opened.db.read() as session:
        pairs = session.exec(select(CaseCategory.case_id, CaseCategory.code)).all()
    codes = {}
    for case_id, code in pairs:
        codes.setdefault(case_id, set()).add(code)
    for case in cases:
        assert 1 <= len(codes[case.id]) <= 3
        if codes[case.id] & {"forced_labour", "trafficking"}:
            assert case.details["forced_labour_indicators"]
        if "unpaid_wages" in codes[case.id]:
            assert case.details["unpaid_amount"] > 0 and case.details["unpaid_months"] >= 1
    letters = "".join(p.family_name + p.given_name + (p.patronymic or "") for p in people)
    assert {"ң", "ө", "ү"} <= set(letters)
    assert all(p.latin_name.isascii() for p in people)


def test_numbering_continues_after_the_demo(opened):
    cases = _rows(opened.db, Case)
    numbers = [c.number for c in cases]
    assert len(set(numbers)) == len(numbers)
    year = date.today().year
    this_year = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(f"KG-{year}-"))
    assert this_year == list(range(1, len(this_year) + 1))
    registers = [r.register_number for r in _rows(opened.db, Referral) if r.register_number]
    assert len(set(registers)) == len(registers)
    with opened.db.read() as session:
        counters = {c.name: c.value for c in session.exec(select(Counter))}
    for reg_year in {int(r.split("/")[1]) for r in registers}:
        used = [int(r.split("/")[0]) for r in registers if r.endswith(f"/{reg_year}")]
        assert counters[f"register:{reg_year}"] == max(used) == len(used)
    person = create_person(
        db=opened.db, actor=opened.actor, data={"family_name": "Тестов", "given_name": "Тест"}
    )
    case = open_case(
        db=opened.db, actor=opened.actor,
        data={"person_id": person.id, "categories": ["other"], "consent_store": True},
    )  # fmt: skip
    assert case.number == f"KG-{year}-{len(this_year) + 1:05d}"


def test_audit_chain_verifies(opened):
    with opened.db.read() as session:
        report = audit.verify_chain(session)
        demo_entries = session.exec(select(AuditEntry).where(AuditEntry.action == "demo")).all()
    assert report.ok, report
    assert [e.changes for e in demo_entries] == [{"cases": CASES, "seed": 7}]


def test_integrity_and_settings_restored(opened):
    with opened.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _snapshot(path: Path, tables=(Case, Person, CaseEvent, FollowUp, Referral, CaseCategory)):
    vault = unlock_vault(path, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    try:
        with vault.db.read() as session:
            return {
                t.__tablename__: [r.model_dump() for r in session.exec(select(t))] for t in tables
            }
    finally:
        vault.db.close()


def test_same_seed_same_data(tmp_path):
    first = build_demo(tmp_path / "a", cases=120, seed=3, kdf=FAST_KDF, today=TODAY)
    second = build_demo(tmp_path / "b", cases=120, seed=3, kdf=FAST_KDF, today=TODAY)
    other = build_demo(tmp_path / "c", cases=120, seed=4, kdf=FAST_KDF, today=TODAY)
    a, b, c = (_snapshot(r.path, tables=(Case, Person)) for r in (first, second, other))

    def key(snap):
        names = {p["id"]: (p["family_name"], p["given_name"]) for p in snap["people"]}
        return [(x["number"], names[x["person_id"]], x["status"]) for x in snap["cases"]]

    assert key(a) == key(b)
    assert key(a) != key(c)
    strip = ("person_id", "created_by", "assigned_user_id")  # the coordinator's id is random
    cases_a = [{k: v for k, v in x.items() if k not in strip} for x in a["cases"]]
    cases_b = [{k: v for k, v in x.items() if k not in strip} for x in b["cases"]]
    assert cases_a == cases_b
    assert max(x["opened_on"] for x in a["cases"]) <= TODAY


def test_helper_process_builds_the_same_rows(tmp_path, monkeypatch):
    """The two-process build (used for big databases) gives exactly the one-process rows."""
    inline = build_demo(tmp_path / "inline", cases=4100, seed=5, kdf=FAST_KDF, today=TODAY)
    monkeypatch.setattr(demo_load, "PARALLEL_FROM", 0)
    parallel = build_demo(tmp_path / "parallel", cases=4100, seed=5, kdf=FAST_KDF, today=TODAY)
    assert not list(parallel.path.glob("*scratch*"))
    one, two = _snapshot(inline.path), _snapshot(parallel.path)
    ids = {"created_by", "assigned_user_id", "author_id"}  # may be the vault's coordinator
    for table in one:
        rows_one = [{k: v for k, v in r.items() if k not in ids} for r in one[table]]
        rows_two = [{k: v for k, v in r.items() if k not in ids} for r in two[table]]
        assert rows_one == rows_two, table


def test_refuses_to_overwrite(built):
    before = (built.path / "komok.db").stat().st_mtime_ns
    with pytest.raises(StoreError):
        build_demo(built.path, cases=10, kdf=FAST_KDF)
    assert (built.path / "komok.db").stat().st_mtime_ns == before


def test_cancel_leaves_nothing(tmp_path):
    calls = []

    def progress(done, total):
        calls.append((done, total))
        return False

    with pytest.raises(DemoCancelled):
        build_demo(tmp_path / "vault", cases=5000, kdf=FAST_KDF, progress=progress)
    assert calls and calls[0][1] == 5000
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_the_total(tmp_path):
    seen = []
    build_demo(tmp_path / "v", cases=2500, kdf=FAST_KDF, progress=lambda d, t: seen.append(d))
    assert seen == sorted(seen) and seen[-1] == 2500


def test_builds_into_an_existing_empty_folder(tmp_path):
    (tmp_path / "v").mkdir()
    result = build_demo(tmp_path / "v", cases=5, kdf=FAST_KDF, today=TODAY)
    assert (result.path / "komok.db").is_file() and (result.path / "keys").is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["v"]


def test_uuid_and_names_helpers():
    for bits in (0, (1 << 128) - 1, 0x1234_5678_9ABC_DEF0_0FED_CBA9_8765_4321):
        assert uuid_hex(bits) == uuid.UUID(int=bits, version=4).hex
    assert passport_latin("Жээнбеков") == "ZHEENBEKOV"
    assert passport_latin("Үмүтбек") == "UMUTBEK"
    assert passport_latin("Чыңгыз") == "CHYNGYZ"
    assert passport_latin("Өмүр") == "OMUR"
    assert passport_latin("Юлия") == "IULIIA"
    assert passport_latin("Щукина") == "SHCHUKINA"
    assert female_family("Асанов") == "Асанова" and female_family("Ким") == "Ким"
    assert patronymic("Бакыт", False, kyrgyz_style=False) == "Бакытович"
    assert patronymic("Жумабай", True, kyrgyz_style=False) == "Жумабаевна"
    assert patronymic("Сергей", True, kyrgyz_style=False) == "Сергеевна"
    assert patronymic("Асан", True, kyrgyz_style=True) == "Асан кызы"
