"""The shipped institution directory: the file is valid, and syncing it into a database is
idempotent and never overwrites what an organisation filled in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from models.institutions import (
    InstitutionsFileError,
    load_shipped_institutions,
    sync_shipped_institutions,
)
from models.tables import AuditEntry, Institution
from models.vocab import default_vocabularies


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


def _institutions(db) -> dict[str, Institution]:
    with db.read() as session:
        return {i.code: i for i in session.exec(select(Institution)) if i.code}


def _sync_entries(db) -> int:
    with db.read() as session:
        return len(session.exec(select(AuditEntry).where(AuditEntry.action == "sync")).all())


def test_sync_inserts_then_is_idempotent(db, actor):
    shipped = load_shipped_institutions()
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == len(shipped)
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == 0
    rows = _institutions(db)
    assert set(rows) == {i["code"] for i in shipped}
    assert all(r.shipped and r.version == 1 and r.address == "" for r in rows.values())
    assert _sync_entries(db) == 1


def test_sync_keeps_local_edits(db, actor):
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    with db.write() as session:
        edited = session.exec(select(Institution).where(Institution.code == "kg_embassy_ru")).one()
        edited.address, edited.phone, edited.name_ru = "ул. Большая Ордынка, д. 64", "+7 495", "X"
        edited.version += 1  # saved by someone: the organisation's version wins
        stale = session.exec(select(Institution).where(Institution.code == "iom_osh")).one()
        stale.name_en, stale.email = "Old name", "osh@example.org"  # never saved by a user
        gone = session.exec(select(Institution).where(Institution.code == "kz_ombudsman")).one()
        session.add_all([edited, stale])
        session.delete(gone)
    with db.write() as session:
        assert sync_shipped_institutions(session, actor=actor) == 2
    rows = _institutions(db)
    assert (rows["kg_embassy_ru"].name_ru, rows["kg_embassy_ru"].address) == (
        "X", "ул. Большая Ордынка, д. 64",
    )  # fmt: skip
    assert rows["iom_osh"].name_en.startswith("International Organization for Migration")
    assert rows["iom_osh"].email == "osh@example.org" and rows["iom_osh"].version == 1
    assert "kz_ombudsman" in rows
    assert _sync_entries(db) == 2


def test_rows_added_by_users_are_left_alone(db, actor):
    with db.write() as session:
        session.add(
            Institution(code="kg_ombudsman", kind="ngo_legal_aid", name_ru="Своё", shipped=False)
        )
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
    row = _institutions(db)["kg_ombudsman"]
    assert (row.kind, row.name_ru, row.shipped) == ("ngo_legal_aid", "Своё", False)
