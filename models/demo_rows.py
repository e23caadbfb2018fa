"""The shape of the synthetic demo database: plan, calendar, columns and distributions.

`DemoPlan` says what to build (seed, number of cases, "today", users, institutions);
`calendar()` spreads the cases over the 24 months before today (growing slowly, more in
spring and autumn, fewer at weekends); the `*_COLUMNS` constants give the column order of
the generated rows; the `Pick` tables hold the distributions of DOMAIN.md (sex, age,
oblast, destination, sector, categories, statuses…). `models.demo_cases` draws the rows.
Standard library only, so a worker process starts quickly.
"""

from __future__ import annotations

import functools
import json
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date

from models.demo_names import SOUTH

BATCH_SIZE = 2000
TABLE_SIZE = 4096
DAYS = 731  # the cases are opened over the last 24 months, today included
MONTH_FACTOR = (0.8, 0.85, 1.1, 1.2, 1.15, 0.95, 0.85, 0.9, 1.15, 1.2, 1.05, 0.8)
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.2)
GROWTH = 0.35  # the last day sees 35 % more cases than the first


@dataclass(frozen=True)
class DemoPlan:
    """What to build: seed, number of cases, today (ordinal), case-number prefix, the users
    as (id hex, role) and the institutions as (code, id hex, name ru, name ky, ISO country)."""

    seed: int
    cases: int
    today: int
    prefix: str
    users: tuple[tuple[str, str], ...]
    institutions: tuple[tuple[str, str, str, str, str], ...]


@dataclass(frozen=True)
class Calendar:
    """Cases per day: `cum[d]` cases are opened before day `d` (day 0 is `start`, an
    ordinal); `year_first[y]` is the index of the first case opened in year `y`."""

    start: int
    cum: tuple[int, ...]
    year_first: dict[int, int]
    year_count: dict[int, int]


@functools.lru_cache(maxsize=4)
def calendar(cases: int, today: int) -> Calendar:
    """Spread `cases` over the DAYS days up to `today` (an ordinal); no randomness."""
    start = today - DAYS + 1
    weights = []
    for d in range(DAYS):
        day = date.fromordinal(start + d)
        trend = 1 + GROWTH * d / (DAYS - 1)
        weights.append(trend * MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[day.weekday()])
    total = sum(weights)
    exact = [cases * w / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(DAYS), key=lambda d: (counts[d] - exact[d], d))
    for d in by_remainder[: cases - sum(counts)]:
        counts[d] += 1
    cum = [0]
    year_first: dict[int, int] = {}
    year_count: dict[int, int] = {}
    for d, n in enumerate(counts):
        year = date.fromordinal(start + d).year
        year_first.setdefault(year, cum[-1])
        year_count[year] = year_count.get(year, 0) + n
        cum.append(cum[-1] + n)
    return Calendar(start, tuple(cum), year_first, year_count)

PEOPLE_COLUMNS = (
    "id", "family_name", "given_name", "patronymic", "latin_name", "sex", "birth_date",
    "birth_year", "phones", "oblast", "rayon", "created_by", "created_at", "updated_at", "version",
)  # fmt: skip
CASE_COLUMNS = (
    "id", "number", "person_id", "opened_on", "status", "closure_reason", "closed_on",
    "risk_level", "minor", "destination_country", "destination_region", "destination_city",
    "sector", "employer_name", "entry_date", "contract_end_date", "assigned_user_id",
    "created_by", "consent_store", "consent_store_at", "consent_refer", "consent_refer_at",
    "consent_stats", "consent_stats_at", "details", "created_at", "updated_at", "version",
)  # fmt: skip
CATEGORY_COLUMNS = ("case_id", "code")
EVENT_COLUMNS = (
    "id", "case_id", "kind", "occurred_at", "author_id", "text", "data", "created_at",
    "updated_at", "version",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "id", "case_id", "title", "due_on", "done_on", "rule_code", "assigned_user_id", "note",
    "created_at", "updated_at", "version",
)  # fmt: skip
REFERRAL_COLUMNS = (
    "id", "case_id", "institution_id", "register_number", "status", "language", "template",
    "reason", "services", "disclosed", "sent_on", "response_due_on", "consent_override_reason",
    "attachment_id", "created_by", "created_at", "updated_at", "version",
)  # fmt: skip


