"""The case list's keyset pages, on both stores: every order pages exactly like one query."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from desktop import case_queries as q
from models import cases, people

FAMILIES = ["Үсөнбаев", "Өмүрбекова", "Аңкабаев", "Асанова"]
GIVENS = ["Нурлан", "Гүлнара", "Бакыт"]


@pytest.fixture
def filled(db, actor):
    """25 cases with repeated names, dates, statuses and some empty destinations."""
    rng = random.Random(5)
    for i in range(25):
        person = people.create_person(
            db=db,
            actor=actor,
            data={"family_name": rng.choice(FAMILIES), "given_name": rng.choice(GIVENS)},
        )
        destination = {"destination_country": "ru", "destination_region": "moscow"}
        if i % 3 == 0:
            destination = {}
        cases.open_case(
            db=db,
            actor=actor,
            data={
                "person_id": person.id,
                "consent_store": True,
                "categories": rng.sample(["unpaid_wages", "entry_ban", "fraud"], rng.randint(1, 2)),
                "opened_on": date(2025, 3, 1) + timedelta(days=rng.randint(0, 4)),
                **destination,
            },
        )
    return db


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", q.SORTS)
def test_pages_follow_one_order(filled, sort, descending):
    query = q.CaseListQuery(sort=sort, descending=descending)
    with filled.read() as session:
        whole = q.fetch_page(session, query, after=None, limit=1000)
        paged, after = [], None
        while page := q.fetch_page(session, query, after=after, limit=4):
            paged.extend(page)
            after = page[-1].key
        total = q.count_cases(session, query)
    assert total == len(whole) == 25
    assert [r.id for r in paged] == [r.id for r in whole]


def test_rows_carry_labels_inputs(filled):
    with filled.read() as session:
        rows = q.fetch_page(session, q.CaseListQuery(), after=None, limit=50)
    assert all(r.categories for r in rows)
    assert [r.opened_on for r in rows] == sorted((r.opened_on for r in rows), reverse=True)
    assert {r.assigned_name for r in rows} == {"Coordinator"}


def test_unknown_sort_is_refused(filled):
    with filled.read() as session, pytest.raises(ValueError):
        q.fetch_page(session, q.CaseListQuery(sort="nonsense"), after=None, limit=5)
