"""The institution directory: the shipped file is valid; users add, edit, deactivate and
find institutions (volunteers only read); syncing the shipped list is idempotent and never
overwrites what an organisation filled in or changed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from models import institutions as inst
from models.actor import Actor
from models.errors import PermissionDenied, StaleEditError, ValidationFailed
from models.institutions import (
    CONTACT_FIELDS,
    SYNCED_FIELDS,
    InstitutionsFileError,
    load_shipped_institutions,
    sync_shipped_institutions,
)
from models.migrate import _config
from models.tables import AuditEntry, Institution
from models.timeutil import UTCDateTime, utcnow
from models.vocab import default_vocabularies
from tests.vault_factory import new_test_vault


def test_shipped_file_is_valid():
    items = load_shipped_institutions()
    codes = [i["code"] for i in items]
    assert len(codes) == len(set(codes)) >= 20
    kinds = default_vocabularies()["institution_kind"]
    for item in items:
        assert item["kind"] in kinds
        assert item["country"] in {"KG", "RU", "KZ"}
        assert all(item[f"name_{lang}"] for lang in ("en", "ru", "ky"))
        assert set(item) == {"code", "kind", "country", "city", "name_en", "name_ru", "name_ky"}
    expected = {"kg_embassy_ru", "kg_consulate_almaty", "kg_labour_ministry", "ru_guvm_mvd",
                "ru_labour_inspectorate", "kz_labour_ministry", "iom_bishkek"}  # fmt: skip
    assert expected <= set(codes)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("items: []", "no list"),
        ("items:\n  - {code: a, kind: spaceship, country_iso: KG, names: {en: A, ru: A, ky: A}}",
         "unknown kind"),
        ("items:\n  - {code: a, kind: embassy, country_iso: KG, names: {en: A, ru: A}}",
         "en, ru and ky"),
        ("items:\n  - {code: a, kind: embassy, country_iso: Kyrgyzstan, "
         "names: {en: A, ru: A, ky: A}}", "country_iso"),
        ("items:\n  - {code: a, kind: embassy, country_iso: KG, names: {en: A, ru: A, ky: A}}\n"
         "  - {code: a, kind: court, country_iso: KG, names: {en: B, ru: B, ky: B}}",
         "listed twice"),
        ("items: [", "Institutions file"),
    ],
)  # fmt: skip
def test_invalid_files_are_refused(tmp_path: Path, text: str, problem: str):
    path = tmp_path / "institutions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstitutionsFileError) as info:
        load_shipped_institutions(path)
    assert problem in str(info.value)


@pytest.fixture(autouse=True)
def _empty_directory(request):
    """These tests start from an empty directory (a new vault ships one: tested below)."""
    if "db" in request.fixturenames:
        with request.getfixturevalue("db").write() as session:
            session.execute(sa.delete(Institution))


def test_a_new_organisation_starts_with_the_shipped_directory(tmp_path: Path):
    opened = new_test_vault(tmp_path / "vault")
    try:
        with opened.db.read() as session:
            rows = session.exec(select(Institution)).all()
        assert len(rows) == len(load_shipped_institutions()) > 0
        assert all(row.shipped and not row.address and not row.phone for row in rows)
    finally:
        opened.db.close()


def _institutions(db) -> dict[str, Institution]:
    with db.read() as session:
        return {i.code: i for i in session.exec(select(Institution)) if i.code}


def _sync_entries(db) -> int:
    """Audit entries of directory updates (a new vault's own first one included)."""
    with db.read() as session:
        return len(session.exec(select(AuditEntry).where(AuditEntry.action == "sync")).all())


def test_sync_inserts_then_is_idempotent(db, actor):
    shipped = load_shipped_institutions()
    start = _sync_entries(db)
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == len(shipped)
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == 0
    rows = _institutions(db)
    assert set(rows) == {i["code"] for i in shipped}
    assert all(r.shipped and r.version == 1 and r.address == "" for r in rows.values())
    assert _sync_entries(db) - start == 1


def test_rows_added_by_users_are_left_alone(db, actor):
    with db.write() as session:
        session.add(
            Institution(code="kg_ombudsman", kind="ngo_legal_aid", name_ru="Своё", shipped=False)
        )
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    row = _institutions(db)["kg_ombudsman"]
    assert (row.kind, row.name_ru, row.shipped) == ("ngo_legal_aid", "Своё", False)


# --- sync and local edits ---------------------------------------------------------------


def _row(db, code: str) -> Institution:
    with db.read() as session:
        return session.exec(select(Institution).where(Institution.code == code)).one()


def test_sync_keeps_local_edits(db, actor):
    start = _sync_entries(db)
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    embassy = _row(db, "kg_embassy_ru")
    inst.update_institution(
        db=db, actor=actor, institution_id=embassy.id, version=embassy.version,
        data={"address": "ул. Большая Ордынка, д. 64", "phone": "+7 495 000-00-00",
              "name_ru": "Посольство КР в Москве"},
    )  # fmt: skip
    assert _row(db, "kg_embassy_ru").local_fields == ["name_ru"]
    with db.write() as session:  # as if an older release had shipped another English name
        stale = session.exec(select(Institution).where(Institution.code == "iom_osh")).one()
        stale.name_en, stale.email = "Old name", "osh@example.org"
        gone = session.exec(select(Institution).where(Institution.code == "kz_ombudsman")).one()
        session.add(stale)
        session.delete(gone)
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == 2
    embassy = _row(db, "kg_embassy_ru")
    assert (embassy.name_ru, embassy.address, embassy.phone) == (
        "Посольство КР в Москве", "ул. Большая Ордынка, д. 64", "+7 495 000-00-00",
    )  # fmt: skip
    osh = _row(db, "iom_osh")
    assert osh.name_en.startswith("International Organization for Migration")
    assert osh.email == "osh@example.org" and osh.version == 2  # an open edit goes stale
    assert _row(db, "kz_ombudsman").shipped
    assert _sync_entries(db) - start == 2


def test_setting_a_field_back_to_the_shipped_value_follows_the_list_again(db, actor):
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    shipped_ky = _row(db, "kg_ombudsman").name_ky
    row = _row(db, "kg_ombudsman")
    row = inst.update_institution(
        db=db, actor=actor, institution_id=row.id, version=row.version,
        data={"name_ky": "Акыйкатчы", "city": "Ош"},
    )  # fmt: skip
    assert row.local_fields == ["city", "name_ky"]
    row = inst.update_institution(
        db=db, actor=actor, institution_id=row.id, version=row.version,
        data={"name_ky": shipped_ky},
    )  # fmt: skip
    assert row.local_fields == ["city"]


def test_preview_shows_what_an_update_would_do(db, actor):
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    embassy = _row(db, "kg_embassy_ru")
    inst.update_institution(
        db=db, actor=actor, institution_id=embassy.id, version=embassy.version,
        data={"name_en": "Kyrgyz Embassy, Moscow"},
    )  # fmt: skip
    with db.write() as session:
        osh = session.exec(select(Institution).where(Institution.code == "iom_osh")).one()
        osh.city = "Jalal-Abad"
        session.add(osh)
        session.delete(
            session.exec(select(Institution).where(Institution.code == "iom_moscow")).one()
        )
        session.add(Institution(code="kg_old_office", kind="kg_government", name_en="Old office",
                                shipped=True))  # fmt: skip
    before = _sync_entries(db)
    plan = inst.preview_shipped_list(db=db, actor=actor)
    assert [item["code"] for item in plan.added] == ["iom_moscow"]
    assert [(c.code, c.field, c.old) for c in plan.updated] == [("iom_osh", "city", "Jalal-Abad")]
    assert plan.updated[0].new == "Osh" and plan.refreshed == 1
    assert [(c.code, c.field, c.old) for c in plan.kept] == [
        ("kg_embassy_ru", "name_en", "Kyrgyz Embassy, Moscow")
    ]
    assert plan.kept[0].name("ru").startswith("Посольство")
    assert [w["code"] for w in plan.withdrawn] == ["kg_old_office"]
    assert _sync_entries(db) == before  # a preview changes nothing
    done = inst.update_shipped_list(db=db, actor=actor)
    assert done.changes_anything and _row(db, "iom_osh").city == "Osh"
    assert _row(db, "kg_old_office").active  # withdrawn rows stay as they are
    assert not inst.preview_shipped_list(db=db, actor=actor).changes_anything
    with pytest.raises(PermissionDenied):
        inst.update_shipped_list(db=db, actor=_volunteer())


DB_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LOCAL_VALUES = {
    "kind": "diaspora", "country": "TR", "city": "Бурса", "name_en": "Our name",
    "name_ru": "Наше название", "name_ky": "Биздин аталыш",
}  # fmt: skip
NEW_SHIPPED = {
    "kind": "ombudsman", "country": "KZ", "city": "Shymkent", "name_en": "New shipped name",
    "name_ru": "Новое название", "name_ky": "Жаңы аталыш",
}  # fmt: skip


@DB_SETTINGS
@given(
    edited=st.sets(st.sampled_from(SYNCED_FIELDS)),
    contacts=st.sets(st.sampled_from(CONTACT_FIELDS)),
    release_changes=st.sets(st.sampled_from(SYNCED_FIELDS), min_size=1),
)
def test_sync_never_overwrites_what_the_organisation_edited(
    db, actor, edited, contacts, release_changes
):
    """Whatever columns were edited, a new release refreshes exactly the others."""
    code = f"t_{uuid.uuid4().hex[:12]}"
    shipped = {"code": code, "kind": "embassy", "country": "KG", "city": "Bishkek",
               "name_en": "Shipped", "name_ru": "Поставлено", "name_ky": "Берилген"}  # fmt: skip
    with db.write() as session:
        inst.apply_shipped_sync(session, inst.plan_shipped_sync(session, [shipped]), actor=actor)
    row = _row(db, code)
    typed = {name: LOCAL_VALUES[name] for name in edited}
    typed.update({"address": "Арбат, 1", "phone": "+7 495 123 45 67",
                  "email": "info@example.org", "addressee_title": "Консулу"})  # fmt: skip
    typed = {k: v for k, v in typed.items() if k in edited or k in contacts}
    if typed:
        row = inst.update_institution(
            db=db, actor=actor, institution_id=row.id, version=row.version, data=typed
        )
    assert set(row.local_fields) == edited
    release = dict(shipped)
    release.update({name: NEW_SHIPPED[name] for name in release_changes})
    with db.write() as session:
        plan = inst.plan_shipped_sync(session, [release])
        inst.apply_shipped_sync(session, plan, actor=actor)
    after = _row(db, code)
    for name in SYNCED_FIELDS:
        if name in edited:
            assert getattr(after, name) == LOCAL_VALUES[name]
        else:
            assert getattr(after, name) == release[name]
    for name in CONTACT_FIELDS:
        assert getattr(after, name) == (typed.get(name, ""))
    assert {c.field for c in plan.kept} == edited  # each differs from the list's value
    assert {c.field for c in plan.updated} == release_changes - edited


# --- services ---------------------------------------------------------------------------


def _volunteer() -> Actor:
    return Actor(user_id=uuid.uuid4(), username="volunteer", role="volunteer")


PARTNER = {
    "kind": "diaspora", "country": "ru", "city": " Екатеринбург ",
    "name_ky": "Екатеринбургдагы кыргыз диаспорасы", "address": "ул. Ленина, 1\nоф. 2",
    "phone": "+7 343 000 00 00", "email": "diaspora@example.org",
    "addressee_title": "Председателю",
}  # fmt: skip


def test_add_edit_deactivate_and_reactivate(db, actor):
    row = inst.add_institution(db=db, actor=actor, data=PARTNER)
    assert (row.country, row.city, row.shipped, row.active, row.version) == (
        "RU", "Екатеринбург", False, True, 1,
    )  # fmt: skip
    assert (row.name_en, row.name_ru, row.code, row.local_fields) == ("", "", None, [])
    row = inst.update_institution(
        db=db, actor=actor, institution_id=row.id, version=1,
        data={"name_ru": "Кыргызская диаспора Екатеринбурга", "city": ""},
    )  # fmt: skip
    assert (row.version, row.city, row.local_fields) == (2, None, [])  # not shipped: no marks
    row = inst.deactivate_institution(db=db, actor=actor, institution_id=row.id, version=2)
    assert not row.active and row.version == 3
    assert [i.id for i in inst.list_institutions(db=db, actor=actor)] == []
    row = inst.reactivate_institution(db=db, actor=actor, institution_id=row.id, version=3)
    assert row.active and row.version == 4
    with db.read() as session:
        entries = session.exec(
            select(AuditEntry)
            .where(AuditEntry.entity == "institution", AuditEntry.entity_id == str(row.id))
            .order_by(AuditEntry.seq)
        ).all()
    assert [e.action for e in entries] == ["create", "update", "update", "update"]
    assert entries[0].entity_id == str(row.id)
    text = str([e.changes for e in entries])
    assert "diaspora@example.org" not in text and "Ленина" not in text  # contacts: names only
    assert "email" in entries[0].changes["fields"]
    assert entries[2].changes["values"] == {"active": [True, False]}


def test_stale_edits_are_refused(db, actor):
    row = inst.add_institution(db=db, actor=actor, data=PARTNER)
    inst.update_institution(
        db=db, actor=actor, institution_id=row.id, version=1, data={"phone": "+7 343 111 11 11"}
    )
    with pytest.raises(StaleEditError):
        inst.update_institution(
            db=db, actor=actor, institution_id=row.id, version=1, data={"phone": "+7 343 2222"}
        )
    with pytest.raises(StaleEditError):
        inst.deactivate_institution(db=db, actor=actor, institution_id=row.id, version=1)
    assert inst.get_institution(db=db, actor=actor, institution_id=row.id).phone == (
        "+7 343 111 11 11"
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "diaspora", "name_ru": "  "}, ""),
        ({"kind": "spaceship", "name_ru": "A"}, "kind"),
        ({"kind": "diaspora", "name_ru": "A", "country": "Russia"}, "country"),
        ({"kind": "diaspora", "name_ru": "A", "email": "not an address"}, "email"),
        ({"kind": "diaspora", "name_ru": "A", "phone": "call us"}, "phone"),
        ({"kind": "diaspora", "name_ru": "A" * 301}, "name_ru"),
        ({"kind": "diaspora", "name_ru": "A\x00"}, "name_ru"),
        ({"kind": "diaspora", "name_ru": "A", "code": "mine"}, "code"),
    ],
)
def test_bad_input_is_refused_with_a_message(db, actor, data, field):
    with pytest.raises(ValidationFailed) as info:
        inst.add_institution(db=db, actor=actor, data=data)
    assert info.value.field_errors[field].strip()


