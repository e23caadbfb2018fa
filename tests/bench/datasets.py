"""Cached demo databases for the bench (100k and 1M cases), and plain (unencrypted) twins.

Databases live in `.bench-cache/` (gitignored). A cached database is reused while its
size matches and the migrations it went through are unchanged (their files' hashes are
kept beside it); one at an older revision is upgraded in place (`models.migrate.upgrade`,
timed in `upgrade_seconds`) instead of being built again. A plain twin is exported with
`sqlcipher_export` so the same queries can be timed with and without encryption.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from alembic.script import ScriptDirectory

from models import migrate
from models.db import open_sqlcipher
from models.demo import DEMO_PASSWORD, DEMO_USERNAME, build_demo
from models.keyslots import read_slot, unwrap_key
from models.vault import KEYS_DIR, database_path

CACHE = Path(__file__).resolve().parents[2] / ".bench-cache"
SEED = 2026
# Caches written before migration hashes were kept went through these final revisions only.
LEGACY_TRUSTED = frozenset({"0001"})


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


def migration_hashes() -> dict[str, str]:
    """The sha256 of each migration file, by revision."""
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    return {
        rev.revision: hashlib.sha256(Path(rev.path).read_bytes()).hexdigest()
        for rev in script.walk_revisions()
    }


def _applied(revision: str) -> list[str]:
    """The revisions a database at `revision` went through."""
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    return [rev.revision for rev in script.iterate_revisions(revision, "base")]


def _reusable(meta: dict, hashes: dict[str, str]) -> bool:
    """Whether a cached database went only through migrations whose files are unchanged
    (a placeholder migration filled in later would otherwise count as applied)."""
    revision = meta.get("revision")
    if revision not in hashes:
        return False
    applied = _applied(revision)
    recorded = meta.get("migrations")
    if recorded is None:
        return set(applied) <= LEGACY_TRUSTED
    return all(recorded.get(rev) == hashes[rev] for rev in applied)


def _upgrade(ds: Dataset, meta: dict, meta_path: Path, hashes: dict[str, str]) -> None:
    """Bring a cached database to the newest schema in place (no copy aside) and note it."""
    db = open_sqlcipher(ds.db_path, ds.key())
    try:
        t0 = time.perf_counter()
        migrate.upgrade(db, backup=False)
        seconds = time.perf_counter() - t0
    finally:
        db.close()
    head = migrate.head_revision()
    upgrades = dict(meta.get("upgrade_seconds") or {})
    upgrades[f"{meta.get('revision')}->{head}"] = seconds
    meta.update(revision=head, migrations=hashes, upgrade_seconds=upgrades)
    meta_path.write_text(json.dumps(meta))


def dataset(cases: int, *, fresh: bool = False, progress=None) -> Dataset:
    """The cached demo vault of `cases` cases: upgraded when its schema is older, built now
    if missing, of another size, made with since-changed migrations, or `fresh`."""
    CACHE.mkdir(exist_ok=True)
    vault = CACHE / f"demo-{cases}"
    meta_path = _meta_path(vault)
    head = migrate.head_revision()
    hashes = migration_hashes()
    if not fresh and meta_path.exists() and database_path(vault).exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("cases") == cases and _reusable(meta, hashes):
            ds = Dataset(vault, cases, meta["seconds"], built_now=False)
            if meta.get("revision") != head:
                _upgrade(ds, meta, meta_path, hashes)
            return ds
    shutil.rmtree(vault, ignore_errors=True)
    plain = plain_path(vault)
    plain.unlink(missing_ok=True)
    t0 = time.perf_counter()
    build_demo(vault, cases=cases, seed=SEED, progress=progress)
    seconds = time.perf_counter() - t0
    meta_path.write_text(
        json.dumps({"cases": cases, "seconds": seconds, "revision": head, "migrations": hashes})
    )
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
