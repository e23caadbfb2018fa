"""One Komok app per database: the vault lock refuses a second holder and dies with its process."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import instance_lock
from models.errors import KomokError, StoreError
from models.instance_lock import AlreadyOpenError, acquire
from models.tables import AuditEntry, User
from models.vault import database_path, unlock_vault
from tests.vault_factory import new_test_vault

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
MESSAGE = "Komok is already open on this database"


def _child(code: str, *args: str) -> subprocess.Popen:
    script = "from translations import set_language\nset_language('en')\n" + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


HOLD = """
    import sys, time
    from models.instance_lock import acquire
    lock = acquire(sys.argv[1])
    print("LOCKED", flush=True)
    time.sleep(60)
"""

TRY = """
    import sys
    from models.instance_lock import AlreadyOpenError, acquire
    try:
        acquire(sys.argv[1]).release()
    except AlreadyOpenError as exc:
        print(exc)
        sys.exit(3)
    print("ACQUIRED")
"""


def test_second_lock_in_the_same_process_is_refused(tmp_path):
    first = acquire(tmp_path)
    try:
        with pytest.raises(AlreadyOpenError) as refused:
            acquire(tmp_path)
        assert isinstance(refused.value, StoreError)
        assert MESSAGE in str(refused.value)
        assert "nothing was changed" in str(refused.value)
        assert str(os.getpid()) in str(refused.value)  # who holds it, read from the file
        assert first.held
    finally:
        first.release()
    assert not first.held
    first.release()  # releasing twice is harmless
    with acquire(tmp_path) as again:  # free once released; a context manager too
        assert again.held
    assert not again.held
    assert (tmp_path / "komok.lock").exists()  # the file stays; only the OS lock matters


def test_another_process_is_refused_with_the_message(tmp_path):
    with acquire(tmp_path):
        child = _child(TRY, str(tmp_path))
        out, err = child.communicate(timeout=30)
        assert child.returncode == 3, err
        assert MESSAGE in out
        assert f"process {os.getpid()}" in out
    child = _child(TRY, str(tmp_path))
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert "ACQUIRED" in out


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    holder = _child(HOLD, str(tmp_path))
    try:
        assert holder.stdout.readline().strip() == "LOCKED", holder.stderr.read()
        with pytest.raises(AlreadyOpenError) as refused:
            acquire(tmp_path)
        assert refused.value.holder.get("pid") == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    # The file (with the dead holder's details) is still there, but the OS lock went
    # with the process.
    assert instance_lock.read_holder(tmp_path).get("pid") == holder.pid
    with acquire(tmp_path) as lock:
        assert lock.held
        assert instance_lock.read_holder(tmp_path).get("pid") == os.getpid()


def _fingerprint(vault: Path) -> dict[str, str]:
    out = {}
    for suffix in ("", "-wal"):
        path = Path(str(database_path(vault)) + suffix)
        if path.exists():
            out[suffix] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_unlocking_a_vault_twice_is_refused_and_changes_nothing(tmp_path):
    vault = tmp_path / "vault"
    new_test_vault(vault, password=PASSWORD).close()
    first = unlock_vault(vault, username="coordinator", password=PASSWORD, lock=True)
    try:
        assert first.instance_lock is not None and first.instance_lock.held
        with first.db.read() as s:
            entries = s.scalar(select(func.count()).select_from(AuditEntry))
            last_login = s.exec(select(User.last_login_at)).one()
        before = _fingerprint(vault)
        with pytest.raises(AlreadyOpenError) as refused:
            unlock_vault(vault, username="coordinator", password=PASSWORD, lock=True)
        assert MESSAGE in str(refused.value)
        assert _fingerprint(vault) == before
        with first.db.read() as s:
            assert s.scalar(select(func.count()).select_from(AuditEntry)) == entries
            assert s.exec(select(User.last_login_at)).one() == last_login
        # Without `lock` (tools, tests) the vault opens as before.
        unlock_vault(vault, username="coordinator", password=PASSWORD).close()
    finally:
        first.close()
    assert not first.instance_lock.held
    again = unlock_vault(vault, username="coordinator", password=PASSWORD, lock=True)
    again.close()


def test_a_failed_unlock_gives_the_lock_back(tmp_path):
    vault = tmp_path / "vault"
    new_test_vault(vault, password=PASSWORD).close()
    # An unknown user has no key slot: refused before the lock is taken.
    with pytest.raises(KomokError):
        unlock_vault(vault, username="nobody", password=PASSWORD, lock=True)
    # A user whose account was removed from the database: refused after the lock is taken.
    opened = unlock_vault(vault, username="coordinator", password=PASSWORD)
    with opened.db.write() as s:
        s.exec(select(User)).one().active = False
    opened.close()
    with pytest.raises(KomokError):
        unlock_vault(vault, username="coordinator", password=PASSWORD, lock=True)
    with acquire(vault):
        pass
