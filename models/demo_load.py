"""Loading the demo rows fast: bulk inserts through the driver connection, with a helper.

`bulk_load(db, plan, progress)` inserts every batch of `models.demo_cases.make_batch`
with `executemany` in one transaction, with fast settings (no fsync, a large page cache,
foreign-key checks off: the rows are consistent by construction) restored afterwards.
Indexes led by a random key (a case or person id) are dropped and built again at the end.

For large builds a helper process generates the batches and meanwhile inserts the
timeline events (half of all rows) into its own encrypted scratch file, so both cores do
database work; the events are then copied across in one `INSERT … SELECT`, which SQLite
performs as a raw, in-order transfer. Small builds are generated in this process.
The search index rows are made beside each batch (in the helper, for large builds) and
the full-text index is built in one pass at the end (`models.search_index.BulkFill`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlcipher3

from models import demo_rows, errors, search_index
from models.db import Database
from models.demo_cases import make_batch
from translations import _

PARALLEL_FROM = 30_000  # cases; smaller builds are generated in this process
QUEUE_BATCHES = 8
HELPER_TABLES = ("events",)  # Batch fields the helper inserts into its scratch file
RANDOM_KEYS = frozenset({"case_id", "person_id"})
MAX_CACHE_KIB = 1_500_000
CACHE_KIB_PER_CASE = 1.5
SCRATCH_NAME = "events.scratch"

TABLES = (
    ("people", "people", demo_rows.PEOPLE_COLUMNS),
    ("cases", "cases", demo_rows.CASE_COLUMNS),
    ("categories", "case_categories", demo_rows.CATEGORY_COLUMNS),
    ("events", "case_events", demo_rows.EVENT_COLUMNS),
    ("follow_ups", "follow_ups", demo_rows.FOLLOW_UP_COLUMNS),
    ("referrals", "referrals", demo_rows.REFERRAL_COLUMNS),
)


class DemoCancelled(errors.KomokError):
    """The demo build was cancelled; nothing was left behind."""

    def default_message(self) -> str:
        return _("Building the demo database was cancelled; nothing was saved.")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _cache_kib(cases: int) -> int:
    return int(min(MAX_CACHE_KIB, 65536 + cases * CACHE_KIB_PER_CASE))


def _indexes(cur, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of a table's explicit indexes."""
    return cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name",
        (table,),
    ).fetchall()


def _scratch_schema(cur, table: str) -> tuple[str, list[str]]:
    """The CREATE statements of `table` and of its explicit indexes (built at the end), for
    a scratch copy that SQLite can transfer into the original without re-sorting."""
    (create,) = cur.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return create, [sql for _name, sql in _indexes(cur, table)]


