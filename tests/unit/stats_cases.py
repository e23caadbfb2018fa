"""Synthetic case sets for the statistics tests: a hypothesis strategy, a direct count, a loader.

`FakeCase` holds what statistics read plus the identifiers that must never reach an
export. `case_sets()` draws small, lumpy sets (many small cells), `direct_counts()` counts
them in plain Python straight from the definitions in `models.stats_queries` (the
reference the SQL must match), and `load()` writes them into a test database.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import strategies as st
from sqlalchemy import delete

from models.stats_queries import FORCED_LABOUR_CATEGORIES, NOT_RECORDED, OTHER, PeriodCounts
from models.stats_types import Period
from models.tables import Case, CaseCategory, Institution, Person, Referral
from models.vocab import default_vocabularies

VOCAB = default_vocabularies()
CATEGORIES = ("registration", "unpaid_wages", "entry_ban", "forced_labour", "trafficking",
              "health", "fraud")  # fmt: skip
REGIONS = {"ru": ("moscow", "kazan", "other_ru"), "kz": ("almaty", "astana")}
INDICATORS = VOCAB["forced_labour_indicator"].codes[:5]
ASSISTANCE = ("information", "legal_aid", "shelter", "medical")
KINDS = ("embassy", "consulate", "ombudsman", "ngo_legal_aid")
STATUSES = ("sent", "accepted", "declined", "done", "draft", "revoked")
# Names drawn for clients: long enough that a hit in an export is not an accident.
FAMILY = ("Асанбекова", "Токтогулов", "Жээнбеков", "Сыдыкова", "Маматкеримов", "Исмаилова")
GIVEN = ("Нурайым", "Бактыгүл", "Эрмекбек", "Айзирек", "Төлөгөн", "Чынара")
PATRONYMIC = ("Асанбековна", "Токтосунович", "Жолдошбековна", "Мукашевич")


@dataclass
class FakeReferral:
    kind: str
    status: str
    sent_on: date | None
    services: list[str]


@dataclass
class FakeCase:
    opened_on: date
    closed_on: date | None
    closure_reason: str | None
    consent: bool
    sex: str
    birth_date: date | None
    birth_year: int | None
    oblast: str | None
    country: str | None
    region: str | None
    sector: str | None
    categories: list[str]
    indicators: list[str]
    assistance: list[str]
    referrals: list[FakeReferral] = field(default_factory=list)
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    latin_name: str = ""
    phones: list[str] = field(default_factory=list)
    number: str = ""


def _age(c: FakeCase) -> int | None:
    o = c.opened_on
    if c.birth_date is not None:
        b = c.birth_date
        return o.year - b.year - ((o.month, o.day) < (b.month, b.day))
    if c.birth_year is not None:
        return o.year - c.birth_year
    return None


def _band(c: FakeCase) -> str:
    age = _age(c)
    for item in VOCAB["age_band"].items:
        low, high = item.extra.get("min_age"), item.extra.get("max_age")
        if age is None or low is None:
            continue
        if age >= low and (high is None or age <= high):
            return item.code
    return "unknown"


def _code(vocab: str, value: str | None) -> str:
    if not value:
        return NOT_RECORDED
    return value if value in VOCAB[vocab] else OTHER


def direct_counts(cases: list[FakeCase], period: Period) -> PeriodCounts:
    """The raw counts of `period`, straight from the definitions (no SQL)."""
    s, e = period.start, period.end
    out = PeriodCounts(period=period)
    for c in cases:
        active = c.opened_on <= e and (c.closed_on is None or c.closed_on >= s)
        if not c.consent:
            out.excluded_no_consent += active
            continue
        if c.opened_on <= e and (c.closed_on is None or c.closed_on > e):
            out.open_at_end += 1
        if c.closed_on is not None and s <= c.closed_on <= e:
            out.closed += 1
            out.closed_by_reason[_code("closure_reason", c.closure_reason)] += 1
            out.days_to_close[max((c.closed_on - c.opened_on).days, 0)] += 1
        for r in c.referrals:
            if r.status != "draft" and r.sent_on is not None and s <= r.sent_on <= e:
                out.referrals[(r.kind, r.status)] += 1
        if not s <= c.opened_on <= e:
            continue
        sex = c.sex if c.sex in VOCAB["sex"] else "unknown"
        out.new += 1
        out.new_by_sex[sex] += 1
        out.age_sex[(_band(c), sex)] += 1
        out.oblast[_code("oblast", c.oblast)] += 1
        out.country[_code("country", c.country)] += 1
        out.region[_code("region", c.region)] += 1
        out.sector[_code("sector", c.sector)] += 1
        for cat in set(c.categories):
            out.category_sex[(_code("category", cat), sex)] += 1
        if set(c.categories) & set(FORCED_LABOUR_CATEGORIES):
            out.forced_labour_cases += 1
            for code in set(c.indicators):
                out.indicators[code] += 1
        given = set(c.assistance)
        for r in c.referrals:
            if r.status in ("accepted", "done"):
                given |= set(r.services)
        for code in given:
            out.assistance[code] += 1
    return out


def direct_trend(cases: list[FakeCase], months: tuple[Period, ...]) -> dict[str, int]:
    """New consenting cases per month."""
    out = Counter()
    for c in cases:
        for m in months:
            if c.consent and m.start <= c.opened_on <= m.end:
                out[m.key] += 1
    return {m.key: out[m.key] for m in months}


# --- drawing case sets --------------------------------------------------------------------
# Strategies are built once: building them inside each draw makes generation very slow.

START = date(2025, 1, 1)
DAYS = 500  # up to mid-May 2026
_DAY = st.integers(0, DAYS)
_SPAN = st.integers(0, 120)
_BOOL = st.booleans()
_TENTH = st.integers(0, 9)
_FIFTH = st.integers(0, 4)
_COUNTRY = st.sampled_from(("ru", "ru", "kz", "tr", None, "zz_unlisted"))
_REGION = {code: st.sampled_from(regions) for code, regions in REGIONS.items()}
_BIRTH = st.sampled_from(("date", "date", "year", "none"))
_YEAR, _MONTH, _MDAY = st.integers(1955, 2009), st.integers(1, 12), st.integers(1, 28)
_CATS = st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)
_KIND, _STATUS = st.sampled_from(KINDS), st.sampled_from(STATUSES)
_SENT = st.none() | st.integers(0, 60)
_SERVICES = st.lists(st.sampled_from(ASSISTANCE), max_size=2, unique=True)
_N_REFERRALS = st.integers(0, 2)
_REASON = st.sampled_from(("resolved", "resolved", "lost_contact", "duplicate"))
_SEX = st.sampled_from(("male", "male", "female", "unknown", "other"))
_OBLAST = st.sampled_from(("osh_oblast", "chuy", "naryn", "batken", None))
_SECTOR = st.sampled_from(("trade", "construction", "services", None, "Строймонтаж"))
_INDICATORS = st.lists(st.sampled_from(INDICATORS), max_size=3, unique=True)
_FAMILY, _SUFFIX = st.sampled_from(FAMILY), st.sampled_from(("", "-Уулу"))
_GIVEN, _PATRONYMIC = st.sampled_from(GIVEN), st.sampled_from(PATRONYMIC)
_PHONE = st.integers(1000000, 9999999)


@st.composite
def fake_case(draw, index: int = 0) -> FakeCase:
    opened = START + timedelta(days=draw(_DAY))
    closed = opened + timedelta(days=draw(_SPAN)) if draw(_BOOL) else None
    country = draw(_COUNTRY)
    region = draw(_REGION[country]) if country in REGIONS and draw(_FIFTH) else None
    birth = draw(_BIRTH)
    born = date(draw(_YEAR), draw(_MONTH), draw(_MDAY))
    cats = draw(_CATS)
    referrals = []
    for _ in range(draw(_N_REFERRALS)):
        status, sent = draw(_STATUS), draw(_SENT)
        sent_on = None if status == "draft" or sent is None else opened + timedelta(days=sent)
        referrals.append(FakeReferral(draw(_KIND), status, sent_on, draw(_SERVICES)))
    forced = bool(set(cats) & set(FORCED_LABOUR_CATEGORIES))
    return FakeCase(
        opened_on=opened,
        closed_on=closed,
        closure_reason=draw(_REASON) if closed else None,
        consent=draw(_TENTH) > 0,
        sex=draw(_SEX),
        birth_date=born if birth == "date" else None,
        birth_year=born.year if birth in ("date", "year") else None,
        oblast=draw(_OBLAST),
        country=country,
        region=region,
        sector=draw(_SECTOR),
        categories=cats,
        indicators=draw(_INDICATORS) if forced else [],
        assistance=draw(_SERVICES),
        referrals=referrals,
        family_name=draw(_FAMILY) + draw(_SUFFIX),
        given_name=draw(_GIVEN),
        patronymic=draw(_PATRONYMIC),
        latin_name=f"TESTCLIENT {index:04d}",
        phones=[f"+99655{draw(_PHONE)}"],
        number=f"KG-2026-{index:05d}",
    )


@st.composite
def case_sets(draw, min_size: int = 0, max_size: int = 60) -> list[FakeCase]:
    """A list of cases with distinct case numbers and Latin names."""
    n = draw(st.integers(min_size, max_size))
    return [draw(fake_case(index=i + 1)) for i in range(n)]


# --- writing them into a database -------------------------------------------------------


def load(db, cases: list[FakeCase]) -> None:
    """Replace every person, case and referral in `db` with `cases` (direct inserts)."""
    with db.write() as session:
        for table in (Referral, CaseCategory, Case, Person):
            session.exec(delete(table))
        institutions = {}
        for kind in KINDS:
            inst = Institution(kind=kind, name_en=f"Test {kind}", name_ru=f"Тест {kind}")
            session.add(inst)
            institutions[kind] = inst.id
        session.flush()
        for c in cases:
            person = Person(
                family_name=c.family_name, given_name=c.given_name, patronymic=c.patronymic,
                latin_name=c.latin_name, sex=c.sex, birth_date=c.birth_date,
                birth_year=c.birth_year, phones=c.phones, oblast=c.oblast,
            )  # fmt: skip
            session.add(person)
            session.flush()
            details = {}
            if c.indicators:
                details["forced_labour_indicators"] = c.indicators
            if c.assistance:
                details["assistance"] = c.assistance
            case = Case(
                id=uuid.uuid4(), number=c.number, person_id=person.id, opened_on=c.opened_on,
                status="closed" if c.closed_on else "in_progress",
                closure_reason=c.closure_reason, closed_on=c.closed_on,
                destination_country=c.country, destination_region=c.region, sector=c.sector,
                consent_store=True, consent_stats=c.consent, details=details,
            )  # fmt: skip
            session.add(case)
            session.flush()
            for code in c.categories:
                session.add(CaseCategory(case_id=case.id, code=code))
            for r in c.referrals:
                session.add(
                    Referral(case_id=case.id, institution_id=institutions[r.kind],
                             status=r.status, sent_on=r.sent_on, services=r.services)
                )  # fmt: skip
        # Old institutions that are no longer referenced stay: they do not count.