def test_names_cannot_all_be_emptied(db, actor):
    row = inst.add_institution(db=db, actor=actor, data=PARTNER)
    with pytest.raises(ValidationFailed) as info:
        inst.update_institution(
            db=db, actor=actor, institution_id=row.id, version=1, data={"name_ky": ""}
        )
    assert "at least one language" in info.value.field_errors[""]
    with pytest.raises(ValidationFailed) as info:
        inst.update_institution(
            db=db, actor=actor, institution_id=row.id, version=1, data={"kind": None}
        )
    assert "kind" in info.value.field_errors


def test_volunteers_read_but_do_not_edit(db, actor):
    row = inst.add_institution(db=db, actor=actor, data=PARTNER)
    volunteer = _volunteer()
    assert not inst.can_edit_institutions(volunteer)
    assert inst.can_edit_institutions(Actor(user_id=None, username="c", role="caseworker"))
    assert [i.id for i in inst.list_institutions(db=db, actor=volunteer)] == [row.id]
    for attempt in (
        lambda: inst.add_institution(db=db, actor=volunteer, data=PARTNER),
        lambda: inst.update_institution(
            db=db, actor=volunteer, institution_id=row.id, version=1, data={"phone": ""}
        ),
        lambda: inst.deactivate_institution(
            db=db, actor=volunteer, institution_id=row.id, version=1
        ),
        lambda: inst.preview_shipped_list(db=db, actor=volunteer),
    ):
        with pytest.raises(PermissionDenied) as info:
            attempt()
        assert "institution directory" in str(info.value)


