"""The outgoing register under load: people issuing letters at the same moment on PostgreSQL.

Every letter gets its own number, numbers run without gaps (a save that fails gives its
number back, since it was never issued), none is ever given twice, and the audit log
stays one chain. Two separate connection pools stand for two office computers.
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

from models import audit, cases, people
from models.actor import Actor
from models.audit import verify_chain
from models.db import open_url
from models.letters import MissingLetterValues
from models.tables import Attachment, AuditEntry, Counter, Institution, Referral, User
from reports.referral_letter import issue_letter

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


def setup_case(db, actor, *, employer: str = "ООО «Восток-Строй»"):
    person = people.create_person(db=db, actor=actor, data={"family_name": "Үсөнов"})
    case = cases.open_case(
        db=db,
        actor=actor,
        data={
            "person_id": person.id,
            "categories": ["unpaid_wages"],
            "consent_store": True,
            "consent_refer": True,
            "employer_name": employer,
        },
    )
    institution = Institution(kind="labour_inspectorate", name_ru="Инспекция труда")
    with db.write() as session:
        session.add(institution)
    return case, institution


def letter(case, institution) -> dict:
    return {
        "case_id": case.id,
        "institution_id": institution.id,
        "template": "wage_complaint",
        "language": "ru",
        "reason": "Зарплату не выплачивают.",
        "disclosed": ["full_name", "employer"],
    }


def second_user(db, actor) -> Actor:
    user = User(username="caseworker", display_name="Caseworker", role="caseworker")
    with db.write() as session:
        session.add(user)
        session.flush()
        audit.record(session, actor=actor, action="create", entity="user", entity_id=user.id)
    return Actor(user_id=user.id, username=user.username, role=user.role)


def serials(results) -> list[int]:
    return sorted(value.register_serial for kind, value in results if kind == "ok")


def test_two_computers_issuing_at_once_get_distinct_gapless_numbers(vault, pg_url):
    db, actor = vault.db, vault.actor
    other_db = open_url(pg_url)  # a second computer: its own connection pool
    try:
        other = second_user(db, actor)
        case, institution = setup_case(db, actor)
        issued: list[Referral] = []
        for round_ in range(3):
            calls = [
                (lambda d=(db if i % 2 else other_db), a=(actor if i % 2 else other): issue_letter(
                    db=d, actor=a, data=letter(case, institution)
                ))
                for i in range(THREADS)
            ]  # fmt: skip
            results = all_at_once(calls)
            assert [kind for kind, _ in results] == ["ok"] * THREADS, results
            start = round_ * THREADS + 1
            assert serials(results) == list(range(start, start + THREADS))
            issued += [value for _, value in results]
        numbers = [r.register_number for r in issued]
        assert len(set(numbers)) == len(numbers) == 3 * THREADS
        assert all(n == f"{r.register_serial}/{YEAR}" for n, r in zip(numbers, issued, strict=True))
        with db.read() as s:
            assert s.get(Counter, f"register:{YEAR}").value == 3 * THREADS
            stored = s.exec(select(Referral.register_number)).all()
            pdfs = s.scalar(select(func.count()).select_from(Attachment))
            report = verify_chain(s)
            entries = s.scalar(select(func.count()).select_from(AuditEntry))
        assert sorted(stored) == sorted(numbers) and pdfs == 3 * THREADS
        assert report.ok and report.checked == entries
    finally:
        other_db.close()


def test_failed_saves_among_concurrent_ones_leave_no_gap(vault):
    db, actor = vault.db, vault.actor
    good_case, institution = setup_case(db, actor)
    bad_case, _ = setup_case(db, actor, employer="")  # the letter needs the employer
    calls = [
        (lambda c=(bad_case if i % 3 == 0 else good_case): issue_letter(
            db=db, actor=actor, data=letter(c, institution)
        ))
        for i in range(THREADS)
    ]  # fmt: skip
    results = all_at_once(calls)
    failures = [value for kind, value in results if kind == "error"]
    assert len(failures) == 3 and all(isinstance(f, MissingLetterValues) for f in failures)
    assert serials(results) == list(range(1, THREADS - 3 + 1))
    # The next letter continues the register right after the last one issued.
    after = issue_letter(db=db, actor=actor, data=letter(good_case, institution))
    assert after.register_serial == THREADS - 3 + 1
    with db.read() as s:
        assert verify_chain(s).ok
