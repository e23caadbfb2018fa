"""Cached demo databases for the bench (100k and 1M cases), and plain (unencrypted) twins.

Databases live in `.bench-cache/` (gitignored). A cached database is reused while its
schema revision and size match; a plain twin is exported with `sqlcipher_export` so the
same queries can be timed with and without encryption.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from models.demo import DEMO_PASSWORD, DEMO_USERNAME, build_demo

from models import migrate
from models.keyslots import read_slot, unwrap_key
from models.vault import KEYS_DIR, database_path

CACHE = Path(__file__).resolve().parents[2] / ".bench-cache"
SEED = 2026


@dataclass
class Dataset:
    """A cached demo vault: where it is, how many cases, how fast it was built."""

    vault: Path
    cases: int
    build_seconds: float
    built_now: bool

    @property
    def db_path(self) -> Path:
        return database_path(self.vault)

    def key(self) -> bytes:
        slot = read_slot(self.vault / KEYS_DIR, DEMO_USERNAME)
        return unwrap_key(slot, DEMO_PASSWORD)


def _meta_path(vault: Path) -> Path:
    return vault.with_suffix(".json")


def dataset(cases: int, *, fresh: bool = False, progress=None) -> Dataset:
    """The cached demo vault of `cases` cases, built now if missing, stale or `fresh`."""
    CACHE.mkdir(exist_ok=True)
    vault = CACHE / f"demo-{cases}"
    meta_path = _meta_path(vault)
    head = migrate.head_revision()
    if not fresh and meta_path.exists() and database_path(vault).exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("revision") == head and meta.get("cases") == cases:
            return Dataset(vault, cases, meta["seconds"], built_now=False)
    shutil.rmtree(vault, ignore_errors=True)
    plain = plain_path(vault)
    plain.unlink(missing_ok=True)
    t0 = time.perf_counter()
    build_demo(vault, cases=cases, seed=SEED, progress=progress)
    seconds = time.perf_counter() - t0
    meta_path.write_text(json.dumps({"cases": cases, "seconds": seconds, "revision": head}))
    return Dataset(vault, cases, seconds, built_now=True)


def plain_path(vault: Path) -> Path:
    """Where the unencrypted twin of a bench vault lives (bench only, synthetic data)."""
    return vault.with_name(vault.name + "-plain.db")


def plain_twin(ds: Dataset) -> Path:
    """Export an unencrypted copy of a (synthetic) bench database, once."""
    target = plain_path(ds.vault)
    if target.exists() and target.stat().st_mtime >= ds.db_path.stat().st_mtime:
        return target
    target.unlink(missing_ok=True)
    conn = sqlcipher3.connect(str(ds.db_path))
    conn.execute(f"PRAGMA key = \"x'{ds.key().hex()}'\"")
    conn.execute(f"ATTACH DATABASE '{target}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    check = sqlite3.connect(target)
    check.execute("PRAGMA journal_mode = WAL")
    check.close()
    return target
