"""`komok report`: the summary and its companion files from the command line, audited."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from desktop.cli import main
from desktop.cli_report import register
from models import users
from models.errors import PermissionDenied, ValidationFailed
from models.tables import AuditEntry
from models.vault import unlock_vault
from tests.unit.stats_cases import FakeCase, load
from tests.vault_factory import new_test_vault

PASSWORD = "correct horse battery"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="komok")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def vault_dir(tmp_path, monkeypatch) -> Path:
    """A closed vault with a few cases; the coordinator's credentials in the environment."""
    folder = tmp_path / "vault"
    opened = new_test_vault(folder, password=PASSWORD)
    cases = [
        FakeCase(opened_on=date(2026, 3, 2 + i % 20), closed_on=None, closure_reason=None,
                 consent=True, sex=("male", "female")[i % 2], birth_date=None,
                 birth_year=1980 + i, oblast=("chuy", "osh_oblast", "talas")[i % 3],
                 country="ru", region="moscow", sector="trade", categories=["registration"],
                 indicators=[], assistance=[], family_name=f"Асанов{i}",
                 number=f"KG-2026-{i:05d}", latin_name=f"TESTCLIENT {i:04d}")
        for i in range(40)
    ]  # fmt: skip
    load(opened.db, cases)
    opened.db.close()
    monkeypatch.setenv("KOMOK_USER", "coordinator")
    monkeypatch.setenv("KOMOK_PASSWORD", PASSWORD)
    return folder


def _exports(folder: Path) -> list[AuditEntry]:
    opened = unlock_vault(folder, username="coordinator", password=PASSWORD)
    try:
        with opened.db.read() as session:
            return list(session.exec(select(AuditEntry).where(AuditEntry.action == "export")))
    finally:
        opened.db.close()


def test_every_output_is_written_and_audited(vault_dir, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    code = _run("report", "--dir", str(vault_dir), "--month", "2026-03", "--lang", "ru",
                "-o", str(out / "summary.pdf"), "--csv", str(out / "tables"),
                "--xlsx", str(out / "summary.xlsx"), "--json", str(out / "summary.json"),
                "--k", "6")  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert (out / "summary.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "summary.xlsx").stat().st_size > 0
    assert len(list((out / "tables").glob("2026-03_*.csv"))) == 12
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["period"]["key"] == "2026-03" and doc["rules"]["k"] == 6
    assert doc["language"] == "ru" and doc["key_figures"][0]["value"] == {"value": 40}
    assert str(out / "summary.json") in printed
    entries = _exports(vault_dir)
    assert sorted(e.changes["format"] for e in entries) == ["csv", "json", "pdf", "xlsx"]
    for entry in entries:
        assert entry.changes["period"] == "2026-03" and entry.changes["k"] == 6
        assert entry.changes["language"] == "ru" and entry.username == "coordinator"
    assert {e.changes["target"] for e in entries} >= {str(out / "summary.pdf")}


def test_without_outputs_the_key_figures_are_printed(vault_dir, capsys):
    assert _run("report", "--dir", str(vault_dir), "--quarter", "2026-Q1", "--lang", "en") == 0
    printed = capsys.readouterr().out
    assert "k = 5" in printed and "new cases opened in the period" in printed
    assert "40" in printed
    assert _exports(vault_dir) == []


def test_wrong_periods_and_thresholds_are_refused(vault_dir):
    with pytest.raises(ValidationFailed, match="2026-Q3"):
        _run("report", "--dir", str(vault_dir), "--month", "2026-Q3")
    with pytest.raises(ValidationFailed, match="2026"):
        _run("report", "--dir", str(vault_dir), "--quarter", "2026")
    with pytest.raises(ValidationFailed):
        _run("report", "--dir", str(vault_dir), "--year", "2026", "--k", "1")


def test_through_main_errors_exit_non_zero_with_a_message(vault_dir, tmp_path, capsys,
                                                          monkeypatch):  # fmt: skip
    monkeypatch.setenv("KOMOK_LANG", "en")
    code = main(["report", "--dir", str(vault_dir), "--month", "2026-13"])
    assert code == 2
    assert "Error:" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("x")
    code = main(["report", "--dir", str(vault_dir), "--year", "2026",
                 "--json", str(blocked / "s.json")])  # fmt: skip
    assert code == 2 and "Cannot write" in capsys.readouterr().err


def test_only_coordinators_may_report(vault_dir, monkeypatch):
    opened = unlock_vault(vault_dir, username="coordinator", password=PASSWORD)
    users.create_user(opened=opened, username="aibek", display_name="Айбек",
                      role="caseworker", password="apricot river tent")  # fmt: skip
    opened.db.close()
    monkeypatch.setenv("KOMOK_USER", "aibek")
    monkeypatch.setenv("KOMOK_PASSWORD", "apricot river tent")
    with pytest.raises(PermissionDenied):
        _run("report", "--dir", str(vault_dir), "--month", "2026-03")
