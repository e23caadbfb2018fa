"""The encrypted store: nothing readable at rest, clear errors for every broken start, no harm done.

Covers `models.db`, `models.vault`, `models.keyslots` and `models.migrate` on SQLCipher
files: wrong passwords, damaged or foreign files, missing or read-only folders, a schema
from a newer Komok, upgrades (with the copy made beforehand) and password changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from models import cases, keyslots, migrate, people, timeline
from models.audit import verify_chain
from models.db import PLAIN_SQLITE_HEADER, open_sqlcipher, open_url
from models.errors import (
    CorruptDatabaseError,
    DataDirError,
    KomokError,
    NewerSchemaError,
    StoreError,
    WrongKeyError,
)
from models.keyslots import FAST_KDF, WrongPasswordError
from models.tables import AuditHead, Case, Person
from models.vault import DB_NAME, KEYS_DIR, OpenVault, create_vault, unlock_vault

USER = "coordinator"
PASSWORD = "correct horse battery"
FAMILY, GIVEN = "Жээнбеков", "Нурлан"
PHONE_TYPED, PHONE_DIGITS = "+996 555 12-34-56", "996555123456"
NOTE = "Паспорт у работодателя"
CLEAN_FOLDER = sorted([DB_NAME, KEYS_DIR])  # no -wal/-shm or copies left behind


def new_vault(folder: Path, *, password: str = PASSWORD) -> OpenVault:
    return create_vault(
        folder,
        organisation="Test NGO",
        case_prefix="KG",
        username=USER,
        display_name="Coordinator",
        password=password,
        kdf=FAST_KDF,
    )


def fill(opened: OpenVault, n_cases: int = 1) -> list[str]:
    """A client with name and phone, `n_cases` cases with a note; returns the case numbers."""
    person = people.create_person(
        db=opened.db,
        actor=opened.actor,
        data={"family_name": FAMILY, "given_name": GIVEN, "phones": [PHONE_TYPED]},
    )
    numbers = []
    for _ in range(n_cases):
        case = cases.open_case(
            db=opened.db,
            actor=opened.actor,
            data={
                "person_id": person.id,
                "categories": ["documents_withheld"],
                "consent_store": True,
            },
        )
        timeline.add_event(db=opened.db, actor=opened.actor, case_id=case.id, data={"text": NOTE})
        numbers.append(case.number)
    return numbers


@pytest.fixture
def closed_vault(tmp_path: Path) -> Path:
    """A vault folder with some data in it, closed (no open connections)."""
    folder = tmp_path / "vault"
    opened = new_vault(folder)
    fill(opened)
    opened.db.close()
    return folder


def the_key(folder: Path, password: str = PASSWORD) -> bytes:
    return keyslots.unwrap_key(keyslots.read_slot(folder / KEYS_DIR, USER), password)


def disk_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its SHA-256 and mtime."""
    return {
        str(p.relative_to(folder)): (sha256(p), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def case_numbers(db) -> list[str]:
    with db.read() as s:
        return sorted(s.exec(select(Case.number)).all())


def assert_refused(folder: Path, error: type[KomokError], **unlock) -> KomokError:
    """Unlocking fails with `error` (a clear message) and leaves every file as it was."""
    before = disk_state(folder)
    with pytest.raises(error) as info:
        unlock_vault(folder, **{"username": USER, "password": PASSWORD, **unlock})
    assert len(str(info.value).strip()) > 10
    assert disk_state(folder) == before
    return info.value


# --- encryption at rest ---------------------------------------------------------------------


def _assert_nothing_readable(folder: Path) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert folder / DB_NAME in files
    for path in files:
        raw = path.read_bytes()
        for secret in (FAMILY, GIVEN, NOTE, PHONE_DIGITS, PHONE_DIGITS[3:]):
            assert secret.encode("utf-8") not in raw, (path.name, secret)
        assert b"documents_withheld" not in raw, path.name  # nor the case's categories
    with (folder / DB_NAME).open("rb") as fh:
        assert fh.read(16) != PLAIN_SQLITE_HEADER


def test_database_and_wal_are_encrypted_at_rest(tmp_path):
    folder = tmp_path / "vault"
    opened = new_vault(folder)
    numbers = fill(opened, n_cases=3)
    # While open, recent pages live in the -wal file: it must be just as unreadable.
    wal = folder / f"{DB_NAME}-wal"
    assert wal.is_file() and wal.stat().st_size > 0
    _assert_nothing_readable(folder)
    opened.db.close()
    _assert_nothing_readable(folder)
    conn = sqlite3.connect(folder / DB_NAME)
    try:
        for query in ("SELECT * FROM sqlite_master", "SELECT * FROM people", "PRAGMA user_version"):
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(query).fetchall()
    finally:
        conn.close()
    # …and with the password, everything is there.
    again = unlock_vault(folder, username=USER, password=PASSWORD)
    try:
        assert case_numbers(again.db) == numbers
        with again.db.read() as s:
            person = s.exec(select(Person)).one()
            assert (person.family_name, person.phones) == (FAMILY, ["+" + PHONE_DIGITS])
    finally:
        again.db.close()


def test_key_slot_holds_neither_key_nor_password(closed_vault):
    slot_file = keyslots.slot_path(closed_vault / KEYS_DIR, USER)
    raw = slot_file.read_text(encoding="utf-8")
    key = the_key(closed_vault)
    assert key.hex() not in raw.lower() and PASSWORD not in raw
    assert json.loads(raw)["kdf"] == "argon2id"
    assert stat.S_IMODE(slot_file.stat().st_mode) == 0o600


# --- wrong credentials ---------------------------------------------------------------------


def test_wrong_password_and_unknown_user_change_nothing(closed_vault):
    wrong = assert_refused(closed_vault, WrongPasswordError, password="correct horse batter")
    unknown = assert_refused(closed_vault, WrongPasswordError, username="nobody")
    # Same message for both: the screen does not reveal which user names exist.
    assert str(wrong) == str(unknown)
    for username in ("", "../keys/coordinator", "coordinator/"):
        assert_refused(closed_vault, WrongPasswordError, username=username)
    assert_refused(closed_vault, WrongPasswordError, password="")
    assert listing(closed_vault) == CLEAN_FOLDER


def test_password_change_rewraps_the_same_key(closed_vault):
    key = the_key(closed_vault)
    numbers = case_numbers_of_file(closed_vault / DB_NAME, key)
    new_slot = keyslots.wrap_key(key, username=USER, password="new secret 2", params=FAST_KDF)
    keyslots.write_slot(closed_vault / KEYS_DIR, new_slot)
    assert the_key(closed_vault, "new secret 2") == key
    assert_refused(closed_vault, WrongPasswordError)  # the old password
    opened = unlock_vault(closed_vault, username=USER, password="new secret 2")
    try:
        assert case_numbers(opened.db) == numbers and len(numbers) == 1
    finally:
        opened.db.close()
    assert not list((closed_vault / KEYS_DIR).glob("*.tmp"))


def test_damaged_or_foreign_key_slot(closed_vault, tmp_path):
    slot_file = keyslots.slot_path(closed_vault / KEYS_DIR, USER)
    good = slot_file.read_text(encoding="utf-8")
    for broken in (
        "{not json",
        json.dumps({**json.loads(good), "username": "other"}),
        json.dumps({k: v for k, v in json.loads(good).items() if k != "salt"}),
    ):
        slot_file.write_text(broken, encoding="utf-8")
        assert_refused(closed_vault, CorruptDatabaseError)
    # A valid slot of another vault (same user name) opens a key that does not fit this file.
    other = new_vault(tmp_path / "other", password="other password")
    other.db.close()
    shutil.copy(keyslots.slot_path(tmp_path / "other" / KEYS_DIR, USER), slot_file)
    assert_refused(closed_vault, CorruptDatabaseError, password="other password")
    slot_file.write_text(good, encoding="utf-8")
    unlock_vault(closed_vault, username=USER, password=PASSWORD).db.close()


def test_wrong_key_is_refused_by_the_store(closed_vault):
    before = disk_state(closed_vault)
    with pytest.raises(WrongKeyError):
        open_sqlcipher(closed_vault / DB_NAME, keyslots.new_database_key())
    assert disk_state(closed_vault) == before


# --- damaged, foreign and missing files -----------------------------------------------------


def _overwrite(path: Path, offset: int, size: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset : offset + size] = bytes(255 - b for b in data[offset : offset + size])
    path.write_bytes(bytes(data))


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)


DAMAGE = {
    "bytes flipped inside the first page": lambda p: _overwrite(p, 1500, 200),
    "cut in the middle of a page": lambda p: _truncate(p, 5000),
    "cut to half": lambda p: _truncate(p, p.stat().st_size // 2),
    "emptied": lambda p: _truncate(p, 0),
    "random bytes": lambda p: p.write_bytes(os.urandom(p.stat().st_size)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_database_is_reported_and_left_alone(closed_vault, damage):
    DAMAGE[damage](closed_vault / DB_NAME)
    error = assert_refused(closed_vault, CorruptDatabaseError)
    assert isinstance(error, StoreError)
    assert "damaged" in str(error)
    assert listing(closed_vault) == CLEAN_FOLDER


def test_plain_sqlite_file_is_not_taken_for_a_komok_database(closed_vault):
    path = closed_vault / DB_NAME
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.execute("INSERT INTO people VALUES ('x')")
    conn.commit()
    conn.close()
    error = assert_refused(closed_vault, CorruptDatabaseError)
    assert "unencrypted" in str(error)
    with pytest.raises(CorruptDatabaseError):
        open_sqlcipher(path, the_key(closed_vault))


def test_missing_data_folder(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(DataDirError) as info:
        unlock_vault(missing, username=USER, password=PASSWORD)
    assert str(missing) in str(info.value)
    key = keyslots.new_database_key()
    for create in (False, True):
        with pytest.raises(DataDirError) as info:
            open_sqlcipher(missing / DB_NAME, key, create=create)
        assert "does not exist" in str(info.value)
    with pytest.raises(DataDirError):
        open_sqlcipher(tmp_path / "absent.db", key)  # folder there, file not
    (tmp_path / "adir.db").mkdir()
    with pytest.raises(DataDirError):
        open_sqlcipher(tmp_path / "adir.db", key, create=True)
    assert not missing.exists() and not (tmp_path / "absent.db").exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirError):
        new_vault(blocker / "vault")
    assert blocker.read_text() == "not a folder"


def test_existing_vault_is_never_overwritten(closed_vault):
    before = disk_state(closed_vault)
    with pytest.raises(StoreError):
        new_vault(closed_vault, password="another")
    assert disk_state(closed_vault) == before


# --- read-only folder ----------------------------------------------------------------------


def _make_read_only(folder: Path, what: str) -> None:
    if "file" in what:
        os.chmod(folder / DB_NAME, 0o400)
    if "folder" in what:
        os.chmod(folder, 0o500)


def _unlock_and_write(folder: Path, what: str, *, after_opening: bool) -> dict:
    """Make `what` read-only (before or after unlocking), save a client, report what happened."""
    if not after_opening:
        _make_read_only(folder, what)
    try:
        opened = unlock_vault(folder, username=USER, password=PASSWORD)
    except KomokError as exc:
        return {"error": type(exc).__name__, "message": str(exc), "at": "unlock"}
    if after_opening:
        _make_read_only(folder, what)
        opened.db.engine.dispose()  # the next session opens the file anew
    try:
        people.create_person(db=opened.db, actor=opened.actor, data={"family_name": "Асанов"})
    except KomokError as exc:
        return {"error": type(exc).__name__, "message": str(exc), "at": "write"}
    finally:
        opened.db.close()
    return {"error": None}


def _in_child(owner: pwd.struct_passwd | None, *args, **kwargs) -> dict:
    """Run `_unlock_and_write` in a forked child (as `owner`: root ignores file modes)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child process
        status = 1
        try:
            os.close(read_end)
            if owner is not None:
                os.setgid(owner.pw_gid)
                os.setuid(owner.pw_uid)
            result = _unlock_and_write(*args, **kwargs)
            os.write(write_end, json.dumps(result).encode("utf-8"))
            status = 0
        except BaseException as exc:
            os.write(write_end, json.dumps({"crash": repr(exc)}).encode("utf-8"))
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b'{"crash": "no output"}')


@pytest.mark.parametrize("after_opening", [False, True], ids=["before", "after-opening"])
@pytest.mark.parametrize("what", ["folder", "file", "folder and file"])
def test_read_only_data_folder_gives_a_clear_error(what, after_opening):
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("running as root and there is no 'nobody' user to drop privileges to")
    base = Path(tempfile.mkdtemp(prefix="komok-ro-"))
    folder = base / "vault"
    try:
        os.chmod(base, 0o755)
        opened = new_vault(folder)
        fill(opened)
        opened.db.close()
        if owner is not None:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        db_file = folder / DB_NAME
        digest = None if after_opening else sha256(db_file)  # unlocking records the login
        result = _in_child(owner, folder, what, after_opening=after_opening)
        assert "crash" not in result, result
        if what == "folder" and after_opening and result["error"] is None:
            # SQLite keeps writing through the -wal/-shm files it already has: nothing lost.
            return
        assert result["error"] == "DataDirError", result
        assert result["at"] == ("write" if after_opening else "unlock")
        assert "read-only" in result["message"]
        assert digest is None or sha256(db_file) == digest
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir():
                os.chmod(path, 0o700)
        shutil.rmtree(base, ignore_errors=True)


# --- schema versions -----------------------------------------------------------------------


def test_database_from_a_newer_komok_is_refused_untouched(closed_vault):
    db = open_sqlcipher(closed_vault / DB_NAME, the_key(closed_vault))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert migrate.schema_state(db) == migrate.SchemaState("newer", "9999_from_the_future")
    with pytest.raises(NewerSchemaError):
        migrate.upgrade(db)
    db.close()
    error = assert_refused(closed_vault, NewerSchemaError)
    assert "newer version" in str(error)
    assert listing(closed_vault) == CLEAN_FOLDER


def test_upgrade_of_an_empty_database_creates_every_table(tmp_path):
    key = keyslots.new_database_key()
    db = open_sqlcipher(tmp_path / "fresh.db", key, create=True)
    try:
        assert migrate.schema_state(db) == migrate.SchemaState("empty", None)
        assert migrate.upgrade(db) is None  # nothing to copy aside when there is no data
        assert migrate.schema_state(db) == migrate.SchemaState("current", migrate.head_revision())
        assert migrate.upgrade(db) is None  # a second upgrade is a no-op
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        fts = {t for t in tables if t.startswith("search_fts")}  # SQLite-only search index
        assert "search_fts" in fts
        assert tables - fts == set(SQLModel.metadata.tables) | {"alembic_version"}
        with db.read() as s:
            head = s.get(AuditHead, 1)
            assert (head.seq, head.hash) == (0, "0" * 64)
            assert verify_chain(s).ok
    finally:
        db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.db"]


def test_upgrade_of_an_empty_postgresql_schema(pg_url):
    db = open_url(pg_url)
    try:
        assert migrate.schema_state(db).state == "empty"
        assert migrate.upgrade(db) is None
        assert migrate.schema_state(db).state == "current"
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert not any(t.startswith("search_fts") for t in tables)  # SQLite-only (FTS5)
        assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    finally:
        db.close()


def test_tables_without_a_schema_version_are_not_komok(tmp_path):
    db = open_sqlcipher(tmp_path / "odd.db", keyslots.new_database_key(), create=True)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE something (x INTEGER)"))
        with pytest.raises(CorruptDatabaseError):
            migrate.schema_state(db)
        with pytest.raises(CorruptDatabaseError):
            migrate.upgrade(db)
    finally:
        db.close()


def test_copy_aside_is_an_encrypted_twin(closed_vault):
    key = the_key(closed_vault)
    opened = unlock_vault(closed_vault, username=USER, password=PASSWORD)
    fill(opened, n_cases=2)
    numbers = case_numbers(opened.db)
    copy = migrate.copy_aside(opened.db, "test")
    opened.db.close()
    assert copy.parent == closed_vault and copy.name.startswith(f"{DB_NAME}.before-test-")
    with copy.open("rb") as fh:
        assert fh.read(16) != PLAIN_SQLITE_HEADER
    assert FAMILY.encode("utf-8") not in copy.read_bytes()
    with pytest.raises(WrongKeyError):
        open_sqlcipher(copy, keyslots.new_database_key())
    twin = open_sqlcipher(copy, key)
    try:
        assert case_numbers(twin) == numbers and len(numbers) == 3
        assert migrate.schema_state(twin).state == "current"
        with twin.read() as s:
            assert verify_chain(s).ok
    finally:
        twin.close()


def test_older_schema_is_copied_aside_then_upgraded(closed_vault, monkeypatch):
    """Pretend the code knows a newer revision '0002': the file's 0001 is then 'behind'."""
    current = migrate.head_revision()
    monkeypatch.setattr(migrate, "head_revision", lambda: "0002")
    monkeypatch.setattr(migrate, "known_revisions", lambda: {current, "0002"})
    db = open_sqlcipher(closed_vault / DB_NAME, the_key(closed_vault))
    try:
        assert migrate.schema_state(db) == migrate.SchemaState("behind", current)
        assert migrate.upgrade(db, backup=False) is None
    finally:
        db.close()
    before = case_numbers_of_file(closed_vault / DB_NAME, the_key(closed_vault))
    opened = unlock_vault(closed_vault, username=USER, password=PASSWORD)
    try:
        copy = opened.upgrade_copy
        assert copy is not None and copy.exists()
        assert f"before-{current}-" in copy.name
    finally:
        opened.db.close()
    assert case_numbers_of_file(copy, the_key(closed_vault)) == before
    with pytest.raises(StoreError):  # without upgrading, an old schema is not opened
        unlock_vault(closed_vault, username=USER, password=PASSWORD, upgrade=False)


def case_numbers_of_file(path: Path, key: bytes) -> list[str]:
    db = open_sqlcipher(path, key)
    try:
        return case_numbers(db)
    finally:
        db.close()
