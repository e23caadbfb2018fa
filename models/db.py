"""The store: open the encrypted SQLite (SQLCipher) file or a PostgreSQL server, hand out sessions.

A `Database` holds one engine. `read()` gives a session for queries; `write()` gives a
session inside one transaction (on SQLite `BEGIN IMMEDIATE`, so two writers queue
instead of failing half-way) that commits at the end or rolls back on any error.
Low-level driver errors are turned into `models.errors` with translated messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from models import errors
from translations import _

CACHE_KIB = 131072
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    # Temporary tables and sort spills stay in memory: nothing personal in plain temp files.
    "PRAGMA temp_store = MEMORY",
    # SQLCipher decrypts a page each time it enters the page cache; a 128 MiB cache (in
    # process memory only) keeps joins over a large database from decrypting pages again.
    f"PRAGMA cache_size = -{CACHE_KIB}",
)
KEY_BYTES = 32
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"


def _hex_key(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("the database key must be 32 bytes")
    return f"x'{key.hex()}'"


def translate_error(exc: BaseException) -> errors.KomokError | None:
    """Map a driver error to a Komok error a person can act on (None if unknown)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "disk is full" in text or "no space left" in text:
        return errors.DiskFullError()
    if "readonly" in text or "read-only" in text:
        return errors.DataDirError(
            _("The data folder is read-only. Nothing was saved; check the folder's permissions.")
        )
    if "database is locked" in text or "database is busy" in text:
        return errors.StoreError(
            _("The database is busy in another Komok window or program. Try again shortly.")
        )
    if "file is not a database" in text or "not a database" in text:
        return errors.WrongKeyError()
    if "malformed" in text or "corrupt" in text:
        return errors.CorruptDatabaseError()
    if "unable to open database" in text:
        return errors.DataDirError(_("The database file cannot be opened from its folder."))
    return None


class Database:
    """An open Komok database and its sessions; see `open_sqlcipher` and `open_url`."""

    def __init__(self, engine: Engine, *, path: Path | None = None) -> None:
        self.engine = engine
        self.path = path
        self._write_engine = engine.execution_options(komok_begin="IMMEDIATE")

    @property
    def kind(self) -> str:
        """'sqlcipher' or 'postgresql'."""
        return "postgresql" if self.engine.dialect.name == "postgresql" else "sqlcipher"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; anything it changes is rolled back."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
        except sa_exc.DBAPIError as exc:
            raise self._translated(exc) from exc
        finally:
            # close() ends the transaction and detaches the objects with their loaded
            # values, so callers may read them after the block (a rollback would expire them).
            session.close()

    @contextmanager
    def snapshot_reads(self, n: int) -> Iterator[list[Session]]:
        """`n` read sessions that all see the same committed data, for one piece of work
        split across threads (one session per thread; sessions are not thread-safe).

        SQLite (WAL): a reader's snapshot is taken at its first read, so each session
        reads once while this connection holds the write lock (`BEGIN IMMEDIATE`): no
        change can be committed in between. PostgreSQL: the first session exports its
        REPEATABLE READ snapshot and the others import it.
        """
        sessions = [Session(self.engine, expire_on_commit=False) for _ in range(max(n, 1))]
        try:
            if self.kind == "postgresql":
                rr = {"isolation_level": "REPEATABLE READ"}
                first = sessions[0].connection(execution_options=rr)
                snapshot = first.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                for session in sessions[1:]:
                    conn = session.connection(execution_options=rr)
                    conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            else:
                with self._write_engine.connect() as lock, lock.begin():
                    for session in sessions:
                        session.connection().exec_driver_sql("SELECT count(*) FROM sqlite_master")
                    lock.rollback()
            yield sessions
        except sa_exc.DBAPIError as exc:
            raise self._translated(exc) from exc
        finally:
            for session in sessions:
                session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction, committed when the block ends without error."""
        session = Session(self._write_engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except sa_exc.DBAPIError as exc:
            session.rollback()
            raise self._translated(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _translated(self, exc: sa_exc.DBAPIError) -> BaseException:
        error = translate_error(exc)
        if isinstance(error, errors.CorruptDatabaseError | errors.WrongKeyError):
            # A connection that met a damaged page is not reused for later work.
            self.engine.dispose()
        return error or exc

    def close(self) -> None:
        """Close every connection; on SQLite first let it refresh the query planner's
        statistics where they are out of date (`PRAGMA optimize`, as SQLite advises
        before closing: quick, it samples, and usually does nothing)."""
        if self.kind == "sqlcipher":
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
                    conn.commit()
            except sa_exc.SQLAlchemyError:
                pass  # a locked, read-only or damaged database keeps its old statistics
        self.engine.dispose()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("komok_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def sqlcipher_engine(path: Path, key: bytes) -> Engine:
    """An engine for an SQLCipher file keyed with a raw 32-byte key (no connection made yet)."""
    url = URL.create("sqlite+pysqlcipher", password=_hex_key(key), database=str(path))
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 10},
        # One connection per checkout, shareable across threads (the dialect's default,
        # SingletonThreadPool, would close connections that another thread still uses).
        poolclass=QueuePool,
    )
    _install_sqlite_hooks(engine)
    return engine


def _check_readable(engine: Engine, path: Path) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except sa_exc.DBAPIError as exc:
        engine.dispose()
        with path.open("rb") as fh:
            header = fh.read(16)
        if header == PLAIN_SQLITE_HEADER:
            raise errors.CorruptDatabaseError(
                _("This file is a plain, unencrypted SQLite database, not a Komok database.")
            ) from exc
        raise (translate_error(exc) or errors.CorruptDatabaseError()) from exc


def open_sqlcipher(path: Path, key: bytes, *, create: bool = False) -> Database:
    """Open (or with `create`, make) the encrypted database file at `path`.

    Raises DataDirError when the folder is missing, WrongKeyError when the key does not
    open the file, CorruptDatabaseError when the file is not a Komok database. Nothing
    on disk changes when opening fails. The schema is not touched here; see `models.migrate`.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise errors.DataDirError(
            _("The data folder {folder} does not exist.").format(folder=path.parent)
        )
    if not path.exists() and not create:
        raise errors.DataDirError(_("There is no database at {path}.").format(path=path))
    if path.exists() and path.is_dir():
        raise errors.DataDirError(_("{path} is a folder, not a database file.").format(path=path))
    if not create and path.stat().st_size == 0:
        # SQLite would treat an emptied file as a new database and write a fresh one into it.
        raise errors.CorruptDatabaseError()
    engine = sqlcipher_engine(path, key)
    _check_readable(engine, path)
    return Database(engine, path=path)


def open_url(url: str) -> Database:
    """Open a PostgreSQL database given as a SQLAlchemy/libpq URL (psycopg 3 driver)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise errors.StoreError(
            _("Only PostgreSQL server URLs are supported, not {scheme}.").format(
                scheme=parsed.drivername
            )
        )
    engine = create_engine(parsed, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa_exc.DBAPIError as exc:
        engine.dispose()
        raise errors.StoreError(
            _("Cannot connect to the database server: {reason}").format(
                reason=str(exc.orig).strip().splitlines()[0] if exc.orig else exc
            )
        ) from exc
    return Database(engine)
