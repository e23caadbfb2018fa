"""The SQL behind the statistics: GROUP BY queries over consenting cases, on SQLite and PostgreSQL.

`period_queries(dialect, period)` builds the queries one period needs, `fetch_counts` runs
them in the caller's session and returns a `PeriodCounts` of raw, unprotected counts by
vocabulary code; `fetch_trend` counts new cases per month. Nothing here applies
suppression: `models.stats` does, before anything is published.

Definitions (the same for every output):
- a case counts only when its client consented to statistical use (`consent_stats`);
- *new*: opened in the period; *closed*: closed in the period; *open at the end*: opened by
  the last day and not closed by then; *excluded*: cases without that consent that were
  open at some time in the period;
- tables of new cases count cases opened in the period; a missing value is counted as
  "not_recorded", a code outside its vocabulary as "other";
- forced-labour indicators: the `details["forced_labour_indicators"]` codes of new cases
  with the category forced_labour or trafficking;
- assistance: the `details["assistance"]` codes of new cases, together with the services
  of their referrals that an institution accepted or carried out;
- referrals: letters sent in the period (by `sent_on`), by institution kind and status now.

The queries use the covering indexes of migration 0004, so a period's cases are read as
one index range rather than by random UUID look-ups into the encrypted tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import Select

from models.stats_types import Period
from models.tables import Case, CaseCategory, Institution, Person, Referral
from models.vocab import Vocabularies

NOT_RECORDED = "not_recorded"
OTHER = "other"
FORCED_LABOUR_CATEGORIES = ("forced_labour", "trafficking")
REFERRAL_GIVES_ASSISTANCE = ("accepted", "done")
SENT_REFERRAL_STATUSES_EXCLUDED = ("draft",)

_c = Case.__table__.c
_p = Person.__table__.c
_cc = CaseCategory.__table__.c
_r = Referral.__table__.c
_i = Institution.__table__.c
_cc2 = CaseCategory.__table__.alias("other_category")
ASSISTANCE, INDICATOR = "assistance", "indicator"  # the kinds of codes of the details query


@dataclass
class PeriodCounts:
    """Raw counts of one period by vocabulary code (before any protection)."""

    period: Period
    new: int = 0
    open_at_end: int = 0
    closed: int = 0
    excluded_no_consent: int = 0
    closed_by_reason: Counter = field(default_factory=Counter)
    days_to_close: Counter = field(default_factory=Counter)  # days → cases closed
    new_by_sex: Counter = field(default_factory=Counter)
    category_sex: Counter = field(default_factory=Counter)  # (category, sex)
    age_sex: Counter = field(default_factory=Counter)  # (age band, sex)
    oblast: Counter = field(default_factory=Counter)
    country: Counter = field(default_factory=Counter)
    region: Counter = field(default_factory=Counter)
    sector: Counter = field(default_factory=Counter)
    forced_labour_cases: int = 0
    indicators: Counter = field(default_factory=Counter)
    assistance: Counter = field(default_factory=Counter)
    referrals: Counter = field(default_factory=Counter)  # (institution kind, status)


# --- expressions ------------------------------------------------------------------------


def _consented():
    return _c.consent_stats == true()


def _opened_in(period: Period):
    return and_(_consented(), _c.opened_on.between(period.start, period.end))


def _age_years(dialect: str):
    """The client's age in whole years on the day the case was opened (None if unknown)."""
    if dialect == "postgresql":
        by_date = cast(extract("year", func.age(_c.opened_on, _p.birth_date)), Integer)
        by_year = cast(extract("year", _c.opened_on), Integer) - _p.birth_year
    else:  # dates are ISO text on SQLite
        year_of = lambda col: cast(func.substr(col, 1, 4), Integer)  # noqa: E731
        before_birthday = case(
            (func.substr(_c.opened_on, 6, 5) < func.substr(_p.birth_date, 6, 5), 1), else_=0
        )
        by_date = year_of(_c.opened_on) - year_of(_p.birth_date) - before_birthday
        by_year = year_of(_c.opened_on) - _p.birth_year
    return case(
        (_p.birth_date.is_not(None), by_date),
        (_p.birth_year.is_not(None), by_year),
        else_=None,
    )


def _age_band(dialect: str, vocab: Vocabularies):
    """The age band code of the client when the case was opened ("unknown" without a date)."""
    age = _age_years(dialect)
    whens = []
    for item in vocab["age_band"].items:
        low, high = item.extra.get("min_age"), item.extra.get("max_age")
        if low is None and high is None:
            continue
        test = age >= low if high is None else age.between(low, high)
        whens.append((test, literal(item.code, String)))
    return case(*whens, else_=literal("unknown", String))


def _days_open(dialect: str):
    if dialect == "postgresql":
        return _c.closed_on - _c.opened_on
    return cast(func.julianday(_c.closed_on) - func.julianday(_c.opened_on), Integer)


