"""Schema versions: where a database stands against the code, and upgrading it safely.

Alembic owns the schema. Before upgrading an SQLCipher file that already holds data,
the file is copied aside (SQLite backup API, encrypted with the same key) so a failed or
unwanted upgrade can be undone by hand. A database written by a newer Komok is refused
without touching it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from models import errors
from models.db import Database, translate_error
from models.timeutil import utcnow
from translations import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every revision this code knows."""
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: 'empty', 'current', 'behind' or 'newer' (with its revision)."""

    state: str
    revision: str | None


def schema_state(db: Database) -> SchemaState:
    """Compare the database's schema revision with the code's."""
    with db.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        if revision is None:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            if tables:
                raise errors.CorruptDatabaseError(
                    _("This database has tables but no schema version; it is not a Komok database.")
                )
            return SchemaState("empty", None)
    if revision == head_revision():
        return SchemaState("current", revision)
    if revision not in known_revisions():
        return SchemaState("newer", revision)
    return SchemaState("behind", revision)


def copy_aside(db: Database, label: str) -> Path:
    """Copy an SQLCipher database next to itself (same key) and return the copy's path."""
    assert db.path is not None
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = db.path.with_name(f"{db.path.name}.before-{label}-{stamp}")
    free = shutil.disk_usage(db.path.parent).free
    if free < db.path.stat().st_size * 1.1 + 10_000_000:
        raise errors.DiskFullError(
            _("Not enough free disk space to copy the database before upgrading it.")
        )
    raw = db.engine.raw_connection()
    try:
        dst = sqlcipher3.connect(str(target))
        try:
            dst.execute(f'PRAGMA key = "{db.engine.url.password}"')
            raw.driver_connection.backup(dst)
        finally:
            dst.close()
    except Exception as exc:
        target.unlink(missing_ok=True)
        raise (translate_error(exc) or exc) from exc
    finally:
        raw.close()
    return target


def upgrade(db: Database, *, backup: bool = True) -> Path | None:
    """Bring the schema to the newest revision; return the path of the copy made, if any.

    Raises NewerSchemaError (nothing changed) when the database is newer than the code.
    """
    state = schema_state(db)
    if state.state == "newer":
        raise errors.NewerSchemaError()
    if state.state == "current":
        return None
    copy = None
    if backup and state.state == "behind" and db.kind == "sqlcipher":
        copy = copy_aside(db, state.revision or "empty")
    with db._write_engine.connect() as conn:
        # SQLite alters a table by copying it and dropping the old one, which a foreign key
        # pointing at it forbids: as SQLite's own procedure says, foreign keys are switched
        # off (outside the transaction) while the schema changes, then checked in full.
        raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                command.upgrade(_config(conn), "head")
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise errors.CorruptDatabaseError(
                            _("The upgrade would break links between records; nothing was changed.")
                        )
            if raw is not None:
                # New indexes have no statistics yet: without them the query planner
                # guesses, and may prefer a worse index (sampled, so quick on 1M cases).
                raw.execute("PRAGMA optimize = 0x10002")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")
    return copy
