"""The case list's keyset pages, on both stores: every order and filter pages like one query."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop import case_queries as q
from models import cases, people, timeline
from models.actor import Actor
from models.tables import User

FAMILIES = ["Үсөнбаев", "Өмүрбекова", "Аңкабаев", "Асанова"]
GIVENS = ["Нурлан", "Гүлнара", "Бакыт"]
TODAY = date(2025, 6, 1)
STATUSES = ["new", "in_progress", "referred"]
CATEGORIES = ["unpaid_wages", "entry_ban", "fraud"]
PLACES = [("ru", "moscow"), ("ru", None), ("kz", "almaty"), (None, None)]
OBLASTS = ["osh_oblast", "naryn", None]


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


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the test made one case with: the truth every filter is checked against."""

    id: uuid.UUID
    status: str
    categories: frozenset[str]
    country: str | None
    region: str | None
    oblast: str | None
    assignee: str  # a user's hex id, or "unassigned"
    created_by: str
    opened_on: date
    overdue: bool


@dataclass
class World:
    """The filled database, its users and the facts of each case."""

    db: object
    coordinator: Actor
    volunteer: Actor
    facts: list[Facts]


@pytest.fixture
def world(db, actor) -> World:
    """36 cases over every filter's values: statuses, categories, places, oblasts,
    assignees (the coordinator, a volunteer, nobody), dates and open/done/future follow-ups."""
    volunteer_user = User(username="volunteer", display_name="Volunteer", role="volunteer")
    with db.write() as session:
        session.add(volunteer_user)
    volunteer = Actor(user_id=volunteer_user.id, username="volunteer", role="volunteer")
    rng = random.Random(11)
    facts = []
    for i in range(36):
        oblast = OBLASTS[i % 3]
        person = people.create_person(
            db=db,
            actor=actor,
            data={"family_name": rng.choice(FAMILIES), "given_name": rng.choice(GIVENS),
                  "oblast": oblast},
        )  # fmt: skip
        country, region = PLACES[i % 4]
        assignee = [actor.user_id, volunteer.user_id, None][rng.randrange(3)]
        by = volunteer if (i % 5 == 0) else actor
        categories = rng.sample(CATEGORIES, rng.randint(1, 2))
        case = cases.open_case(
            db=db,
            actor=by,
            data={
                "person_id": person.id,
                "consent_store": True,
                "categories": categories,
                "opened_on": TODAY - timedelta(days=rng.randint(0, 60)),
                "destination_country": country,
                "destination_region": region,
                "assigned_user_id": assignee,
            },
        )
        if assignee is None:  # a new case goes to its author unless someone else is named
            case = cases.update_case(
                db=db, actor=actor, case_id=case.id, version=case.version,
                data={"assigned_user_id": None},
            )  # fmt: skip
        status = STATUSES[rng.randrange(3)]
        if status != "new":
            cases.change_status(
                db=db, actor=actor, case_id=case.id, version=case.version, data={"status": status}
            )
        overdue = False
        for days, done in rng.sample([(-3, False), (-10, True), (5, False)], rng.randint(0, 2)):
            follow = timeline.add_follow_up(
                db=db,
                actor=actor,
                case_id=case.id,
                data={"title": "Call back", "due_on": TODAY + timedelta(days=days)},
            )
            if done:
                timeline.complete_follow_up(
                    db=db, actor=actor, follow_up_id=follow.id, version=follow.version,
                    done_on=TODAY - timedelta(days=1),
                )  # fmt: skip
            overdue = overdue or (days < 0 and not done)
        facts.append(
            Facts(
                id=case.id,
                status=status,
                categories=frozenset(categories),
                country=country,
                region=region,
                oblast=oblast,
                assignee=assignee.hex if assignee else q.UNASSIGNED,
                created_by=by.user_id.hex,
                opened_on=case.opened_on,
                overdue=overdue,
            )
        )
    return World(db, actor, volunteer, facts)


