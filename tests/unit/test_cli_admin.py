"""The `komok backup`, `restore` and `audit verify` commands, through their own parser."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.cli_admin import register
from models import users
from models.errors import KomokError, PermissionDenied
from models.settings import put_setting
from models.vault import data_dir, unlock_vault, vault_exists
from tests.vault_factory import new_test_vault

PASSWORD = "correct horse battery"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="komok")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def vault_dir(tmp_path, monkeypatch) -> Path:
    """A closed SQLCipher vault; the coordinator's credentials are in the environment."""
    folder = tmp_path / "vault"
    opened = new_test_vault(folder, password=PASSWORD)
    opened.db.close()
    monkeypatch.setenv("KOMOK_USER", "coordinator")
    monkeypatch.setenv("KOMOK_PASSWORD", PASSWORD)
    return folder


def _settings(folder: Path, **values) -> None:
    opened = unlock_vault(folder, username="coordinator", password=PASSWORD)
    try:
        with opened.db.write() as session:
            for key, value in values.items():
                put_setting(session, actor=opened.actor, key=key, value=value)
    finally:
        opened.db.close()


def test_backup_needs_a_folder_then_writes_and_prunes(vault_dir, tmp_path, capsys):
    with pytest.raises(KomokError, match="--to"):
        _run("backup", "--dir", str(vault_dir))
    assert _run("backup", "--dir", str(vault_dir), "--to", str(tmp_path / "usb")) == 0
    out = capsys.readouterr().out
    assert "Backup written:" in out and "MB" in out
    assert len(list((tmp_path / "usb").glob("*.kbk"))) == 1

    _settings(vault_dir, backup_folder=str(tmp_path / "b"), backup_keep=1)
    assert _run("backup", "--dir", str(vault_dir)) == 0
    assert _run("backup", "--dir", str(vault_dir)) == 0
    assert "Removed 1 old backup." in capsys.readouterr().out
    assert len(list((tmp_path / "b").glob("*.kbk"))) == 1


def test_restore_into_a_folder_and_over_it(vault_dir, tmp_path, capsys):
    _run("backup", "--dir", str(vault_dir), "--to", str(tmp_path / "b"))
    (backup,) = (tmp_path / "b").glob("*.kbk")
    capsys.readouterr()
    target = tmp_path / "restored"
    assert _run("restore", str(backup), "--dir", str(target)) == 0
    out = capsys.readouterr().out
    assert "users: coordinator" in out and f"Restored the backup into {target}" in out
    assert "set aside" not in out
    assert _run("restore", str(backup), "--dir", str(target)) == 0
    out = capsys.readouterr().out
    assert "set aside in" in out and "restored.before-restore-" in out
    unlock_vault(target, username="coordinator", password=PASSWORD).db.close()


def test_restore_into_the_data_folder_by_default(vault_dir, tmp_path, capsys):
    _run("backup", "--dir", str(vault_dir), "--to", str(tmp_path / "b"))
    (backup,) = (tmp_path / "b").glob("*.kbk")
    assert _run("restore", str(backup)) == 0
    assert vault_exists(data_dir())


def test_audit_verify_reports_intact_then_broken(vault_dir, capsys):
    assert _run("audit", "verify", "--dir", str(vault_dir)) == 0
    assert "Audit log intact:" in capsys.readouterr().out
    opened = unlock_vault(vault_dir, username="coordinator", password=PASSWORD)
    with opened.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'nothing' WHERE seq = 2"))
    opened.db.close()
    assert _run("audit", "verify", "--dir", str(vault_dir)) == 3
    assert "Audit log BROKEN at entry #2: the entry was changed" in capsys.readouterr().out


def test_audit_verify_is_for_coordinators(vault_dir, monkeypatch):
    opened = unlock_vault(vault_dir, username="coordinator", password=PASSWORD)
    users.create_user(
        opened=opened,
        username="bermet",
        display_name="Бермет",
        role="volunteer",
        password="apricot river tent",
    )
    opened.db.close()
    monkeypatch.setenv("KOMOK_USER", "bermet")
    monkeypatch.setenv("KOMOK_PASSWORD", "apricot river tent")
    with pytest.raises(PermissionDenied):
        _run("audit", "verify", "--dir", str(vault_dir))