@dataclass
class Batch:
    """The rows of one batch, table by table (referrals get their register numbers once all
    are in: the outgoing register runs by date across batches)."""

    index: int
    cases_done: int
    people: list[tuple] = field(default_factory=list)
    cases: list[tuple] = field(default_factory=list)
    categories: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    follow_ups: list[tuple] = field(default_factory=list)
    referrals: list[tuple] = field(default_factory=list)


class Pick:
    """A weighted choice among the keys of `weights`.

    `many(rng, k)` makes k draws at once; `table` lists the items in proportion to their
    weights (TABLE_SIZE entries), so `table[int(rng.random() * TABLE_SIZE)]` is one draw at
    a resolution of 1/TABLE_SIZE without a call: the row generator's inner loop uses it.
    """

    __slots__ = ("cum", "items", "table")

    def __init__(self, weights: dict) -> None:
        self.items = tuple(weights)
        self.cum: list[float] = []
        total = 0.0
        for w in weights.values():
            total += w
            self.cum.append(total)
        self.table = [self.items[bisect(self.cum, (n + 0.5) / TABLE_SIZE * total)]
                      for n in range(TABLE_SIZE)]  # fmt: skip

    def many(self, rng: random.Random, k: int) -> list:
        """`k` independent draws."""
        return rng.choices(self.items, cum_weights=self.cum, k=k)


SEX = Pick({"male": 65, "female": 34.6, "unknown": 0.4})
AGE_BAND = Pick({(15, 17): 2, (18, 24): 12, (25, 34): 30, (35, 44): 30, (45, 54): 18, (55, 68): 8})
OBLAST = Pick({
    "osh_oblast": 21, "jalal_abad": 18, "chuy": 16, "batken": 10, "bishkek": 9, "osh_city": 7,
    "issyk_kul": 7, "talas": 6, "naryn": 6,
})  # fmt: skip
COUNTRY = Pick({
    "ru": 82.5, "kz": 10, "tr": 2.5, "kr": 1.8, "ae": 1.1, "gb": 0.7, "de": 0.6, "us": 0.5,
    "other": 0.3,
})  # fmt: skip
REGION = {
    "ru": Pick({
        "moscow": 44, "moscow_oblast": 16, "saint_petersburg": 11, "yekaterinburg": 6,
        "novosibirsk": 4, "kazan": 3, "krasnoyarsk": 2, "irkutsk": 2, "surgut": 2,
        "tyumen": 1.5, "yakutsk": 1.5, "vladivostok": 1, "other_ru": 6,
    }),
    "kz": Pick({"almaty": 60, "astana": 22, "shymkent": 8, "other_kz": 10}),
}  # fmt: skip
SECTOR = Pick({
    "trade": 37, "services": 34, "construction": 14.5, "agriculture": 5, "transport": 2,
    "hospitality": 1.5, "domestic_work": 1, "manufacturing": 1, "other": 0.5, None: 3.5,
})  # fmt: skip
CATEGORY = Pick({
    "registration": 17, "entry_ban": 14, "employment_contract": 13, "unpaid_wages": 14,
    "residence_permit": 5, "controlled_registry": 5, "expulsion": 3, "detention": 2.5,
    "fraud": 4, "documents_withheld": 4, "forced_labour": 2, "trafficking": 1, "violence": 2,
    "health": 3, "death_repatriation": 0.8, "children_family": 3, "lost_documents": 5,
    "pension_social": 1.5, "discrimination": 1.5, "return_reintegration": 2, "other": 2,
})  # fmt: skip
N_CATEGORIES = Pick({1: 55, 2: 33, 3: 12})
SEVERE = frozenset({"forced_labour", "trafficking", "violence", "detention", "death_repatriation"})
RISK = Pick({"low": 66, "medium": 27, "high": 6, "critical": 1})
RISK_SEVERE = Pick({"medium": 25, "high": 50, "critical": 25})
# Status by the case's age in days: thresholds and one distribution per bucket.
AGE_THRESHOLDS = (7, 30, 90, 180)
STATUS_BY_AGE = (
    Pick({"new": 50, "in_progress": 40, "referred": 5, "awaiting_response": 5}),
    Pick({"new": 8, "in_progress": 45, "referred": 15, "awaiting_response": 17,
           "resolved": 7, "closed": 8}),
    Pick({"in_progress": 24, "referred": 12, "awaiting_response": 16, "resolved": 13,
           "closed": 35}),
    Pick({"in_progress": 9, "referred": 5, "awaiting_response": 8, "resolved": 12,
           "closed": 66}),
    Pick({"in_progress": 3, "referred": 1.5, "awaiting_response": 2.5, "resolved": 6,
           "closed": 87}),
)  # fmt: skip
CLOSURE = Pick({
    "resolved": 55, "unresolved": 12, "lost_contact": 15, "client_withdrew": 6,
    "referred_out": 9, "duplicate": 3,
})  # fmt: skip
EVENT_COUNT = Pick({1: 38, 2: 30, 3: 16, 4: 9, 5: 4, 6: 3})
EVENT_KIND = Pick({"note": 35, "call": 35, "meeting": 12, "document": 18})
FOLLOW_UP_COUNT = Pick({0: 15, 1: 60, 2: 25})
DUE_OFFSET = Pick({(-30, -1): 35, (0, 6): 25, (7, 45): 40})
UNPAID_MONTHS = Pick({1: 30, 2: 30, 3: 20, 4: 10, 5: 5, 6: 5})
REFERRAL_RECENT = Pick({"draft": 12, "sent": 45, "acknowledged": 25, "accepted": 10,
                         "declined": 3, "no_response": 3, "revoked": 2})  # fmt: skip