def matches(f: q.CaseFilter, c: Facts, viewer: Actor) -> bool:
    """The filter's meaning, written plainly in Python."""
    me = viewer.user_id.hex
    if viewer.role == "volunteer" and me not in (c.assignee, c.created_by):
        return False
    assignees = {me if a == q.ASSIGNED_ME else a for a in f.assignees}
    return (
        (not f.statuses or c.status in f.statuses)
        and (not f.categories or bool(f.categories & c.categories))
        and (not (f.countries or f.regions) or c.country in f.countries or c.region in f.regions)
        and (not f.oblasts or c.oblast in f.oblasts)
        and (not f.assignees or c.assignee in assignees)
        and (f.opened_from is None or c.opened_on >= f.opened_from)
        and (f.opened_to is None or c.opened_on <= f.opened_to)
        and (not f.overdue or c.overdue)
    )


def read_all(db, query: q.CaseListQuery, limit: int, walk: bool | None = None) -> list[q.CaseRow]:
    with db.read() as session:
        rows, after = [], None
        while page := q.fetch_page(session, query, after=after, limit=limit, walk=walk):
            rows.extend(page)
            after = page[-1].key
    return rows


ONE_FILTER = [
    q.CaseFilter(statuses=frozenset({"in_progress"})),
    q.CaseFilter(statuses=frozenset({"new", "referred"})),
    q.CaseFilter(categories=frozenset({"fraud"})),
    q.CaseFilter(categories=frozenset({"fraud", "entry_ban"})),
    q.CaseFilter(countries=frozenset({"ru"})),
    q.CaseFilter(regions=frozenset({"almaty"})),
    q.CaseFilter(countries=frozenset({"kz"}), regions=frozenset({"moscow"})),
    q.CaseFilter(oblasts=frozenset({"naryn"})),
    q.CaseFilter(assignees=frozenset({q.ASSIGNED_ME})),
    q.CaseFilter(assignees=frozenset({q.UNASSIGNED})),
    q.CaseFilter(opened_from=TODAY - timedelta(days=20)),
    q.CaseFilter(opened_from=TODAY - timedelta(days=40), opened_to=TODAY - timedelta(days=10)),
    q.CaseFilter(overdue=True),
]


@pytest.mark.parametrize("filters", ONE_FILTER, ids=lambda f: str(f))
def test_each_filter_keeps_exactly_its_cases(world, filters):
    query = q.CaseListQuery(filters=filters, viewer=world.coordinator, today=TODAY)
    expected = {c.id for c in world.facts if matches(filters, c, world.coordinator)}
    assert expected, "the fixture should give every filter something to find"
    assert len(expected) < len(world.facts)
    with world.db.read() as session:
        assert q.count_cases(session, query) == len(expected)
    assert {r.id for r in read_all(world.db, query, limit=50)} == expected


@pytest.mark.parametrize("sort", sorted(q.INDEXED_SORTS))
def test_a_case_in_two_chosen_categories_shows_once(world, sort):
    filters = q.CaseFilter(categories=frozenset(CATEGORIES))
    both = [c for c in world.facts if len(c.categories) > 1]
    assert both, "some cases have two of the chosen categories"
    query = q.CaseListQuery(sort=sort, filters=filters, viewer=world.coordinator)
    for walk in (False, True):
        ids = [r.id for r in read_all(world.db, query, limit=4, walk=walk)]
        assert len(ids) == len(set(ids)) == len(world.facts)


def test_assignee_filter_names_users(world):
    volunteer = world.volunteer.user_id.hex
    filters = q.CaseFilter(assignees=frozenset({volunteer, q.UNASSIGNED, "not-a-uuid"}))
    query = q.CaseListQuery(filters=filters, viewer=world.coordinator, today=TODAY)
    expected = {c.id for c in world.facts if c.assignee in (volunteer, q.UNASSIGNED)}
    assert {r.id for r in read_all(world.db, query, limit=7)} == expected
    nobody = q.CaseFilter(assignees=frozenset({"not-a-uuid"}))
    with world.db.read() as session:
        assert q.count_cases(session, q.CaseListQuery(filters=nobody)) == 0


