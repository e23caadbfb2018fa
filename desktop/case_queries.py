"""The case list's reads: a count and one page of cases at a time, filtered, in any order.

Pages are read by keyset ("the rows after this one"), not OFFSET, so the thousandth page
costs what the first one does. Each order is a list of key expressions ending with the
case id, which makes every position unique. Nullable keys are coalesced so that the
comparison `(keys) > (last row's keys)` is exact. Filters (`CaseFilter`) and what the
signed-in user may see (`models.permissions.visible_cases`) are plain WHERE conditions
beside the keyset bound, so paging stays exact under any filter. The default order,
newest first by `opened_on`, walks the `ix_cases_opened_on` index; number and status have
indexes too. With filters, a page is read one of two ways (`walks_order_index` decides):
starting from the filters' indexes and sorting what they keep, or walking the order's
index in stretches and testing each case (`walked_page_keys`) when many cases match.
Other orders make the database sort all keys, which on a million cases takes seconds:
the model runs these reads off the UI thread. Categories of a page come in one query for
all its cases. No Qt here: the model in `case_list_model` calls these.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlmodel import Session

from models.actor import Actor
from models.permissions import visible_cases
from models.tables import Case, CaseCategory, FollowUp, Person, User
from models.vocab import default_vocabularies

SORT_NUMBER = "number"
SORT_CLIENT = "client"
SORT_STATUS = "status"
SORT_CATEGORIES = "categories"
SORT_DESTINATION = "destination"
SORT_OPENED = "opened"
SORT_ASSIGNED = "assigned"
SORTS = (
    SORT_NUMBER, SORT_CLIENT, SORT_STATUS, SORT_CATEGORIES, SORT_DESTINATION, SORT_OPENED,
    SORT_ASSIGNED,
)  # fmt: skip

# Orders the database can read from an index (the columns of that index), and how many
# rows a page may walk through (see `walks_order_index`).
ORDER_INDEX_COLUMNS = {
    SORT_NUMBER: frozenset({"number"}),
    SORT_STATUS: frozenset({"status", "opened_on"}),
    SORT_OPENED: frozenset({"opened_on"}),
}
INDEXED_SORTS = frozenset(ORDER_INDEX_COLUMNS)
PAGE_ROWS = 200  # the case list's page size
WALK_COST = 2  # testing a case while walking costs about this many reads from a filter
WALK_CHUNK, MAX_WALK_CHUNK = 500, 8000  # cases read from the order's index at a time
SAMPLE_CASES, SAMPLE_PAGES = 4000, 20  # how many cases `walks_order_index` tests at most

# Special values of `CaseFilter.assignees` besides user UUIDs (as 32 hex digits).
ASSIGNED_ME = "me"
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class CaseFilter:
    """Which cases the list shows: every non-empty field must match (fields are ANDed).

    Within a field, any listed value matches (statuses, categories, oblasts, assignees).
    The destination matches a case whose country is in `countries` or whose region is in
    `regions`. `assignees` holds user UUIDs as hex, `ASSIGNED_ME` (the signed-in user,
    whoever that is) and `UNASSIGNED`. The opened dates are inclusive. `overdue` keeps
    cases with an open follow-up whose due date has passed.
    """

    statuses: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    oblasts: frozenset[str] = frozenset()
    assignees: frozenset[str] = frozenset()
    opened_from: date | None = None
    opened_to: date | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return self != CaseFilter()

    def without(self, *names: str) -> CaseFilter:
        """This filter with the named fields cleared."""
        blank = CaseFilter()
        return replace(self, **{name: getattr(blank, name) for name in names})


@dataclass(frozen=True)
class CaseListQuery:
    """Which cases the list shows and in what order.

    `viewer` is the signed-in user: a volunteer sees only own cases (as the services
    allow), and `ASSIGNED_ME` means them. `person_id` keeps one client's cases (the People
    screen). `today` (default: the date when the query runs) decides which follow-ups are
    overdue.
    """

    sort: str = SORT_OPENED
    descending: bool = True
    filters: CaseFilter = field(default_factory=CaseFilter)
    viewer: Actor | None = None
    person_id: uuid.UUID | None = None
    today: date | None = None


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list; `key` is where the next page starts after it."""

    id: uuid.UUID
    number: str
    family_name: str
    given_name: str
    status: str
    opened_on: date
    destination_country: str | None
    destination_region: str | None
    assigned_name: str | None
    categories: tuple[str, ...]
    key: tuple[Any, ...]


