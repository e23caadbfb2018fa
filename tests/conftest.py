"""Shared fixtures: a fresh database per test, on SQLCipher and (when available) PostgreSQL.

`db` is parametrised over both stores. PostgreSQL tests use `KOMOK_TEST_DATABASE_URL`
(set by `.ci/run`, which starts a throwaway cluster); each test gets its own empty schema.
Without that variable the PostgreSQL variants are skipped, except under CI, where a
missing server is an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.actor import Actor
from models.db import Database, open_url
from models.vault import OpenVault, hash_password
from tests.vault_factory import new_test_vault
from translations import set_language

PG_URL = os.environ.get("KOMOK_TEST_DATABASE_URL")
BACKENDS = ["sqlcipher", "postgresql"]


@pytest.fixture(autouse=True)
def _english_and_private_data_dir(tmp_path_factory, monkeypatch):
    """Every test starts in English with its own data folder (never the real one)."""
    set_language("en")
    monkeypatch.setenv("KOMOK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("KOMOK_DATABASE_URL", raising=False)
    yield
    set_language("en")


def _pg_vault(tmp_schema_url: str) -> OpenVault:
    from models import audit, migrate
    from models.settings import put_setting
    from models.tables import User

    db = open_url(tmp_schema_url)
    migrate.upgrade(db)
    user = User(
        username="coordinator",
        display_name="Coordinator",
        role="coordinator",
        password_hash=hash_password("correct horse battery"),
    )
    actor = Actor(user_id=user.id, username=user.username, role=user.role)
    with db.write() as session:
        session.add(user)
        session.flush()
        audit.record(session, actor=actor, action="create", entity="user", entity_id=user.id)
        put_setting(session, actor=actor, key="organisation_name", value="Test NGO")
        put_setting(session, actor=actor, key="case_number_prefix", value="KG")
    return OpenVault(db=db, actor=actor)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema (dropped after the test)."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("KOMOK_TEST_DATABASE_URL is not set under CI; .ci/run should set it")
        pytest.skip("PostgreSQL not available: set KOMOK_TEST_DATABASE_URL (see .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def vault(request, tmp_path: Path) -> Iterator[OpenVault]:
    """An open, migrated database with a coordinator signed in, on each backend."""
    if request.param == "sqlcipher":
        opened = new_test_vault(tmp_path / "vault")
    else:
        opened = _pg_vault(request.getfixturevalue("pg_url"))
    yield opened
    opened.db.close()


@pytest.fixture
def db(vault: OpenVault) -> Database:
    """The open database of `vault`."""
    return vault.db


@pytest.fixture
def actor(vault: OpenVault) -> Actor:
    """The coordinator signed in to `vault`."""
    return vault.actor
