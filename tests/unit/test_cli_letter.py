"""`komok letter`: issuing a referral letter from a script, through the real entry point."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from desktop.cli import main
from models import cases, people
from models.institutions import sync_shipped_institutions
from models.tables import AuditEntry, Institution, Referral
from models.vault import unlock_vault
from tests.vault_factory import new_test_vault

PASSWORD = "correct horse battery"
YEAR = date.today().year


@pytest.fixture
def vault_dir(tmp_path, monkeypatch) -> tuple[Path, str, str]:
    """A closed vault with one case and the shipped institutions; returns
    (folder, case number, id of an inspectorate)."""
    folder = tmp_path / "vault"
    opened = new_test_vault(folder, password=PASSWORD)
    db, actor = opened.db, opened.actor
    person = people.create_person(
        db=db, actor=actor, data={"family_name": "Үсөнов", "given_name": "Аңсар"}
    )
    case = cases.open_case(
        db=db,
        actor=actor,
        data={"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True,
              "consent_refer": True, "employer_name": "ИП Ахмедов"},
    )  # fmt: skip
    inspectorate = Institution(
        kind="labour_inspectorate", country="RU", name_ru="Инспекция труда по Свердловской области"
    )
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
        session.add(inspectorate)
    opened.db.close()
    monkeypatch.setenv("KOMOK_USER", "coordinator")
    monkeypatch.setenv("KOMOK_PASSWORD", PASSWORD)
    return folder, case.number, str(inspectorate.id)


def _text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_letter_is_issued_stored_and_written(vault_dir, tmp_path, capsys):
    folder, number, inspectorate = vault_dir
    out = tmp_path / "out.pdf"
    code = main(["letter", "--dir", str(folder), "--case", number, "--institution", inspectorate,
                 "--lang", "ru", "--reason", "Не выплачена зарплата за два месяца.",
                 "--service", "labour_dispute", "-o", str(out)])  # fmt: skip
    assert code == 0
    assert f"Letter № 1/{YEAR}" in capsys.readouterr().out
    text = _text(out)
    assert f"Исх. № 1/{YEAR}" in text and "Инспекция труда по Свердловской" in text
    assert "Үсөнов Аңсар" in text and "ИП Ахмедов" in text
    opened = unlock_vault(folder, username="coordinator", password=PASSWORD)
    try:
        with opened.db.read() as s:
            referral = s.exec(select(Referral)).one()
            export = s.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    finally:
        opened.db.close()
    assert referral.template == "wage_complaint"  # chosen from the case and the institution
    assert referral.disclosed == ["full_name", "employer"]
    assert export.changes["output"] == "cli" and export.changes["file"] == "out.pdf"


def test_a_shipped_institution_by_code_in_kyrgyz_with_chosen_facts(vault_dir, tmp_path):
    folder, number, _inspectorate = vault_dir
    out = tmp_path / "ky.pdf"
    code = main(["letter", "--dir", str(folder), "--case", number, "--institution",
                 "kg_embassy_ru", "--template", "consular_assistance", "--lang", "ky",
                 "--reason", "Паспорту жоголгон.", "--fact", "full_name", "--fact", "problems",
                 "-o", str(out)])  # fmt: skip
    assert code == 0
    text = _text(out)
    assert "Чыг. № 1/" in text and "Федерациясындагы Элчилиги" in text
    assert "ИП Ахмедов" not in text  # the employer was not among the facts


def test_preview_takes_no_number(vault_dir, tmp_path):
    folder, number, inspectorate = vault_dir
    out = tmp_path / "p.pdf"
    assert main(["letter", "--dir", str(folder), "--case", number, "--institution", inspectorate,
                 "--reason", "x", "--preview", "-o", str(out)]) == 0  # fmt: skip
    assert "Исх. № —" in _text(out)
    opened = unlock_vault(folder, username="coordinator", password=PASSWORD)
    try:
        with opened.db.read() as s:
            assert s.exec(select(Referral)).all() == []
    finally:
        opened.db.close()


def test_errors_are_reported_with_exit_code_2(vault_dir, tmp_path, capsys):
    folder, number, inspectorate = vault_dir
    out = tmp_path / "e.pdf"
    base = ["letter", "--dir", str(folder), "-o", str(out)]
    assert main([*base, "--case", "KG-1999-00001", "--institution", inspectorate]) == 2
    assert "no case KG-1999-00001" in capsys.readouterr().err
    assert main([*base, "--case", number, "--institution", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert main([*base, "--case", number, "--institution", inspectorate]) == 2
    err = capsys.readouterr().err
    assert "reason" in err and not out.exists()
    with pytest.raises(SystemExit):
        main([*base, "--case", number, "--institution", inspectorate, "--lang", "de"])
