"""Bench rows of accounts and safety: sign-in cost, audit overhead, backup time."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from unittest import mock

from tests.bench.datasets import Dataset
from tests.bench.harness import Row, median, timed


def login_rows(ds: Dataset) -> list[Row]:
    """Unwrapping a key slot with the production Argon2id parameters vs opening with the key."""
    from models import keyslots
    from models.db import open_sqlcipher

    key = ds.key()
    slot = keyslots.wrap_key(key, username="bench", password="bench password 123")
    unwrap = median(timed(lambda: keyslots.unwrap_key(slot, "bench password 123"), repeat=5))

    def open_with_key():
        open_sqlcipher(ds.db_path, key).close()

    opened = median(timed(open_with_key, repeat=5))
    params = keyslots.DEFAULT_KDF
    return [
        Row(
            "sign-in: Argon2id key unwrap",
            unwrap,
            "s",
            "open the database with the raw key",
            opened,
            target="0.3–1 s",
            note=f"t={params.time_cost}, m={params.memory_cost // 1024} MiB, "
            f"p={params.parallelism}",
        ),
    ]


def audit_rows(ds: Dataset) -> list[Row]:
    """A case update through the services, with and without the audit entry it writes."""
    from sqlmodel import select

    from models import audit, cases
    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.tables import Case
    from models.vault import unlock_vault

    opened = unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    db, actor = opened.db, opened.actor
    with db.read() as session:
        case = session.exec(select(Case).order_by(Case.opened_on.desc()).limit(1)).one()
    state = {"version": case.version, "n": 0}

    def update():
        state["n"] += 1
        updated = cases.update_case(
            db=db,
            actor=actor,
            case_id=case.id,
            version=state["version"],
            data={"employer_name": f"Bench employer {state['n']}"},
        )
        state["version"] = updated.version

    with_audit = median(timed(update, repeat=40, warmup=3))
    with mock.patch.object(audit, "record", lambda *a, **k: None):
        without = median(timed(update, repeat=40, warmup=3))
    db.close()
    return [
        Row(
            "case update via services (with audit)",
            with_audit * 1000,
            "ms",
            "same update, audit entry skipped",
            without * 1000,
            note="hash chain + head row lock",
        )
    ]


def backup_rows(ds: Dataset) -> list[Row]:
    """An encrypted backup of the database vs a plain file copy of the same file."""
    import time

    from models.backup import make_backup
    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.vault import unlock_vault

    opened = unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    with tempfile.TemporaryDirectory(dir=ds.vault.parent) as tmp:
        t0 = time.perf_counter()
        path = make_backup(opened, Path(tmp))
        backup_s = time.perf_counter() - t0
        size_mib = path.stat().st_size / 2**20
        path.unlink()
        opened.db.close()
        t0 = time.perf_counter()
        shutil.copyfile(ds.db_path, Path(tmp) / "copy.db")
        copy_s = time.perf_counter() - t0
    return [
        Row(
            f"encrypted backup, {ds.cases:,} cases",
            backup_s,
            "s",
            "plain copy of the database file",
            copy_s,
            note=f"{size_mib:,.0f} MiB",
        )
    ]
