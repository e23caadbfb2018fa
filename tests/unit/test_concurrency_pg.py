"""Several people saving at the same moment on a shared PostgreSQL server.

Case numbers must never repeat or skip, a stale edit must be refused rather than
overwrite someone's work, and the audit log must stay one unbroken chain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import cases, people, timeline
from models.audit import verify_chain
from models.errors import StaleEditError
from models.tables import AuditEntry, Case

# Only the PostgreSQL variant of conftest's `vault` fixture (skipped without a server).
pytestmark = pytest.mark.parametrize("vault", ["postgresql"], indirect=True)

THREADS = 8
YEAR = date.today().year


def all_at_once(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; return ('ok', value) or ('error', exc)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        try:
            return "ok", call()
        except Exception as exc:
            return "error", exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def chain_ok(db) -> None:
    with db.read() as s:
        report = verify_chain(s)
        count = s.scalar(select(func.count()).select_from(AuditEntry))
        seqs = list(s.exec(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert report.ok, report
    assert report.checked == count
    assert seqs == list(range(1, count + 1))


def new_case(db, actor, person_id):
    return lambda: cases.open_case(
        db=db,
        actor=actor,
        data={"person_id": person_id, "categories": ["unpaid_wages"], "consent_store": True},
    )


def test_simultaneous_cases_get_distinct_consecutive_numbers(vault):
    db, actor = vault.db, vault.actor
    person = people.create_person(db=db, actor=actor, data={"family_name": "Жээнбеков"})
    for round_ in range(3):
        results = all_at_once([new_case(db, actor, person.id) for _ in range(THREADS)])
        assert [kind for kind, _ in results] == ["ok"] * THREADS, results
        serials = sorted(int(case.number.rsplit("-", 1)[1]) for _, case in results)
        start = round_ * THREADS + 1
        assert serials == list(range(start, start + THREADS))
        assert all(case.number.startswith(f"KG-{YEAR}-") for _, case in results)
    with db.read() as s:
        numbers = list(s.exec(select(Case.number)))
    assert len(numbers) == len(set(numbers)) == 3 * THREADS
    chain_ok(db)


def test_concurrent_stale_updates_let_exactly_one_through(vault):
    db, actor = vault.db, vault.actor
    person = people.create_person(db=db, actor=actor, data={"family_name": "Асанов"})
    case = new_case(db, actor, person.id)()
    for version in range(1, 6):
        employers = [f"Employer {version}-{i}" for i in range(2)]
        results = all_at_once(
            [
                lambda name=name, version=version: cases.update_case(
                    db=db,
                    actor=actor,
                    case_id=case.id,
                    version=version,
                    data={"employer_name": name},
                )
                for name in employers
            ]
        )
        winners = [value for kind, value in results if kind == "ok"]
        losers = [value for kind, value in results if kind == "error"]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], StaleEditError)
        with db.read() as s:
            stored = s.get(Case, case.id)
            assert stored.version == version + 1
            assert stored.employer_name == winners[0].employer_name
    # Status changes race the same way: one moves the case, the other is told to reload.
    results = all_at_once(
        [
            lambda status=status: cases.change_status(
                db=db, actor=actor, case_id=case.id, version=6, data={"status": status}
            )
            for status in ("in_progress", "referred")
        ]
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert all(isinstance(v, StaleEditError) for kind, v in results if kind == "error")
    chain_ok(db)


def test_audit_chain_survives_mixed_concurrent_writes(vault):
    db, actor = vault.db, vault.actor
    person = people.create_person(db=db, actor=actor, data={"family_name": "Токтогулов"})
    case = new_case(db, actor, person.id)()
    calls: list[Callable[[], Any]] = []
    for i in range(THREADS):
        if i % 3 == 0:
            calls.append(new_case(db, actor, person.id))
        elif i % 3 == 1:
            calls.append(
                lambda i=i: timeline.add_event(
                    db=db, actor=actor, case_id=case.id, data={"text": f"Звонок {i}"}
                )
            )
        else:
            calls.append(
                lambda i=i: people.create_person(
                    db=db, actor=actor, data={"given_name": f"Клиент {i}"}
                )
            )
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    for _ in range(3):
        results = all_at_once(calls)
        assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    with db.read() as s:
        after = s.scalar(select(func.count()).select_from(AuditEntry))
    assert after - before == 3 * THREADS
    chain_ok(db)
