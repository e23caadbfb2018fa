"""Search (Ctrl+F) on both stores: names in any script and with typos, phones in any format,
case numbers whole or in part; permissions; the index kept exact by every service that
changes a client or opens a case; the migration that fills the index for existing data.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import select

from models import cases, keyslots, migrate, people, retention
from models.actor import Actor
from models.db import Database, open_sqlcipher, open_url
from models.search import search
from models.search_keys import numbers_terms, person_terms, users_terms
from models.tables import Case, Person, SearchEntry, User

NURLAN = {
    "family_name": "Жээнбеков",
    "given_name": "Нурлан",
    "patronymic": "Асан уулу",
    "phones": ["+996 (555) 12-34-56"],
    "birth_year": 1988,
}
OTHERS = [
    {"family_name": "Жумабаев", "given_name": "Нурбек", "phones": ["+996700111222"]},
    {"family_name": "Асанов", "given_name": "Нурлан", "phones": ["+79161234567"]},
    {"family_name": "Жээнбекова", "given_name": "Айгүл", "latin_name": "ZHEENBEKOVA AIGUL"},
    {"family_name": "Иванов", "given_name": "Сергей", "phones": ["+996555765432"]},
]


def person(db, actor, **data) -> Person:
    return people.create_person(db=db, actor=actor, data=data)


def open_case(db, actor, who: Person, **extra) -> Case:
    data = {"person_id": who.id, "categories": ["unpaid_wages"], "consent_store": True}
    return cases.open_case(db=db, actor=actor, data={**data, **extra})


def find(db, actor, text, **kw):
    with db.read() as session:
        return search(session, actor, text, **kw)


def names(hits) -> list[str]:
    return [h.name for h in hits]


def assert_index_exact(db: Database) -> None:
    """Every client has exactly the entry their current details and cases give."""
    with db.read() as s:
        entries = {e.person_id: e for e in s.exec(select(SearchEntry)).all()}
        numbers: dict[uuid.UUID, list[str]] = {}
        users: dict[uuid.UUID, list[uuid.UUID]] = {}
        rows = s.exec(select(Case.person_id, Case.number, Case.assigned_user_id, Case.created_by))
        for pid, number, assigned, creator in rows.all():
            numbers.setdefault(pid, []).append(number)
            users.setdefault(pid, []).extend((assigned, creator))
        expected = {}
        for p in s.exec(select(Person)).all():
            name, phone = person_terms(
                p.family_name, p.given_name, p.patronymic, p.latin_name, p.phones
            )
            number = numbers_terms(sorted(numbers.get(p.id, [])))
            user = users_terms([p.created_by, *users.get(p.id, [])])
            if name or phone or number:
                expected[p.id] = (name, phone, number, user)
    actual = {
        pid: (e.name_key, e.phone_key, e.number_key, e.user_key) for pid, e in entries.items()
    }
    assert actual == expected


@pytest.fixture
def world(db, actor):
    nurlan = person(db, actor, **NURLAN)
    others = [person(db, actor, **data) for data in OTHERS]
    case = open_case(db, actor, nurlan)
    return nurlan, others, case


@pytest.mark.parametrize(
    "text",
    ["Жээнбеков Нурлан", "Jeenbekov Nurlan", "Zheenbekov Nurlan", "zheenbekov", "JEENBEKOV",
     "Джээнбеков Нурлан", "Jeenbekv", "Jeenbekv Nurlan", "Жээнб Нур", "нурлан жээнбеков",
     "Zeenbekov Nurlan"],
)  # fmt: skip
def test_a_name_is_found_in_any_script_and_with_typos(db, actor, world, text):
    nurlan, _others, case = world
    hits = find(db, actor, text)
    assert hits, text
    top = hits[0]
    assert (top.kind, top.person_id) == ("person", nurlan.id)
    assert top.name == "Жээнбеков Нурлан Асан уулу"
    assert (top.case_id, top.case_number, top.case_count) == (case.id, case.number, 1)
    assert top.matched == "name" and 0 < top.score <= 100


def test_names_rank_whole_matches_first_and_leave_out_strangers(db, actor, world):
    hits = find(db, actor, "Нурлан")
    assert set(names(hits)) == {"Жээнбеков Нурлан Асан уулу", "Асанов Нурлан"}
    assert "Иванов Сергей" not in names(find(db, actor, "Jeenbekov"))
    female = find(db, actor, "Zheenbekova")
    assert names(female)[0] == "Жээнбекова Айгүл"
    assert find(db, actor, "Aigul Zheenbekova")[0].latin_name == "ZHEENBEKOVA AIGUL"


@pytest.mark.parametrize(
    "text",
    ["+996 (555) 12-34-56", "0555123456", "0555 12 34 56", "555 12 34 56", "996555123456",
     "00996555123456", "+996555123456", "0555 12", "555-123"],
)  # fmt: skip
def test_a_phone_is_found_in_any_format(db, actor, world, text):
    nurlan, _others, _case = world
    hits = find(db, actor, text)
    assert hits and hits[0].person_id == nurlan.id, text
    assert hits[0].matched == "phone"
    whole = find(db, actor, "0555123456")[0]
    assert whole.score == 100 and hits[0].score <= whole.score


def test_russian_numbers_with_a_trunk_eight(db, actor, world):
    _nurlan, others, _case = world
    assert find(db, actor, "8 (916) 123-45-67")[0].person_id == others[1].id
    assert find(db, actor, "+7 916 123")[0].person_id == others[1].id


def test_a_case_is_found_by_its_number_or_serial(db, actor, world):
    nurlan, _others, case = world
    second = open_case(db, actor, nurlan)
    year, serial = case.number.split("-")[1], int(case.number.split("-")[2])
    for text in (case.number, case.number.lower(), case.number.replace("-", " "),
                 f"KG {year} {serial}", f"{year}-{serial}", f"{year}-{serial:05d}",
                 str(serial), f"{serial:05d}"):  # fmt: skip
        hits = find(db, actor, text)
        assert [h.kind for h in hits][:1] == ["case"], text
        assert hits[0].case_id == case.id and hits[0].case_number == case.number, text
        assert hits[0].person_id == nurlan.id and hits[0].matched == "number"
    both = find(db, actor, f"KG-{year}-0000")
    assert {h.case_id for h in both} == {case.id, second.id}
    assert find(db, actor, f"KG-{year}") == []  # every case of the year: not a search
    assert find(db, actor, f"KG-{year}-99999") == []


def test_short_empty_and_odd_queries_find_nothing_harmlessly(db, actor, world):
    for text in ("", "   ", "ж", "-", "12", "'\"*:()", "NEAR(a b)", "a OR b", "x" * 500):
        assert isinstance(find(db, actor, text), list)
    assert find(db, actor, "") == [] and find(db, actor, "ж") == []
    assert len(find(db, actor, "Нурлан", limit=1)) == 1
    assert find(db, actor, "Нурлан", limit=0) == []


@given(st.text(max_size=30))
@example('"name_key" : *')
@example("{phone_key}: 1")
@example("’ʼ")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_text_is_searched_without_error(db, actor, text):
    hits = find(db, actor, text)
    assert all(0 <= h.score <= 100 for h in hits)


def _volunteer(db) -> Actor:
    user = User(username=f"v{uuid.uuid4().hex[:6]}", display_name="Volunteer", role="volunteer")
    with db.write() as s:
        s.add(user)
    return Actor(user_id=user.id, username=user.username, role="volunteer")


def test_a_volunteer_finds_only_the_clients_and_cases_they_work_on(db, actor, world):
    _nurlan, others, case = world
    volunteer = _volunteer(db)
    assert find(db, volunteer, "Жээнбеков") == []
    assert find(db, volunteer, "0555123456") == []
    assert find(db, volunteer, case.number) == []
    assigned = open_case(db, actor, others[1], assigned_user_id=volunteer.user_id)
    own = person(db, volunteer, family_name="Жээнбеков", given_name="Талант")
    hits = find(db, volunteer, "Жээнбеков")
    assert [h.person_id for h in hits] == [own.id]
    assert hits[0].case_id is None and hits[0].case_count == 0
    asanov = find(db, volunteer, "Нурлан")
    assert [h.person_id for h in asanov] == [others[1].id]
    assert asanov[0].case_id == assigned.id
    assert find(db, volunteer, assigned.number)[0].case_id == assigned.id
    serial = str(int(case.number.rsplit("-", 1)[1]))
    assert all(h.case_id != case.id for h in find(db, volunteer, serial))
    # The same client's other case stays hidden even when the client is visible.
    hidden = open_case(db, actor, others[1])
    assert [h.case_id for h in find(db, volunteer, hidden.number)] == []
    assert find(db, volunteer, "Асанов")[0].case_count == 1


def test_a_volunteer_finds_a_client_once_a_case_is_assigned_to_them(db, actor, world):
    nurlan, _others, case = world
    volunteer = _volunteer(db)
    assert find(db, volunteer, "Jeenbekov Nurlan") == []
    cases.update_case(
        db=db, actor=actor, case_id=case.id, version=case.version,
        data={"assigned_user_id": volunteer.user_id},
    )  # fmt: skip
    hits = find(db, volunteer, "Jeenbekov Nurlan")
    assert [(h.person_id, h.case_id) for h in hits] == [(nurlan.id, case.id)]
    assert find(db, volunteer, "0555123456")[0].person_id == nurlan.id
    assert_index_exact(db)


def test_a_lagging_index_never_shows_a_client_to_the_wrong_volunteer(db, actor, world):
    nurlan, _others, case = world
    volunteer = _volunteer(db)
    with db.write() as s:  # the entry claims the volunteer works on the client: it lies
        s.execute(
            update(SearchEntry)
            .where(SearchEntry.person_id == nurlan.id)
            .values(user_key=users_terms([volunteer.user_id]))
        )
    assert find(db, volunteer, "Jeenbekov Nurlan") == []
    assert find(db, volunteer, case.number) == []


def test_the_index_follows_renames_and_phone_changes(db, actor, world):
    nurlan, _others, case = world
    updated = people.update_person(
        db=db, actor=actor, person_id=nurlan.id, version=nurlan.version,
        data={"family_name": "Токтогулов", "phones": ["0700 999 888"], "latin_name": "TOKTOGULOV"},
    )  # fmt: skip
    assert updated.family_name == "Токтогулов"
    assert nurlan.id not in {h.person_id for h in find(db, actor, "Жээнбеков")}
    assert find(db, actor, "0555123456") == []
    hits = find(db, actor, "Toktogulov Nurlan")
    assert hits[0].person_id == nurlan.id and hits[0].case_id == case.id
    assert find(db, actor, "0700999888")[0].person_id == nurlan.id
    assert_index_exact(db)


def test_a_failed_change_leaves_the_index_as_it_was(db, actor, world):
    nurlan, _others, _case = world
    with pytest.raises(Exception):  # noqa: B017 - a stale version, refused
        people.update_person(
            db=db, actor=actor, person_id=nurlan.id, version=nurlan.version + 5,
            data={"family_name": "Токтогулов"},
        )  # fmt: skip
    assert find(db, actor, "Жээнбеков")[0].person_id == nurlan.id
    assert find(db, actor, "Токтогулов") == []
    assert_index_exact(db)


def test_anonymizing_takes_names_and_phones_out_of_the_index(db, actor, world):
    nurlan, _others, case = world
    closed = cases.change_status(
        db=db, actor=actor, case_id=case.id, version=case.version,
        data={"status": "closed", "closure_reason": "resolved"},
    )  # fmt: skip
    with db.write() as s:
        s.execute(update(Case).where(Case.id == closed.id).values(closed_on=date(2020, 1, 1)))
    today = date.today() + timedelta(days=1)
    preview = retention.preview_anonymization(db, actor, months=12, today=today)
    assert preview.case_count == 1
    retention.anonymize_closed_cases(db, actor, months=12, expected_count=1, today=today)
    assert nurlan.id not in {h.person_id for h in find(db, actor, "Жээнбеков Нурлан")}
    assert find(db, actor, "0555123456") == []
    hits = find(db, actor, case.number)
    assert hits[0].case_id == case.id and hits[0].name == ""
    assert_index_exact(db)
    with db.read() as s:
        entry = s.exec(select(SearchEntry).where(SearchEntry.person_id == nurlan.id)).one()
        assert (entry.name_key, entry.phone_key) == ("", "")
        if db.kind == "sqlcipher":
            found = s.connection().exec_driver_sql(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'zhenbekov'"
            ).scalar()
            assert found == 0
            # The full-text index was rewritten: the number is not in it any more.
            blobs = s.connection().exec_driver_sql("SELECT block FROM search_fts_data").all()
            assert not any(b"555123456" in bytes(b or b"") for (b,) in blobs)


def test_opening_cases_and_creating_people_keep_the_index_exact(db, actor, world):
    nurlan, others, _case = world
    for who in others[:3]:
        open_case(db, actor, who)
    open_case(db, actor, nurlan)
    assert_index_exact(db)


def test_the_query_uses_the_index(db, actor, world):
    with db.read() as s:
        conn = s.connection()
        if db.kind == "sqlcipher":
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT e.id FROM search_fts JOIN search_entries e "
                "ON e.id = search_fts.rowid WHERE search_fts MATCH 'name_key : nur*' "
                "ORDER BY search_fts.rowid DESC LIMIT 5"
            ).all()
            assert "VIRTUAL TABLE" in str(plan[0])
        else:
            from models.search import PG_VECTOR

            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = conn.exec_driver_sql(
                f"EXPLAIN SELECT id FROM search_entries WHERE {PG_VECTOR} @@ "
                "to_tsquery('simple'::regconfig, 'nur:*A')"
            ).all()
            assert "search_fts_vector" in str(plan)


# --- the migration fills the index for data recorded before it ---------------------------

PEOPLE_0001 = sa.table(
    "people",
    *(sa.column(c) for c in ("id", "family_name", "given_name", "patronymic", "latin_name",
                             "sex", "birth_year", "created_at", "updated_at", "version")),
    sa.column("phones", sa.JSON()),
)  # fmt: skip
CASES_0001 = sa.table(
    "cases",
    *(sa.column(c) for c in ("id", "number", "person_id", "opened_on", "status", "risk_level",
                             "minor", "consent_store", "consent_refer", "consent_stats",
                             "created_at", "updated_at", "version")),
    sa.column("details", sa.JSON()),
)  # fmt: skip


@pytest.fixture(params=["sqlcipher", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlcipher":
        database = open_sqlcipher(tmp_path / "old.db", keyslots.new_database_key(), create=True)
    else:
        database = open_url(request.getfixturevalue("pg_url"))
    yield database
    database.close()


def _migrate(database: Database, target: str, *, down: bool = False) -> None:
    with database._write_engine.begin() as conn:
        cfg = migrate._config(conn)
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_the_migration_indexes_existing_people_and_cases(empty_db):
    _migrate(empty_db, "0001")
    now = date(2025, 3, 1)
    ids = [uuid.uuid4() for _ in range(3)]
    stored = (lambda u: u.hex) if empty_db.kind == "sqlcipher" else (lambda u: u)
    with empty_db.write() as s:
        for n, (pid, (family, given, phones)) in enumerate(zip(ids, [
            ("Жээнбеков", "Нурлан", ["+996555123456"]),
            ("Асанова", "Айгүл", []),
            ("", "", []),  # anonymized long ago: no entry
        ], strict=True)):  # fmt: skip
            s.execute(PEOPLE_0001.insert().values(
                id=stored(pid),
                family_name=family, given_name=given, patronymic="", latin_name="",
                sex="unknown", birth_year=None, phones=phones, created_at=now + timedelta(n),
                updated_at=now, version=1,
            ))  # fmt: skip
        for pid, number in ((ids[0], "KG-2025-00001"), (ids[0], "KG-2025-00007"),
                        (ids[2], "KG-2024-00003")):  # fmt: skip
            s.execute(CASES_0001.insert().values(
                id=stored(uuid.uuid4()), number=number, person_id=stored(pid),
                opened_on=now, status="new", risk_level="low", minor=False, consent_store=True,
                consent_refer=False, consent_stats=False, details={}, created_at=now,
                updated_at=now, version=1,
            ))  # fmt: skip
    _migrate(empty_db, "0002")
    with empty_db.read() as s:
        entries = {e.person_id: e for e in s.exec(select(SearchEntry)).all()}
    assert set(entries) == {ids[0], ids[1], ids[2]}
    assert entries[ids[0]].name_key == "zhenbekov nurlan"
    assert entries[ids[0]].phone_key == "996555123456"
    assert entries[ids[0]].number_key == "kg202500001 1 kg202500007 7"
    assert entries[ids[0]].user_key == ""  # nobody recorded: no volunteer finds them
    assert entries[ids[2]].name_key == "" and entries[ids[2]].number_key == "kg202400003 3"
    coordinator = Actor.system()
    with empty_db.read() as s:
        assert search(s, coordinator, "Jeenbekov")[0].person_id == ids[0]
        assert search(s, coordinator, "0555 123 456")[0].person_id == ids[0]
        hits = search(s, coordinator, "KG-2025-00007")
        assert [h.case_number for h in hits] == ["KG-2025-00007"]
    # Down and up again: the index goes and comes back the same.
    _migrate(empty_db, "0001", down=True)
    with empty_db.read() as s:
        tables = sa.inspect(s.connection()).get_table_names()
    assert "search_entries" not in tables and "search_fts" not in tables
    _migrate(empty_db, "0002")
    with empty_db.read() as s:
        again = {e.person_id: e.name_key for e in s.exec(select(SearchEntry)).all()}
    assert again == {pid: e.name_key for pid, e in entries.items()}