REFERRAL_OLD = Pick({"done": 35, "accepted": 15, "acknowledged": 10, "declined": 10,
                      "no_response": 20, "sent": 5, "revoked": 5})  # fmt: skip
INDICATORS = (
    "abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
    "physical_sexual_violence", "intimidation_threats", "retention_of_documents",
    "withholding_of_wages", "debt_bondage", "abusive_conditions", "excessive_overtime",
)  # fmt: skip

STATUSES = ("new", "in_progress", "referred", "awaiting_response", "resolved", "closed")
_NEW, _PROG, _REF, _AWAIT, _RES, _CLOSED = STATUSES
# Repeated entries make a path likelier (most cases are settled without a letter).
_RESOLVE_PATHS = (
    (_PROG, _RES), (_PROG, _RES), (_PROG, _RES), (_PROG, _AWAIT, _RES), (_PROG, _AWAIT, _RES),
    (_PROG, _REF, _RES), (_PROG, _REF, _AWAIT, _RES),
)
# The statuses a case went through after "new", by final status (closing: by reason).
PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    _NEW: ((),),
    _PROG: ((_PROG,),),
    _REF: ((_PROG, _REF), (_REF,)),
    _AWAIT: ((_PROG, _AWAIT), (_PROG, _AWAIT), (_PROG, _REF, _AWAIT)),
    _RES: _RESOLVE_PATHS,
    "closed:resolved": tuple((*p, _CLOSED) for p in _RESOLVE_PATHS),
    "closed:unresolved": ((_PROG, _AWAIT, _CLOSED), (_PROG, _CLOSED), (_PROG, _CLOSED),
                          (_PROG, _REF, _CLOSED)),
    "closed:lost_contact": ((_PROG, _CLOSED), (_CLOSED,), (_PROG, _AWAIT, _CLOSED)),
    "closed:client_withdrew": ((_PROG, _CLOSED), (_CLOSED,)),
    "closed:referred_out": ((_REF, _CLOSED), (_PROG, _REF, _CLOSED)),
    "closed:duplicate": ((_CLOSED,),),
}


