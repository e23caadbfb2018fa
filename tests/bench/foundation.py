"""Bench rows of the foundation: demo build rate, opening, service inserts, encryption cost,
peak memory."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

from models.db import CACHE_KIB
from tests.bench.datasets import Dataset, plain_twin
from tests.bench.harness import Row, child_peak_rss_mib, median, p95, timed

QUERIES = {
    "case list first page": (
        "SELECT c.number, p.family_name, p.given_name, c.status, c.opened_on "
        "FROM cases c JOIN people p ON p.id = c.person_id "
        "ORDER BY c.opened_on DESC, c.number DESC LIMIT 200"
    ),
    "one month by status": (
        "SELECT status, count(*) FROM cases "
        "WHERE opened_on >= date('now', '-2 months') AND opened_on < date('now', '-1 months') "
        "GROUP BY status"
    ),
    "categories × sex (full scan)": (
        "SELECT cc.code, p.sex, count(*) FROM case_categories cc "
        "JOIN cases c ON c.id = cc.case_id JOIN people p ON p.id = c.person_id "
        "GROUP BY cc.code, p.sex"
    ),
}


def bare_insert_rate(n: int) -> float:
    """Rows/s of executemany into an unindexed plain SQLite table: the fastest possible insert."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "bare.db")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(
            "CREATE TABLE t (id TEXT, number TEXT, opened_on TEXT, status TEXT, "
            "country TEXT, sector TEXT, details TEXT, version INTEGER)"
        )
        rows = (
            (f"{i:032x}", f"KG-2026-{i:07d}", "2026-01-01", "new", "ru", "trade", "{}", 1)
            for i in range(n)
        )
        t0 = time.perf_counter()
        conn.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?)", rows)
        conn.commit()
        elapsed = time.perf_counter() - t0
        conn.close()
    return n / elapsed


def build_rows(ds: Dataset) -> list[Row]:
    """The demo build rate beside a bare insert rate of the same count."""
    rate = ds.cases / ds.build_seconds
    bare = bare_insert_rate(ds.cases)
    note = "built in this run" if ds.built_now else "cached build"
    rows = [
        Row(
            f"demo build rate, {ds.cases:,} cases",
            rate,
            "cases/s",
            "bare executemany, 1 plain table",
            bare,
            note=note,
        )
    ]
    if ds.cases >= 1_000_000:
        rows.append(
            Row(
                f"demo build time, {ds.cases:,} cases",
                ds.build_seconds,
                "s",
                "bare executemany, same count",
                ds.cases / bare,
                target="< 180 s",
                note=note,
            )
        )
    return rows


def open_rows(ds: Dataset) -> list[Row]:
    """Unlock (Argon2id + open + schema check + login audit) vs opening the plain twin."""
    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.vault import unlock_vault

    def unlock():
        unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD).db.close()

    plain = plain_twin(ds)

    def plain_open():
        conn = sqlite3.connect(plain)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()

    return [
        Row(
            f"unlock + open + schema check, {ds.cases:,}",
            median(timed(unlock, repeat=5)),
            "s",
            "open plain SQLite twin",
            median(timed(plain_open, repeat=5)),
            note="includes Argon2id key unwrap",
        )
    ]