def _json_codes(dialect: str, column, key: str):
    """A table-valued expression of the strings in the JSON list `column[key]`."""
    if dialect == "postgresql":
        value = column.op("->")(literal_column(f"'{key}'"))
        return func.jsonb_array_elements_text(
            case((func.jsonb_typeof(value) == "array", value), else_=None)
        ).table_valued("value")
    return func.json_each(column, f"$.{key}").table_valued("value")


def _positions(n: int):
    """GROUP BY 1, 2, …: an expression is computed once, not again for the grouping."""
    return [literal_column(str(i)) for i in range(1, n + 1)]


def _forced_labour_case():
    """The case has the category forced_labour or trafficking.

    One EXISTS per code: SQLite 3.51 turns `EXISTS (… code IN (…))` into a join that
    counts a case once per matching code (found by the tests), so it is not used here.
    """
    return or_(
        *(exists().where(_cc.case_id == _c.id, _cc.code == code)
          for code in FORCED_LABOUR_CATEGORIES)
    )  # fmt: skip


# --- the queries of one period ---------------------------------------------------------


def period_queries(dialect: str, period: Period, vocab: Vocabularies) -> dict[str, Select]:
    """The GROUP BY queries one period needs, by name (also timed bare by the bench)."""
    band = _age_band(dialect, vocab)
    people = (
        select(_p.sex, band.label("band"), _p.oblast, func.count())
        .select_from(Case.__table__.join(Person.__table__, _p.id == _c.person_id))
        .where(_opened_in(period))
        .group_by(*_positions(3))
    )
    places = (
        select(_c.destination_country, _c.destination_region, _c.sector, func.count())
        .where(_opened_in(period))
        .group_by(_c.destination_country, _c.destination_region, _c.sector)
    )
    # Categories by sex; for trafficking, also how many of those cases are forced labour
    # too, so the forced-labour case count (either category) needs no pass of its own.
    both = and_(
        _cc.code == FORCED_LABOUR_CATEGORIES[1],
        exists().where(_cc2.c.case_id == _c.id, _cc2.c.code == FORCED_LABOUR_CATEGORIES[0]),
    )
    categories = (
        select(_cc.code, _p.sex, func.count(), func.sum(case((both, 1), else_=0)))
        .select_from(
            Case.__table__.join(CaseCategory.__table__, _cc.case_id == _c.id).join(
                Person.__table__, _p.id == _c.person_id
            )
        )
        .where(_opened_in(period))
        .group_by(_cc.code, _p.sex)
    )

    # What was given (`details["assistance"]` and the services of accepted referrals) and
    # the forced-labour indicators of forced-labour cases, in one read of the details.
    def coded(kind, codes, source, *where):
        """(case, kind, code) for each code of the table-valued `codes` of `source`."""
        return (
            select(
                _c.id.label("case_id"),
                kind.label("kind"),
                cast(codes.c.value, String).label("code"),
            )
            .select_from(source)
            .join(codes, true())
            .where(_opened_in(period), *where)
        )

    assistance, indicator = literal(ASSISTANCE, String), literal(INDICATOR, String)
    from_referrals = coded(
        assistance,
        _referral_services(dialect),
        Case.__table__.join(Referral.__table__, _r.case_id == _c.id),
        # The status is hidden from the planner (coalesce) so that it reads the period's
        # cases and their referrals, not every accepted referral ever written.
        func.coalesce(_r.status, _r.status).in_(REFERRAL_GIVES_ASSISTANCE),
    )
    if dialect == "postgresql":
        from_details = [
            coded(assistance, _json_codes(dialect, _c.details, "assistance"), Case.__table__),
            coded(
                indicator,
                _json_codes(dialect, _c.details, "forced_labour_indicators"),
                Case.__table__,
                _forced_labour_case(),
            ),
        ]
    else:  # SQLite: one walk over each case's (small) details; forced labour tested last
        tree = func.json_tree(_c.details).table_valued("path", "type", "value")
        kind = case((tree.c.path == "$.assistance", assistance), else_=indicator)
        # SQLite quotes a key with "_" in a path; older versions did not.
        indicators = ["$.forced_labour_indicators", '$."forced_labour_indicators"']
        from_details = [
            coded(
                kind,
                tree,
                Case.__table__,
                tree.c.type == "text",
                or_(
                    tree.c.path == "$.assistance",
                    and_(tree.c.path.in_(indicators), _forced_labour_case()),
                ),
            )
        ]
    given = union_all(*from_details, from_referrals).subquery("given")
    details = select(given.c.kind, given.c.code, func.count(distinct(given.c.case_id))).group_by(
        given.c.kind, given.c.code
    )
    referrals = (
        select(_i.kind, _r.status, func.count())
        .select_from(
            Referral.__table__.join(Institution.__table__, _i.id == _r.institution_id).join(
                Case.__table__, _c.id == _r.case_id
            )
        )
        .where(
            _consented(),
            _r.sent_on.between(period.start, period.end),
            _r.status.not_in(SENT_REFERRAL_STATUSES_EXCLUDED),
        )
        .group_by(_i.kind, _r.status)
    )
    days = _days_open(dialect)
    closed = (
        select(_c.closure_reason, days, func.count())
        .where(_consented(), _c.closed_on.between(period.start, period.end))
        .group_by(*_positions(2))
    )
    active = and_(
        _c.opened_on <= period.end, or_(_c.closed_on.is_(None), _c.closed_on >= period.start)
    )
    still_open = and_(_consented(), or_(_c.closed_on.is_(None), _c.closed_on > period.end))
    standing = select(
        func.coalesce(func.sum(case((still_open, 1), else_=0)), 0),
        func.coalesce(func.sum(case((_consented(), 0), else_=1)), 0),
    ).where(active)
    return {
        "people": people,
        "places": places,
        "categories": categories,
        "details": details,
        "referrals": referrals,
        "closed": closed,
        "standing": standing,
    }


