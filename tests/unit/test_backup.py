"""Encrypted backups: round trip, a consistent snapshot under writes, tamper detection,
restoring over a vault, keeping and scheduling, and who may do it."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from models import audit, backup_format, cases, people, users
from models.actor import Actor
from models.backup import (
    BackupCancelled,
    BackupDamagedError,
    backup_due,
    make_backup,
    prune_backups,
    read_backup_header,
    restore_backup,
    run_scheduled_backup,
)
from models.demo import DEMO_PASSWORD, DEMO_USERNAME, build_demo
from models.errors import (
    CorruptDatabaseError,
    DataDirError,
    DiskFullError,
    PermissionDenied,
    StoreError,
)
from models.keyslots import FAST_KDF, WrongPasswordError
from models.migrate import head_revision
from models.settings import put_setting
from models.tables import AuditEntry, Case, Counter, Person
from models.timeutil import utcnow
from models.vault import OpenVault, unlock_vault
from tests.vault_factory import new_test_vault

PASSWORD = "correct horse battery"
PEOPLE = (
    ("Осмонова", "Айгүл", "+996555123456"),
    ("Жээнбеков", "Улан", "+79161234567"),
    ("Касымова", "Мээрим", "+996700987654"),
)


def _new_vault(folder: Path) -> OpenVault:
    return new_test_vault(folder, password=PASSWORD)


def _open_case(opened: OpenVault, family: str, given: str, phone: str) -> Case:
    person = people.create_person(
        db=opened.db,
        actor=opened.actor,
        data={"family_name": family, "given_name": given, "phones": [phone]},
    )
    return cases.open_case(
        db=opened.db,
        actor=opened.actor,
        data={"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True},
    )


@pytest.fixture
def opened(tmp_path) -> OpenVault:
    """An SQLCipher vault with three cases."""
    vault = _new_vault(tmp_path / "vault")
    for family, given, phone in PEOPLE:
        _open_case(vault, family, given, phone)
    yield vault
    vault.db.close()


def _contents(opened: OpenVault) -> set[tuple[str, str, str]]:
    with opened.db.read() as session:
        rows = session.exec(select(Case.number, Person.family_name, Person.given_name).join(
            Person, Person.id == Case.person_id
        )).all()  # fmt: skip
    return {tuple(row) for row in rows}


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` (and its siblings' names) with a hash of its bytes."""
    found = {p.name: "" for p in folder.parent.iterdir()}
    for path in folder.rglob("*"):
        if path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_round_trip_keeps_cases_and_leaks_nothing(opened, tmp_path):
    before = _contents(opened)
    path = make_backup(opened, tmp_path / "backups")
    assert path.name.startswith("komok-backup-KG-") and path.suffix == ".kbk"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left
    data = path.read_bytes()
    for family, given, phone in PEOPLE:
        for secret in (family, given, phone, phone.lstrip("+")):
            assert secret.encode("utf-8") not in data
    assert b"SQLite format 3" not in data
    with opened.db.read() as session:
        last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last.action == "backup" and last.changes == {"file": path.name, "size": len(data)}

    info = read_backup_header(path)
    assert info.usernames == ("coordinator",) and info.revision == head_revision()
    assert info.size == len(data) and info.case_prefix == "KG"

    target = tmp_path / "restored"
    assert restore_backup(path, target, username="coordinator", password=PASSWORD) is None
    again = unlock_vault(target, username="coordinator", password=PASSWORD)
    try:
        assert _contents(again) == before
        with again.db.read() as session:
            assert audit.verify_chain(session).ok
            actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert "restore" in actions
    finally:
        again.db.close()
    assert [p.name for p in tmp_path.iterdir() if ".restoring-" in p.name] == []