def test_volunteer_sees_own_and_assigned_cases_only(world):
    for filters in (q.CaseFilter(), q.CaseFilter(assignees=frozenset({q.ASSIGNED_ME}))):
        query = q.CaseListQuery(filters=filters, viewer=world.volunteer, today=TODAY)
        expected = {c.id for c in world.facts if matches(filters, c, world.volunteer)}
        assert expected
        with world.db.read() as session:
            assert q.count_cases(session, query) == len(expected)
        assert {r.id for r in read_all(world.db, query, limit=5)} == expected
    created_only = {
        c.id for c in world.facts
        if c.created_by == world.volunteer.user_id.hex and c.assignee != c.created_by
    }  # fmt: skip
    assert created_only, "cases a volunteer opened but someone else works on stay visible"


def test_person_scope_lists_one_clients_cases(world):
    first = world.facts[0]
    with world.db.read() as session:
        person_id = session.get(cases.Case, first.id).person_id
        rows = q.fetch_page(session, q.CaseListQuery(person_id=person_id), after=None, limit=10)
    assert [r.id for r in rows] == [first.id]


def test_filter_helpers():
    f = q.CaseFilter(statuses=frozenset({"new"}), overdue=True)
    assert f.active and not q.CaseFilter().active
    assert f.without("statuses") == q.CaseFilter(overdue=True)
    assert f.without("statuses", "overdue") == q.CaseFilter()


def _sets(values: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values), max_size=2)


FILTERS = st.builds(
    q.CaseFilter,
    statuses=_sets(STATUSES),
    categories=_sets(CATEGORIES),
    countries=_sets(["ru", "kz"]),
    regions=_sets(["moscow", "almaty"]),
    oblasts=_sets(["osh_oblast", "naryn"]),
    assignees=_sets([q.ASSIGNED_ME, q.UNASSIGNED]),
    opened_from=st.none() | st.integers(0, 60).map(lambda d: TODAY - timedelta(days=d)),
    opened_to=st.none() | st.integers(0, 60).map(lambda d: TODAY - timedelta(days=d)),
    overdue=st.booleans(),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    filters=FILTERS,
    sort=st.sampled_from(q.SORTS),
    descending=st.booleans(),
    limit=st.integers(1, 7),
    cost=st.sampled_from([1e-6, 1e6]),
    volunteer=st.booleans(),
)
def test_filtered_pages_have_no_gaps_or_repeats(
    world, filters, sort, descending, limit, cost, volunteer
):
    """Any filters, any order, any page size, either way of reading: paging gives each
    matching case exactly once, in the order of reading everything at once; the count
    agrees, and the probe chooses to walk only where the order has an index."""
    viewer = world.volunteer if volunteer else world.coordinator
    query = q.CaseListQuery(
        sort=sort, descending=descending, filters=filters, viewer=viewer, today=TODAY
    )
    expected = {c.id for c in world.facts if matches(filters, c, viewer)}
    whole = read_all(world.db, query, 1000)
    with world.db.read() as session:
        total = q.count_cases(session, query)
    assert len(whole) == total == len(expected)
    assert {r.id for r in whole} == expected
    for walk in (False, True):  # start from the filters, or walk the order's index
        paged = read_all(world.db, query, limit, walk=walk)
        ids = [r.id for r in paged]
        assert ids == [r.id for r in whole]
        assert len(ids) == len(set(ids))
    with world.db.read() as session, patch.object(q, "WALK_COST", cost):
        walks = q.walks_order_index(session, query, page=10)
    if cost < 1:  # walking is cheap: walk whenever the order has an index and cases match
        assert walks is (sort in q.INDEXED_SORTS and bool(expected) and
                         bool(filters.active or volunteer))  # fmt: skip
    else:  # walking is dear: start from the filters
        assert not walks
    if sort != q.SORT_CLIENT:  # names follow the database's collation, not Python's
        keys = [r.key for r in paged]
        assert keys == sorted(keys, key=_comparable, reverse=descending)


def _comparable(key: tuple) -> tuple:
    """A page key as Python compares it (UUIDs by their text, as both stores order them)."""
    return tuple(str(k) if isinstance(k, uuid.UUID) else k for k in key)