def _referral_services(dialect: str):
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(
            case((func.jsonb_typeof(_r.services) == "array", _r.services), else_=None)
        ).table_valued("value")
    return func.json_each(_r.services).table_valued("value")


def trend_query(months: tuple[Period, ...]) -> Select:
    """New (consenting) cases per opening day over the trend's months."""
    return (
        select(_c.opened_on, func.count())
        .where(_consented(), _c.opened_on.between(months[0].start, months[-1].end))
        .group_by(_c.opened_on)
    )


# --- running them -----------------------------------------------------------------------


class _Codes:
    """Maps stored codes to table rows: None → not_recorded, unlisted → other."""

    def __init__(self, vocab: Vocabularies) -> None:
        self.vocab = vocab

    def __call__(self, name: str, code: object, *, missing: str = NOT_RECORDED) -> str:
        if code is None or code == "":
            return missing
        if code in self.vocab[name]:
            return str(code)
        return OTHER

    def sex(self, code: object) -> str:
        """A sex code; anything unlisted or missing is "unknown"."""
        return str(code) if isinstance(code, str) and code in self.vocab["sex"] else "unknown"

    def known(self, name: str, code: object) -> str | None:
        """The code when its vocabulary lists it, else None (for checklists)."""
        return str(code) if isinstance(code, str) and code in self.vocab[name] else None


def fetch_counts(session, period: Period, vocab: Vocabularies) -> PeriodCounts:
    """Run one period's queries in `session` and gather the raw counts by code."""
    dialect = session.get_bind().dialect.name
    queries = period_queries(dialect, period, vocab)
    code = _Codes(vocab)
    out = PeriodCounts(period=period)
    run = lambda name: session.execute(queries[name]).all()  # noqa: E731
    for sex, band, oblast, n in run("people"):
        sex = code.sex(sex)
        out.new += n
        out.new_by_sex[sex] += n
        out.age_sex[(band, sex)] += n
        out.oblast[code("oblast", oblast)] += n
    for country, region, sector, n in run("places"):
        out.country[code("country", country)] += n
        out.region[code("region", region)] += n
        out.sector[code("sector", sector)] += n
    both = 0
    for category, sex, n, with_forced in run("categories"):
        sex = code.sex(sex)
        out.category_sex[(code("category", category, missing=OTHER), sex)] += n
        if category in FORCED_LABOUR_CATEGORIES:
            out.forced_labour_cases += n
            both += int(with_forced or 0)
    out.forced_labour_cases -= both  # cases with both categories were counted twice
    for kind, value, n in run("details"):
        if kind == INDICATOR:
            known = code.known("forced_labour_indicator", value)
            if known is not None:
                out.indicators[known] += n
        else:
            known = code.known("assistance", value)
            if known is not None:
                out.assistance[known] += n
    for kind, status, n in run("referrals"):
        out.referrals[(code("institution_kind", kind, missing=OTHER),
                       code("referral_status", status, missing=OTHER))] += n  # fmt: skip
    for reason, days, n in run("closed"):
        out.closed += n
        out.closed_by_reason[code("closure_reason", reason)] += n
        out.days_to_close[max(int(days or 0), 0)] += n
    still_open, excluded = session.execute(queries["standing"]).one()
    out.open_at_end, out.excluded_no_consent = int(still_open), int(excluded)
    return out


def fetch_trend(session, months: tuple[Period, ...]) -> dict[str, int]:
    """New consenting cases per month key ("2026-10") over `months`."""
    per_month = {m.key: 0 for m in months}
    for opened_on, n in session.execute(trend_query(months)).all():
        day = opened_on if isinstance(opened_on, date) else date.fromisoformat(str(opened_on))
        per_month[f"{day.year:04d}-{day.month:02d}"] += n
    return per_month