def _random_key_indexes(cur, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the non-unique indexes on `tables` led by a random key."""
    found = []
    for table in tables:
        for name, sql in _indexes(cur, table):
            first = cur.execute(f'PRAGMA index_info("{name}")').fetchone()
            unique = sql.upper().startswith("CREATE UNIQUE")
            if not unique and first is not None and first[2] in RANDOM_KEYS:
                found.append((name, sql))
    return found


def _with_search(batch: demo_rows.Batch) -> tuple[demo_rows.Batch, list[tuple]]:
    """A batch with the search index rows of its people and cases."""
    return batch, search_index.demo_rows(batch.people, batch.cases)


def _helper_main(plan, path, key_hex, schema, cache_kib, out, stop) -> None:
    """Helper process: make the batches in order, insert their HELPER_TABLES rows into an
    encrypted scratch file and put the rest of each batch (with its search index rows) on
    `out`; then put "done"."""
    try:
        con = sqlcipher3.connect(path, isolation_level=None)
        con.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = MEMORY",
                       "foreign_keys = OFF", f"cache_size = {-cache_kib}"):  # fmt: skip
            con.execute(f"PRAGMA {pragma}")
        statements = []
        for attr, (table, create, _indexes) in schema.items():
            con.execute(create)
            columns = {a: c for a, _t, c in TABLES}[attr]
            statements.append((attr, _insert_sql(table, columns)))
        con.execute("BEGIN")
        for index in range(-(-plan.cases // demo_rows.BATCH_SIZE)):
            if stop.is_set():
                return
            batch = make_batch(plan, index)
            for attr, sql in statements:
                con.executemany(sql, getattr(batch, attr))
                setattr(batch, attr, [])
            out.put(_with_search(batch))
        for _table, _create, indexes in schema.values():
            for sql in indexes:
                con.execute(sql)
        con.execute("COMMIT")
        con.close()
        out.put("done")
    except BaseException as exc:  # handed to the parent, which re-raises it
        out.put(exc)


class _Helper:
    """The helper process and its scratch file (removed again by `close`)."""

    def __init__(self, plan: demo_rows.DemoPlan, folder: Path, schema: dict) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.path = folder / SCRATCH_NAME
        self.key_hex = secrets.token_bytes(32).hex()
        self.stop = ctx.Event()
        self.out = ctx.Queue(maxsize=QUEUE_BATCHES)
        self.proc = ctx.Process(
            target=_helper_main, daemon=True,
            args=(plan, str(self.path), self.key_hex, schema, _cache_kib(plan.cases),
                  self.out, self.stop),
        )  # fmt: skip
        self.proc.start()

    def get(self):
        """The helper's next batch (or "done"); re-raises the helper's error."""
        while True:
            try:
                item = self.out.get(timeout=1)
                break
            except queue_module.Empty:
                if not self.proc.is_alive():
                    raise errors.KomokError(
                        _("A helper process stopped while building the demo database.")
                    ) from None
        if isinstance(item, BaseException):
            raise item
        return item

    def batches(self, count: int) -> Iterator[tuple[demo_rows.Batch, list[tuple]]]:
        """The `count` batches in order, without their HELPER_TABLES rows, with their
        search index rows."""
        for _index in range(count):
            yield self.get()

    def close(self) -> None:
        """Stop the process and delete the scratch file."""
        self.stop.set()
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join()
        self.out.cancel_join_thread()
        self.out.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def bulk_load(
    db: Database, plan: demo_rows.DemoPlan, progress: Callable[[int, int], bool | None] | None
) -> dict[int, int]:
    """Insert all of the plan's rows; return the number of registered letters by year.

    `progress(done, total)` is called after each batch; False cancels (DemoCancelled).
    """
    count = -(-plan.cases // demo_rows.BATCH_SIZE)
    parallel = plan.cases >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and db.path is not None
    fairy = db.engine.raw_connection()
    conn = fairy.driver_connection
    cur = conn.cursor()
    saved = {name: cur.execute(f"PRAGMA {name}").fetchone()[0]
             for name in ("synchronous", "cache_size", "foreign_keys")}  # fmt: skip
    helper: _Helper | None = None
    try:
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute(f"PRAGMA cache_size = {-_cache_kib(plan.cases)}")
        local = [(a, t, c) for a, t, c in TABLES if not (parallel and a in HELPER_TABLES)]
        if parallel:
            schema = {a: (t, *_scratch_schema(cur, t)) for a, t, _c in TABLES if a in HELPER_TABLES}
            helper = _Helper(plan, Path(db.path).parent, schema)
            batches = helper.batches(count)
        else:
            batches = (_with_search(make_batch(plan, index)) for index in range(count))
        statements = [(attr, _insert_sql(table, cols)) for attr, table, cols in local]
        cur.execute("BEGIN IMMEDIATE")
        dropped = _random_key_indexes(cur, [table for _a, table, _c in local])
        for name, _sql in dropped:
            cur.execute(f'DROP INDEX "{name}"')
        search = search_index.BulkFill(cur)
        for batch, search_rows in batches:
            for attr, sql in statements:
                cur.executemany(sql, getattr(batch, attr))
            search.add(search_rows)
            if progress is not None and progress(batch.cases_done, plan.cases) is False:
                raise DemoCancelled()
        for _name, sql in dropped:
            cur.execute(sql)
        search.finish()
        registers = _number_register(cur)
        cur.execute("COMMIT")
        if helper is not None:
            if helper.get() != "done":
                raise errors.KomokError(_("A helper process sent unexpected data."))
            _copy_scratch(cur, helper)
    finally:
        if helper is not None:
            helper.close()
        if conn.in_transaction:
            cur.execute("ROLLBACK")
        for name, value in saved.items():
            cur.execute(f"PRAGMA {name} = {int(value)}")
        cur.close()
        fairy.close()
    return registers


def _number_register(cur) -> dict[int, int]:
    """Number the letters sent in the outgoing register, "<n>/<year>" in order of sending
    within each year; return the last number of each year."""
    cur.execute(
        "UPDATE referrals SET register_number = numbered.n || '/' || numbered.year "
        "FROM (SELECT id, substr(sent_on, 1, 4) AS year, row_number() OVER ("
        "  PARTITION BY substr(sent_on, 1, 4) ORDER BY sent_on, created_at, id) AS n "
        "  FROM referrals WHERE sent_on IS NOT NULL) AS numbered "
        "WHERE referrals.id = numbered.id"
    )
    rows = cur.execute(
        "SELECT substr(sent_on, 1, 4), count(*) FROM referrals WHERE sent_on IS NOT NULL GROUP BY 1"
    ).fetchall()
    return {int(year): count for year, count in rows}


def _copy_scratch(cur, helper: _Helper) -> None:
    """Copy the helper's tables into the (empty) tables of the main database."""
    cur.execute("ATTACH DATABASE ? AS scratch KEY ?", (str(helper.path), f"x'{helper.key_hex}'"))
    try:
        cur.execute("BEGIN IMMEDIATE")
        for attr, table, _cols in TABLES:
            if attr in HELPER_TABLES:
                cur.execute(f"INSERT INTO main.{table} SELECT * FROM scratch.{table}")
        cur.execute("COMMIT")
    finally:
        if cur.connection.in_transaction:
            cur.execute("ROLLBACK")
        cur.execute("DETACH DATABASE scratch")