def _sort_keys(sort: str) -> list[ColumnElement]:
    """The ORDER BY expressions of a sort, the case id last (unique, so pages never overlap)."""
    if sort == SORT_NUMBER:
        keys: list[ColumnElement] = [Case.number]
    elif sort == SORT_CLIENT:
        keys = [Person.family_name, Person.given_name]
    elif sort == SORT_STATUS:
        keys = [Case.status, Case.opened_on]  # by code: walks ix_cases_status_opened
    elif sort == SORT_CATEGORIES:
        first = (
            select(func.min(CaseCategory.code))
            .where(CaseCategory.case_id == Case.id)
            .scalar_subquery()
        )
        keys = [func.coalesce(first, "")]
    elif sort == SORT_DESTINATION:
        keys = [
            func.coalesce(Case.destination_country, ""),
            func.coalesce(Case.destination_region, ""),
        ]
    elif sort == SORT_OPENED:
        keys = [Case.opened_on]
    elif sort == SORT_ASSIGNED:
        keys = [func.coalesce(User.display_name, "")]
    else:
        raise ValueError(f"unknown case list sort: {sort!r}")
    return [*keys, Case.id]


def _assignee_condition(
    codes: frozenset[str], viewer: Actor | None, column: Any = Case.assigned_user_id
) -> ColumnElement[bool]:
    """Cases whose `column` (the assignee) is any of `codes` (user hex ids, "me",
    "unassigned")."""
    ids: list[uuid.UUID] = []
    conditions: list[ColumnElement[bool]] = []
    for code in sorted(codes):
        if code == UNASSIGNED:
            conditions.append(column.is_(None))
        elif code == ASSIGNED_ME:
            if viewer is not None and viewer.user_id is not None:
                ids.append(viewer.user_id)
        else:
            try:
                ids.append(uuid.UUID(hex=code))
            except ValueError:
                continue  # a remembered user id that no longer parses matches nobody
    if ids:
        conditions.append(column.in_(sorted(set(ids))))
    return or_(*conditions) if conditions else false()


class _Related(NamedTuple):
    """A filter kept in another table: the case column it matches, the SELECT of the
    matching values, and the same test correlated to one case (for EXISTS)."""

    column: ColumnElement
    matching: Select
    correlated: ColumnElement[bool]


def _related_filters(query: CaseListQuery) -> list[_Related]:
    """The filters set on categories, the client's oblast and overdue follow-ups."""
    f = query.filters
    found: list[_Related] = []
    if f.categories:
        codes = CaseCategory.code.in_(sorted(f.categories))
        found.append(_Related(Case.id, select(CaseCategory.case_id).where(codes),
                              and_(CaseCategory.case_id == Case.id, codes)))  # fmt: skip
    if f.oblasts:
        oblasts = Person.oblast.in_(sorted(f.oblasts))
        found.append(_Related(Case.person_id, select(Person.id).where(oblasts),
                              and_(Person.id == Case.person_id, oblasts)))  # fmt: skip
    if f.overdue:
        today = query.today or date.today()
        due = and_(FollowUp.done_on.is_(None), FollowUp.due_on < today)
        found.append(_Related(Case.id, select(FollowUp.case_id).where(due),
                              and_(FollowUp.case_id == Case.id, due)))  # fmt: skip
    return found