def service_insert_rows(ds: Dataset) -> list[Row]:
    """One case (person + case + audit) through the services vs a raw two-row insert."""
    from models import cases, people
    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.vault import unlock_vault

    opened = unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    db, actor = opened.db, opened.actor
    counter = iter(range(10**9))

    def via_service():
        i = next(counter)
        person = people.create_person(
            db=db,
            actor=actor,
            data={
                "family_name": "Бенчмарков",
                "given_name": f"Тест{i}",
                "phones": ["+996555000000"],
            },
        )
        cases.open_case(
            db=db,
            actor=actor,
            data={"person_id": person.id, "categories": ["registration"], "consent_store": True},
        )

    samples = timed(via_service, repeat=60, warmup=3)
    raw = db.engine.raw_connection()
    drv = raw.driver_connection

    def raw_insert():
        i = next(counter)
        pid = os.urandom(16).hex()
        drv.execute("BEGIN IMMEDIATE")
        drv.execute(
            "INSERT INTO people (id, family_name, given_name, patronymic, latin_name, sex, "
            "phones, rayon, created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,"
            "datetime('now'), datetime('now'), 1)",
            (pid, "Бенчмарков", f"Raw{i}", "", "", "unknown", "[]", ""),
        )
        drv.execute(
            "INSERT INTO cases (id, number, person_id, opened_on, status, risk_level, minor, "
            "consent_store, consent_refer, consent_stats, details, created_at, updated_at, "
            "version) VALUES (?,?,?,date('now'),'new','low',0,1,0,0,'{}',datetime('now'),"
            "datetime('now'),1)",
            (os.urandom(16).hex(), f"RAW-{i}", pid),
        )
        drv.execute("COMMIT")

    raw_samples = timed(raw_insert, repeat=60, warmup=3)
    raw.close()
    db.close()
    return [
        Row(
            "insert one case via services, median",
            median(samples) * 1000,
            "ms",
            "raw INSERT person + case, median",
            median(raw_samples) * 1000,
            note="validation + numbering + audit, synchronous=FULL",
        ),
        Row(
            "insert one case via services, p95",
            p95(samples) * 1000,
            "ms",
            "raw INSERT person + case, p95",
            p95(raw_samples) * 1000,
        ),
    ]


def encryption_rows(ds: Dataset) -> list[Row]:
    """The same queries on the SQLCipher file and on its plain twin (warm, median)."""
    import sqlcipher3

    plain = plain_twin(ds)
    enc = sqlcipher3.connect(str(ds.db_path))
    enc.execute(f"PRAGMA key = \"x'{ds.key().hex()}'\"")
    pla = sqlcipher3.connect(str(plain))  # same SQLite build, no key: no encryption
    for conn in (enc, pla):  # the app's page cache on both sides
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    rows = []
    for label, sql in QUERIES.items():
        reps = 3 if "full scan" in label else 7
        t_enc = median(timed(lambda sql=sql: enc.execute(sql).fetchall(), repeat=reps))
        t_pla = median(timed(lambda sql=sql: pla.execute(sql).fetchall(), repeat=reps))
        rows.append(
            Row(
                f"SQLCipher: {label}, {ds.cases:,}",
                t_enc * 1000,
                "ms",
                "same query, same SQLite build, unencrypted",
                t_pla * 1000,
                target="≤ 1.3×",
            )
        )
    enc.close()
    pla.close()
    return rows


def memory_rows(ds: Dataset) -> list[Row]:
    """Peak RSS of a child that unlocks and queries, vs one that queries the plain twin."""
    plain = plain_twin(ds)
    queries = list(QUERIES.values())
    app_code = f"""
from pathlib import Path
from models.demo import DEMO_PASSWORD, DEMO_USERNAME
from models.vault import unlock_vault
from sqlalchemy import text
opened = unlock_vault(Path({str(ds.vault)!r}), username=DEMO_USERNAME, password=DEMO_PASSWORD)
with opened.db.read() as s:
    for q in {queries!r}:
        s.execute(text(q)).fetchall()
"""
    base_code = f"""
import sqlite3, sqlalchemy, sqlmodel, pydantic
c = sqlite3.connect({str(plain)!r})
c.execute("PRAGMA cache_size = -{CACHE_KIB}")
for q in {queries!r}:
    c.execute(q).fetchall()
"""
    app_rss, _ = child_peak_rss_mib(app_code)
    base_rss, _ = child_peak_rss_mib(base_code)
    return [
        Row(
            f"peak memory: unlock + queries, {ds.cases:,}",
            app_rss,
            "MiB",
            "same queries, plain sqlite3 + same imports",
            base_rss,
            note="includes Argon2id memory",
        )
    ]