def status_event_data(old: str, new: str, reason: str | None) -> str:
    """The JSON a status-change event carries (as `models.cases.change_status` writes it)."""
    return json.dumps({"from": old, "to": new, "reason": reason})


# A version-4 UUID from 128 random bits: `bits & UUID_MASK | UUID_SET` sets the version
# and variant bits exactly as `uuid.UUID(int=bits, version=4)` does.
UUID_MASK = ((1 << 128) - 1) & ~(0xC000 << 48) & ~(0xF000 << 64)
UUID_SET = (0x8000 << 48) | (4 << 76)


def uuid_hex(bits: int) -> str:
    """A version-4 UUID as stored (32 hex digits) from 128 random bits; equal to
    `uuid.UUID(int=bits, version=4).hex`."""
    return f"{bits & UUID_MASK | UUID_SET:032x}"


# Where referrals go: by category first, else the consulate for the region, else
# diaspora partners, the Kyrgyz ministry, IOM, a partner NGO or the ombudsman.
RU_CONSULATE = {
    "saint_petersburg": "kg_consulate_saint_petersburg", "yekaterinburg":
    "kg_consulate_yekaterinburg", "tyumen": "kg_consulate_yekaterinburg", "surgut":
    "kg_consulate_yekaterinburg", "novosibirsk": "kg_consulate_novosibirsk", "krasnoyarsk":
    "kg_consulate_novosibirsk", "irkutsk": "kg_consulate_novosibirsk", "yakutsk":
    "kg_consulate_novosibirsk", "vladivostok": "kg_consulate_novosibirsk", "kazan":
    "kg_consulate_kazan",
}  # fmt: skip
BY_CATEGORY = {
    "ru": {
        "unpaid_wages": "ru_labour_inspectorate", "employment_contract": "ru_labour_inspectorate",
        "registration": "ru_guvm_mvd", "entry_ban": "ru_guvm_mvd", "residence_permit":
        "ru_guvm_mvd", "controlled_registry": "ru_guvm_mvd", "expulsion": "ru_ombudsman",
        "detention": "ru_ombudsman", "forced_labour": "ru_prosecutor", "violence":
        "ru_prosecutor", "fraud": "ru_prosecutor", "documents_withheld": "ru_prosecutor",
        "trafficking": "iom_moscow",
    },
    "kz": {
        "unpaid_wages": "kz_labour_ministry", "employment_contract": "kz_labour_ministry",
        "registration": "kz_migration_service", "entry_ban": "kz_migration_service",
        "residence_permit": "kz_migration_service", "forced_labour": "iom_astana",
        "trafficking": "iom_astana", "detention": "kz_ombudsman", "violence": "kz_ombudsman",
    },
}  # fmt: skip
DIASPORA = {
    "moscow": "demo_diaspora_moscow", "moscow_oblast": "demo_diaspora_moscow",
    "yekaterinburg": "demo_diaspora_yekaterinburg", "almaty": "demo_diaspora_almaty",
}  # fmt: skip


def institution_code(country, region, cats, oblast, r: float) -> str:
    """Where a referral of this case goes (a shipped or demo institution code)."""
    if r < 0.45:
        by_cat = BY_CATEGORY.get(country, {})
        for code in cats:
            if code in by_cat:
                return by_cat[code]
    if r < 0.80:
        if country == "ru":
            return RU_CONSULATE.get(region, "kg_embassy_ru")
        if country == "kz":
            return "kg_consulate_almaty" if region in ("almaty", "shymkent") else "kg_embassy_kz"
        return "kg_labour_ministry"
    if r < 0.90 and region in DIASPORA:
        return DIASPORA[region]
    if r < 0.94:
        return "kg_labour_ministry_ru" if country == "ru" else "kg_labour_ministry"
    if r < 0.97:
        return "iom_osh" if oblast in SOUTH else "iom_bishkek"
    return "demo_ngo_bishkek" if r < 0.99 else "kg_ombudsman"
