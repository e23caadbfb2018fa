"""A full disk: the change is refused with DiskFullError, and nothing saved before is lost.

The real case runs on a tiny tmpfs (2 MB) mounted for the test: the vault lives there, a
filler file takes the rest of the space, and a service write must fail cleanly. Mounting
needs root (or CAP_SYS_ADMIN); where that is not allowed the test is skipped and the
second test still covers the same path: SQLite's `PRAGMA max_page_count` makes the
database "full", which SQLite reports with the same SQLITE_FULL error ("database or disk
is full") that a full disk gives, so the store translates both the same way.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, text
from sqlmodel import select

from models import cases, people, timeline
from models.audit import verify_chain
from models.errors import DiskFullError
from models.tables import AuditEntry, Case, CaseEvent, Person
from models.vault import OpenVault, unlock_vault
from tests.vault_factory import new_test_vault
from translations import set_language, translations_for

PASSWORD = "correct horse battery"
FULL_MESSAGE = "The disk is full. The last change was not saved; free some space and retry."


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A freshly mounted 2 MB tmpfs, unmounted afterwards (skips where mounting is refused)."""
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("a small test filesystem needs Linux `mount`")
    point = tmp_path / "small-disk"
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            "cannot mount a 2 MB tmpfs here (needs root or CAP_SYS_ADMIN): "
            + (done.stderr.strip() or f"exit {done.returncode}")
            + "; test_full_database_gives_disk_full_error covers the same path"
        )
    try:
        yield point
    finally:
        result = subprocess.run(["umount", str(point)], capture_output=True, check=False)
        if result.returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def _new_vault(folder: Path) -> OpenVault:
    return new_test_vault(folder, password=PASSWORD)


def _a_case(opened: OpenVault, family_name: str) -> Case:
    person = people.create_person(
        db=opened.db,
        actor=opened.actor,
        data={"family_name": family_name, "given_name": "Айбек", "phones": ["+996700123456"]},
    )
    case = cases.open_case(
        db=opened.db,
        actor=opened.actor,
        data={"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True},
    )
    timeline.add_event(
        db=opened.db, actor=opened.actor, case_id=case.id, data={"text": "Первый звонок."}
    )
    return case


def _fill(folder: Path) -> Path:
    """Write a filler file until the filesystem has no space left; returns the file."""
    filler = folder / "filler.bin"
    chunk = os.urandom(64 * 1024)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (len(chunk), 4096, 512, 1):  # then top up the last partial block
            try:
                while os.write(fd, chunk[:size]):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return filler


def _stats(opened: OpenVault) -> tuple[int, int, int, int]:
    with opened.db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Person, Case, CaseEvent, AuditEntry)
        )


def _healthy(opened: OpenVault) -> None:
    with opened.db.read() as s:
        conn = s.connection()
        assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert conn.execute(text("PRAGMA cipher_integrity_check")).all() == []
        assert verify_chain(s).ok


def _refused_big_write(opened: OpenVault, case: Case) -> None:
    """A write that needs more room than is left must fail as DiskFullError."""
    big = "".join(chr(0x0400 + (i * 7919) % 256) for i in range(20000))  # not compressible
    with pytest.raises(DiskFullError) as full:
        for _ in range(50):  # enough to outgrow any space the WAL file already holds
            timeline.add_event(
                db=opened.db, actor=opened.actor, case_id=case.id, data={"text": big}
            )
    assert str(full.value) == FULL_MESSAGE
    assert "database or disk is full" in str(full.value.__cause__)  # SQLITE_FULL


def test_a_full_disk_refuses_the_change_and_loses_nothing(small_disk):
    vault = small_disk / "vault"
    opened = _new_vault(vault)
    try:
        case = _a_case(opened, "Асанов")
        before = _stats(opened)
        with opened.db.engine.connect() as conn:
            # An empty WAL file, so the next write must take new space from the disk.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = _fill(small_disk)
        assert shutil.disk_usage(small_disk).free < 64 * 1024

        _refused_big_write(opened, case)
        with pytest.raises(DiskFullError):
            _a_case(opened, "Токтогулова")
        # Everything committed before the disk filled up is still there, unchanged.
        assert _stats(opened) == before
        set_language("ru")
        try:
            with pytest.raises(DiskFullError) as in_russian:
                _a_case(opened, "Жээнбеков")
            # The message comes from the catalog of the language in use.
            assert str(in_russian.value) == translations_for("ru").gettext(FULL_MESSAGE)
        finally:
            set_language("en")

        filler.unlink()
        assert _stats(opened) == before
        _healthy(opened)
        _a_case(opened, "Сооронбаева")  # with space again, saving works again
    finally:
        opened.close()

    # And after closing and unlocking again, from the file alone.
    reopened = unlock_vault(vault, username="coordinator", password=PASSWORD)
    try:
        _healthy(reopened)
        with reopened.db.read() as s:
            names = set(s.exec(select(Person.family_name)))
        assert names == {"Асанов", "Сооронбаева"}
    finally:
        reopened.close()


def test_full_database_gives_disk_full_error(tmp_path):
    """Without a small disk: SQLite's page limit gives the same SQLITE_FULL error."""
    vault = tmp_path / "vault"
    opened = _new_vault(vault)
    try:
        case = _a_case(opened, "Асанов")
        before = _stats(opened)
        with opened.db.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        limit = pages + 2

        @event.listens_for(opened.db.engine, "connect")
        def _limit(dbapi_conn, _record):
            dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

        opened.db.engine.dispose()  # new connections, each with the limit
        _refused_big_write(opened, case)
        assert _stats(opened) == before

        event.remove(opened.db.engine, "connect", _limit)
        opened.db.engine.dispose()
        _healthy(opened)
        _a_case(opened, "Сооронбаева")
    finally:
        opened.close()