def test_backup_while_cases_are_being_written_is_a_consistent_snapshot(tmp_path):
    demo = build_demo(tmp_path / "demo", cases=3000, kdf=FAST_KDF)
    live = unlock_vault(demo.path, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    committed: list[str] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set():
                n += 1
                committed.append(_open_case(live, "Тестов", f"Писатель{n}", "+996555000111").number)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(committed) < 5:
            time.sleep(0.005)
        before_backup = list(committed)
        during = []

        def slow(done: int, total: int) -> None:
            during.append(len(committed))
            if done < total // 2:  # the copy phase: let the writer commit between steps
                time.sleep(0.03)

        path = make_backup(live, tmp_path / "backups", progress=slow)
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert during[-1] > during[0], "no case was written while the backup ran"

    restored = tmp_path / "restored"
    restore_backup(path, restored, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    again = unlock_vault(restored, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    try:
        with again.db.read() as session:
            numbers = set(session.exec(select(Case.number)).all())
            orphans = session.exec(
                select(func.count()).select_from(Case).where(
                    ~Case.person_id.in_(select(Person.id))
                )
            ).one()  # fmt: skip
            counters = {c.name: c.value for c in session.exec(select(Counter)).all()}
            assert audit.verify_chain(session).ok
            check = session.exec(text("PRAGMA integrity_check")).all()
    finally:
        again.db.close()
        live.db.close()
    assert check == [("ok",)]
    assert set(before_backup) <= numbers
    kept = [n for n in committed if n in numbers]
    assert kept == committed[: len(kept)], "the snapshot is not a prefix of the writes"
    assert orphans == 0 and len(numbers) >= 3000 + len(before_backup)
    for number in numbers:
        _prefix, year, serial = number.split("-")
        assert counters[f"case:{year}"] >= int(serial)


@pytest.fixture
def small_chunks(monkeypatch):
    """4 KiB payload chunks, so a small database makes a many-chunk backup."""
    monkeypatch.setattr(backup_format, "CHUNK_SIZE", 4096)


def _payload_start(data: bytes) -> int:
    return len(backup_format.MAGIC) + 4 + int.from_bytes(data[8:12], "big")


def _damaged_copies(data: bytes) -> dict[str, bytes]:
    start, block = _payload_start(data), 4096 + backup_format.TAG_SIZE
    flipped = bytearray(data)
    flipped[start + 5000] ^= 0x01
    swapped = data[:start] + data[start + block : start + 2 * block]
    swapped += data[start : start + block] + data[start + 2 * block :]
    header = data.replace(b'"case_prefix":"KG"', b'"case_prefix":"KZ"', 1)
    return {
        "flipped byte": bytes(flipped),
        "truncated": data[:-100],
        "last chunk dropped": data[: start + ((len(data) - start - 1) // block) * block],
        "chunks swapped": swapped,
        "trailing data": data + b"\x00" * 16,
        "header changed": header,
    }


def test_tampered_or_truncated_backup_is_refused_and_target_untouched(
    opened, tmp_path, small_chunks
):
    path = make_backup(opened, tmp_path / "backups")
    data = path.read_bytes()
    target = opened.keyring.keys_dir.parent
    opened.db.close()
    before = _fingerprint(target)
    for what, damaged in _damaged_copies(data).items():
        path.write_bytes(damaged)
        with pytest.raises(BackupDamagedError) as caught:
            restore_backup(path, target, username="coordinator", password=PASSWORD)
        assert "damaged" in str(caught.value), what
        assert _fingerprint(target) == before, what
    path.write_bytes(data)
    with pytest.raises(WrongPasswordError):
        restore_backup(path, target, username="coordinator", password="wrong password here")
    with pytest.raises(WrongPasswordError):
        restore_backup(path, target, username="nobody", password=PASSWORD)
    assert _fingerprint(target) == before


def test_foreign_or_empty_file_has_a_clear_error(opened, tmp_path):
    for name, content in (
        ("notes.kbk", b"just some text\n"),
        ("empty.kbk", b""),
        ("db.kbk", (opened.keyring.keys_dir.parent / "komok.db").read_bytes()),
        ("huge-header.kbk", backup_format.MAGIC + b"\xff\xff\xff\xff"),
        ("bad-json.kbk", backup_format.MAGIC + b"\x00\x00\x00\x02{x"),
    ):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CorruptDatabaseError) as caught:
            read_backup_header(tmp_path / name)
        assert "backup" in str(caught.value), name
    with pytest.raises(CorruptDatabaseError):
        read_backup_header(tmp_path / "missing.kbk")


def test_restore_over_a_vault_sets_the_old_one_aside(opened, tmp_path):
    path = make_backup(opened, tmp_path / "backups")
    later = _open_case(opened, "Исаков", "Айбек", "+996555777888")
    target = opened.keyring.keys_dir.parent
    (target / "demo").mkdir()  # the data folder also holds other things; they stay
    opened.db.close()
    aside = restore_backup(path, target, username="coordinator", password=PASSWORD)
    assert aside is not None and aside.name.startswith("vault.before-restore-")
    assert (aside / "komok.db").is_file() and (aside / "keys" / "coordinator.slot").is_file()
    assert (target / "demo").is_dir()
    restored = unlock_vault(target, username="coordinator", password=PASSWORD)
    old = unlock_vault(aside, username="coordinator", password=PASSWORD)
    try:
        assert later.number not in {n for n, _f, _g in _contents(restored)}
        assert later.number in {n for n, _f, _g in _contents(old)}
    finally:
        restored.db.close()
        old.db.close()


def _touch_backups(folder: Path, stamps: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"komok-backup-KG-{s}.kbk" for s in stamps]
    for p in paths:
        p.write_bytes(b"x")
    return paths


def test_prune_keeps_the_newest_and_only_touches_our_files(tmp_path):
    folder = tmp_path / "b"
    old, mid, new, newest = _touch_backups(
        folder, ["20250101T000000Z", "20250102T000000Z", "20250103T000000Z", "20250103T000000Z-1"]
    )
    others = [folder / "notes.kbk", folder / "komok-backup-KZ.kbk", folder / "photo.jpg"]
    for p in others:
        p.write_bytes(b"y")
    stale, fresh = folder / f".{old.name}.copy", folder / f"{new.name}-2.kbk.partial"
    for p in (stale, fresh):
        p.write_bytes(b"z")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)  # an interrupted backup's leftover
    assert prune_backups(folder, 2) == [old, mid]
    assert sorted(folder.iterdir()) == sorted([new, newest, fresh, *others])
    fresh.unlink()
    assert prune_backups(folder, 0) == [new]  # at least one is always kept
    assert prune_backups(tmp_path / "missing", 3) == []


def test_scheduled_backup_respects_folder_interval_and_keep(opened, tmp_path):
    folder = tmp_path / "scheduled"
    assert not backup_due(opened)  # no folder set
    with opened.db.write() as session:
        put_setting(session, actor=opened.actor, key="backup_folder", value=str(folder))
        put_setting(session, actor=opened.actor, key="backup_keep", value=2)
    _touch_backups(folder, ["20200101T000000Z", "20200102T000000Z"])
    assert backup_due(opened)
    made = run_scheduled_backup(opened)
    assert made is not None and made.is_file()
    assert sorted(folder.iterdir()) == sorted(
        [made, folder / "komok-backup-KG-20200102T000000Z.kbk"]
    )
    assert not backup_due(opened)
    assert run_scheduled_backup(opened) is None
    assert not backup_due(opened, now=utcnow() + timedelta(hours=23))
    assert backup_due(opened, now=utcnow() + timedelta(hours=25))
    with opened.db.write() as session:
        put_setting(session, actor=opened.actor, key="backup_interval_hours", value=0)
    assert not backup_due(opened, now=utcnow() + timedelta(days=30))
    volunteer = OpenVault(
        db=opened.db, actor=Actor(uuid.uuid4(), "v", "volunteer"), keyring=opened.keyring
    )
    assert not backup_due(volunteer, now=utcnow() + timedelta(days=30))


@pytest.mark.parametrize("role", ["volunteer", "caseworker"])
def test_only_coordinators_make_backups(opened, tmp_path, role):
    other = OpenVault(db=opened.db, actor=Actor(uuid.uuid4(), "x", role), keyring=opened.keyring)
    with pytest.raises(PermissionDenied):
        make_backup(other, tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_a_volunteer_cannot_restore(opened, tmp_path):
    users.create_user(
        opened=opened,
        username="bermet",
        display_name="Бермет",
        role="volunteer",
        password="apricot river tent",
    )
    path = make_backup(opened, tmp_path / "b")
    with pytest.raises(PermissionDenied):
        restore_backup(path, tmp_path / "r", username="bermet", password="apricot river tent")
    assert not (tmp_path / "r").exists()
    assert [p.name for p in tmp_path.iterdir() if "restoring" in p.name] == []


@pytest.mark.parametrize("vault", ["postgresql"], indirect=True)
def test_postgresql_is_refused_with_a_pointer_to_pg_dump(vault, tmp_path):
    with pytest.raises(StoreError) as caught:
        make_backup(vault, tmp_path / "b")
    assert "pg_dump" in str(caught.value)
    assert not backup_due(vault)


def test_disk_full_leaves_nothing_behind(opened, tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    folder = tmp_path / "b"
    with pytest.raises(DiskFullError):
        make_backup(opened, folder)
    assert list(folder.iterdir()) == []


def test_unreachable_folder_is_not_created_on_this_disk(opened, tmp_path):
    with pytest.raises(DataDirError, match="cannot be reached"):
        make_backup(opened, tmp_path / "unplugged-drive" / "backups")
    assert not (tmp_path / "unplugged-drive").exists()


def test_doctored_key_slot_costs_are_refused_before_unwrapping(opened, tmp_path):
    path = make_backup(opened, tmp_path / "b")
    data = path.read_bytes()
    cost = b'"memory_cost":%d' % FAST_KDF.memory_cost
    assert cost in data
    path.write_bytes(data.replace(cost, b'"memory_cost":99999999'))
    with pytest.raises(BackupDamagedError):
        restore_backup(path, tmp_path / "r", username="coordinator", password=PASSWORD)


def test_cancelled_backup_leaves_nothing_behind(opened, tmp_path):
    folder = tmp_path / "b"
    with pytest.raises(BackupCancelled):
        make_backup(opened, folder, progress=lambda done, total: done < total // 2)
    assert list(folder.iterdir()) == []