def filter_conditions(query: CaseListQuery, *, walk: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a query: what the viewer may see, then each filter set.

    Filters kept in other tables (categories, the client's oblast, overdue follow-ups)
    never join, so case rows are never multiplied. By default every filter lets the
    database start from its index (right for counting, for few matches, and for orders
    it must sort anyway): other tables are `IN (SELECT …)`. With `walk` they are
    `EXISTS (…)` tests and the filtered columns outside the order's index are hidden from
    the planner (`coalesce(c, c)`), so that it tests given cases one by one instead of
    starting from a filter's index (`walked_page_keys`, when many cases match).
    """
    f = query.filters
    ordered = ORDER_INDEX_COLUMNS.get(query.sort, frozenset()) if walk else frozenset()

    def col(column: Any) -> Any:
        return column if not walk or column.key in ordered else func.coalesce(column, column)

    where: list[ColumnElement[bool]] = []
    if query.viewer is not None:
        where += visible_cases(query.viewer)
    if query.person_id is not None:
        where.append(Case.person_id == query.person_id)
    if f.statuses:
        where.append(col(Case.status).in_(sorted(f.statuses)))
    destination = []
    if f.countries:
        destination.append(col(Case.destination_country).in_(sorted(f.countries)))
    if f.regions:
        destination.append(col(Case.destination_region).in_(sorted(f.regions)))
    if destination:
        where.append(or_(*destination))
    if f.assignees:
        where.append(_assignee_condition(f.assignees, query.viewer, col(Case.assigned_user_id)))
    if f.opened_from is not None:
        where.append(col(Case.opened_on) >= f.opened_from)
    if f.opened_to is not None:
        where.append(col(Case.opened_on) <= f.opened_to)
    for related in _related_filters(query):
        if walk:
            # LIMIT 1: SQLite 3.51 otherwise repeats a case once per matching category
            # when the test has an IN list on the second column of the probed index.
            probe = select(literal_column("1")).where(related.correlated).limit(1)
            where.append(probe.correlate(Case).exists())
        else:
            where.append(related.column.in_(related.matching))
    return where


def _probe(session: Session, matching: Select, cap: int) -> int:
    """How many rows `matching` gives, counting no further than `cap`."""
    capped = select(func.count()).select_from(matching.limit(cap).subquery())
    return int(session.execute(capped).scalar_one())


def _stretch(query: CaseListQuery, after: tuple[Any, ...] | None, size: int):
    """The next `size` cases in the query's order after `after` (a subquery of their sort
    keys), read from the order's index with only the filters that index answers, so no
    planner can prefer another index and sort everything."""
    keys = _sort_keys(query.sort)
    stretch = select(*keys).select_from(Case).where(*_seek_conditions(query))
    if after is not None:
        stretch = stretch.where(after_condition(keys, after, query.descending))
    return stretch.order_by(*_ordered(keys, query.descending)).limit(size).subquery("walked")


def _kept(walked, query: CaseListQuery) -> Select:
    """The cases of a stretch that match every filter (tested one by one)."""
    return (
        select(*walked.c)
        .select_from(walked.join(Case, Case.id == walked.c.id))
        .where(*filter_conditions(query, walk=True))
    )


def _sample_matches(session: Session, query: CaseListQuery, sample: int) -> int:
    """How many of the first `sample` cases in the query's order match its filters.

    Tested as `walked_page_keys` tests a stretch: the cost is `sample` tests, however
    rare or common the matches are.
    """
    kept = _kept(_stretch(query, None, sample), query).subquery("kept")
    return int(session.execute(select(func.count()).select_from(kept)).scalar_one())


def _starting_points(query: CaseListQuery) -> list[Select]:
    """For each filter the database can start from (it has an index), the SELECT of
    what that filter alone keeps (index-only where possible, for cheap capped counts)."""
    f = query.filters
    one = literal_column("1")
    starts: list[Select] = []
    if query.person_id is not None:
        starts.append(select(one).select_from(Case).where(Case.person_id == query.person_id))
    if f.statuses:
        starts.append(select(one).select_from(Case).where(Case.status.in_(sorted(f.statuses))))
    if f.countries and not f.regions:  # regions have no index
        countries = Case.destination_country.in_(sorted(f.countries))
        starts.append(select(one).select_from(Case).where(countries))
    if f.assignees:
        assignee = _assignee_condition(f.assignees, query.viewer)
        starts.append(select(one).select_from(Case).where(assignee))
    if f.opened_from is not None or f.opened_to is not None:
        low, high = f.opened_from or date.min, f.opened_to or date.max
        starts.append(select(one).select_from(Case).where(Case.opened_on.between(low, high)))
    starts += [item.matching for item in _related_filters(query)]
    return starts


def walks_order_index(session: Session, query: CaseListQuery, *, page: int = PAGE_ROWS) -> bool:
    """Whether pages are best read by walking the order's index (`walked_page_keys`).

    Walking tests about `page × sample ÷ matches` cases per page, where `matches` is how
    many of a sample of the first cases in the order match (`_sample_matches`).
    Starting from a filter reads every case that filter keeps and sorts the matches, for
    each page: the narrowest filter with an index decides (`_starting_points`, counted
    from their indexes and capped, so each costs at most what walking would). Testing a
    case costs about `WALK_COST` times reading one from a filter. The whole decision
    costs about as much as reading one page, never a count of the matches (which, with
    a common filter such as a category, means looking up a large share of all cases).
    """
    if query.sort not in INDEXED_SORTS or not filter_conditions(query):
        return False
    sample = min(SAMPLE_CASES, max(page, 1) * SAMPLE_PAGES)
    matches = _sample_matches(session, query, sample)
    if not matches:
        return False
    walked = math.ceil(WALK_COST * page * sample / matches)
    return all(_probe(session, start, walked) >= walked for start in _starting_points(query))


def count_cases(session: Session, query: CaseListQuery) -> int:
    """How many cases the list holds (those the viewer may see that match the filters)."""
    stmt = select(func.count()).select_from(Case).where(*filter_conditions(query))
    return int(session.execute(stmt).scalar_one())


def after_condition(
    keys: list[ColumnElement], values: tuple[Any, ...], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (the keyset bound of a page)."""
    bound = [literal(v, type_=k.type) for k, v in zip(keys, values, strict=True)]
    if descending:
        # The redundant first-key bound lets the database range-scan an index on it.
        return and_(keys[0] <= bound[0], tuple_(*keys) < tuple_(*bound))
    return and_(keys[0] >= bound[0], tuple_(*keys) > tuple_(*bound))


def _categories(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    """Category codes of some cases (one query), each in vocabulary order."""
    if not ids:
        return {}
    rank = {c: i for i, c in enumerate(default_vocabularies()["category"].codes)}
    found: dict[uuid.UUID, list[str]] = {}
    stmt = select(CaseCategory.case_id, CaseCategory.code).where(CaseCategory.case_id.in_(ids))
    for case_id, code in session.execute(stmt):
        found.setdefault(case_id, []).append(code)
    return {
        case_id: tuple(sorted(codes, key=lambda c: (rank.get(c, len(rank)), c)))
        for case_id, codes in found.items()
    }


def page_keys_statement(
    query: CaseListQuery, *, after: tuple[Any, ...] | None, limit: int
) -> Select:
    """The SELECT of the next page's sort keys (case id last); joins only what it sorts by.

    The database starts from the filters' indexes (or the order's index when it likes).
    """
    keys = _sort_keys(query.sort)
    stmt = select(*keys).select_from(Case).where(*filter_conditions(query))
    if query.sort == SORT_CLIENT:
        stmt = stmt.join(Person, Person.id == Case.person_id)
    elif query.sort == SORT_ASSIGNED:
        stmt = stmt.outerjoin(User, User.id == Case.assigned_user_id)
    if after is not None:
        stmt = stmt.where(after_condition(keys, after, query.descending))
    return stmt.order_by(*_ordered(keys, query.descending)).limit(limit)


def _ordered(keys: list[ColumnElement], descending: bool) -> list[ColumnElement]:
    return [k.desc() if descending else k.asc() for k in keys]


def _seek_conditions(query: CaseListQuery) -> list[ColumnElement[bool]]:
    """The filters the order's own index answers (a status, an opened-date range)."""
    f, columns = query.filters, ORDER_INDEX_COLUMNS.get(query.sort, frozenset())
    where: list[ColumnElement[bool]] = []
    if "status" in columns and f.statuses:
        where.append(Case.status.in_(sorted(f.statuses)))
    if "opened_on" in columns and f.opened_from is not None:
        where.append(Case.opened_on >= f.opened_from)
    if "opened_on" in columns and f.opened_to is not None:
        where.append(Case.opened_on <= f.opened_to)
    return where


def walked_page_keys(
    session: Session, query: CaseListQuery, *, after: tuple[Any, ...] | None, limit: int
) -> list[tuple[Any, ...]]:
    """The next page's sort keys, found by walking the order's index in stretches.

    Each stretch is the next run of cases in the order (`_stretch`); the other filters
    then keep what they match among that stretch (`_kept`). Stretches grow until the
    page is full or the cases run out. Only for `INDEXED_SORTS`.
    """
    found: list[tuple[Any, ...]] = []
    position, size = after, WALK_CHUNK
    while len(found) < limit:
        walked = _stretch(query, position, size)
        kept = (
            _kept(walked, query)
            .order_by(*_ordered(list(walked.c), query.descending))
            .limit(limit - len(found))
        )
        found += [tuple(row) for row in session.execute(kept)]
        # The stretch's last case, read through the stretch itself (on its own, the
        # planner may choose to sort every case before the bound to find one row).
        last = select(*walked.c).order_by(*_ordered(list(walked.c), query.descending))
        end = session.execute(last.offset(size - 1).limit(1)).first()
        if end is None:  # the stretch held the last cases
            break
        position, size = tuple(end), min(size * 2, MAX_WALK_CHUNK)
    return found


def fetch_page(
    session: Session,
    query: CaseListQuery,
    *,
    after: tuple[Any, ...] | None,
    limit: int,
    walk: bool | None = None,
) -> list[CaseRow]:
    """Up to `limit` cases in the query's order, starting after the row whose key is `after`.

    Two steps keep sorting cheap on large databases: the database orders only the sort
    keys, then the page's columns are read for its (at most `limit`) case ids. `walk`
    is `walks_order_index(session, query)` (probed when None; callers reading several
    pages of one query probe once).
    """
    if walk is None:
        walk = walks_order_index(session, query, page=limit)
    if walk and query.sort in INDEXED_SORTS:
        keys = walked_page_keys(session, query, after=after, limit=limit)
    else:
        stmt = page_keys_statement(query, after=after, limit=limit)
        keys = [tuple(row) for row in session.execute(stmt)]
    ids = [key[-1] for key in keys]
    if not ids:
        return []
    stmt = (
        select(
            Case.id,
            Case.number,
            Person.family_name,
            Person.given_name,
            Case.status,
            Case.opened_on,
            Case.destination_country,
            Case.destination_region,
            User.display_name,
        )
        .select_from(Case)
        .join(Person, Person.id == Case.person_id)
        .outerjoin(User, User.id == Case.assigned_user_id)
        .where(Case.id.in_(ids))
    )
    found = {row[0]: row for row in session.execute(stmt)}
    categories = _categories(session, ids)
    rows = []
    for key in keys:
        row = found.get(key[-1])
        if row is None:  # deleted between the two reads
            continue
        rows.append(
            CaseRow(
                id=row[0],
                number=row[1],
                family_name=row[2] or "",
                given_name=row[3] or "",
                status=row[4],
                opened_on=row[5],
                destination_country=row[6],
                destination_region=row[7],
                assigned_name=row[8],
                categories=categories.get(row[0], ()),
                key=key,
            )
        )
    return rows