def test_list_filters_and_searches_in_any_script(db, actor):
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    mine = inst.add_institution(db=db, actor=actor, data=PARTNER)

    def codes(**kw):
        return [i.code or "mine" for i in inst.list_institutions(db=db, actor=actor, **kw)]

    assert codes(search="ЭЛЧИЛИГИ", kind="embassy") == ["kg_embassy_kz", "kg_embassy_ru"]
    assert codes(search="диаспорасы") == ["mine"]
    assert codes(search="diaspora@example") == ["mine"]
    assert set(codes(country="KZ")) >= {"kg_embassy_kz", "kg_consulate_almaty", "iom_astana"}
    assert all(i.country == "KZ" for i in inst.list_institutions(db=db, actor=actor, country="KZ"))
    inst.deactivate_institution(db=db, actor=actor, institution_id=mine.id, version=1)
    assert codes(search="диаспорасы") == []
    assert codes(search="диаспорасы", active=False) == ["mine"]
    assert codes(search="диаспорасы", active=None) == ["mine"]
    names = [inst.institution_name(i, "ru") for i in inst.list_institutions(
        db=db, actor=actor, language="ru")]  # fmt: skip
    assert names == sorted(names, key=str.casefold)


def test_names_fall_back_to_another_language():
    row = Institution(kind="ngo_legal_aid", name_ru="Адвокат Иванов")
    assert inst.institution_name(row, "ky") == "Адвокат Иванов"
    assert inst.institution_name(row, "en") == "Адвокат Иванов"
    assert inst.institution_name({"name_en": "Lawyer", "name_ky": "Юрист"}, "ky") == "Юрист"
    assert inst.institution_name({"name_en": "Lawyer", "name_ky": "Юрист"}, "ru") == "Lawyer"


# --- the migration ------------------------------------------------------------------------


def test_migration_marks_rows_edited_before_it(db):
    rows = sa.table(
        "institutions",
        sa.column("id", sa.Uuid()), sa.column("shipped", sa.Boolean()),
        sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
        *(sa.column(name) for name in ("code", "kind", "name_en", "name_ru", "name_ky",
                                        "address", "phone", "email", "addressee_title",
                                        "active", "version")),
    )  # fmt: skip
    now = utcnow()
    with db._write_engine.begin() as conn:
        command.downgrade(_config(conn), "0005")
    with db.engine.begin() as conn:
        for code, shipped, version in (("a", True, 1), ("b", True, 3), ("c", False, 2)):
            conn.execute(rows.insert().values(
                id=uuid.uuid4(), code=code, kind="embassy", name_en=code, name_ru="", name_ky="",
                address="", phone="", email="", addressee_title="", shipped=shipped,
                active=True, version=version, created_at=now, updated_at=now,
            ))  # fmt: skip
    with db._write_engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    assert _row(db, "a").local_fields == []
    assert _row(db, "b").local_fields == list(SYNCED_FIELDS)
    assert _row(db, "c").local_fields == []
