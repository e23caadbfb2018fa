"""Drawing the demo rows: one batch of synthetic clients and their cases at a time.

`make_batch(plan, index)` returns the people, cases, categories, timeline events,
follow-ups and referrals of cases `index * BATCH_SIZE …` as tuples in the column order of
`models.demo_rows.*_COLUMNS`, already in the form SQLAlchemy stores them on SQLite (UUIDs
as 32 hex digits, dates as ISO text, times as naive UTC text, booleans 0/1, JSON as text).
Each batch draws from its own `random.Random` seeded by (seed, batch), so batches can be
made in any order or in other processes with the same result. Standard library only.
"""

from __future__ import annotations

import functools
import json
import random
from bisect import bisect_right
from datetime import date

from models import demo_names as N
from models import demo_rows as R
from models import demo_texts as T

_STATUS_DATA = {
    (old, new, reason): R.status_event_data(old, new, reason)
    for old in R.STATUSES
    for new in R.STATUSES
    for reason in (None, *R.CLOSURE.items)
}
_EMPTY_JSON = "{}"
_SERVICES_JSON = {
    services: json.dumps(list(services))
    for services in (*T.REFERRAL_SERVICES.values(), ("information",))
}
_DISCLOSED_JSON = json.dumps(list(T.DISCLOSED))
@functools.lru_cache(maxsize=4)
def _tables(plan: R.DemoPlan) -> dict:
    """Per-plan lookup tables: day strings, times of day, users, institutions."""
    rng = random.Random(f"komok-demo-tables:{plan.seed}")
    base = plan.today - R.DAYS - 4000
    days = [date.fromordinal(o) for o in range(base, plan.today + 1000)]
    # Office hours in Bishkek/Moscow, as UTC; sorted so same-day status changes stay in order.
    times = sorted(
        f"{rng.randint(3, 14):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
        f"{rng.randint(0, 999999):06d}"
        for _ in range(2048)
    )
    weights = {"volunteer": 6, "caseworker": 6, "coordinator": 3}
    return {
        "base": base,
        "days": days,
        "dstr": [d.isoformat() for d in days],
        "times": times,
        "assignee": R.Pick({u: weights.get(role, 1) for u, role in plan.users}),
        "users": [u for u, _role in plan.users],
        "volunteers": [u for u, role in plan.users if role == "volunteer"]
        or [u for u, _role in plan.users],
        "inst": {code: (h, ru, ky, iso) for code, h, ru, ky, iso in plan.institutions},
    }


def _dashed(h: str) -> str:
    """A UUID's 32 hex digits in the usual dashed form."""
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _phones(rng: random.Random, country: str) -> str:
    """The JSON list of a client's phones: +996 mostly, often a +7 one in Russia/Kazakhstan."""
    random_ = rng.random
    r = random_()
    if r < 0.03:
        return "[]"
    kg = N.KG_MOBILE_PREFIXES
    if country in ("ru", "kz") and r < 0.58:
        prefixes = N.RU_MOBILE_PREFIXES if country == "ru" else N.KZ_MOBILE_PREFIXES
        first = f"+7{prefixes[int(random_() * len(prefixes))]}{int(random_() * 1e7):07d}"
    else:
        first = f"+996{kg[int(random_() * len(kg))]}{int(random_() * 1e6):06d}"
    if random_() < 0.3:
        second = f"+996{kg[int(random_() * len(kg))]}{int(random_() * 1e6):06d}"
        if second != first:
            return f'["{first}", "{second}"]'
    return f'["{first}"]'


def _name(rng: random.Random, oblast: str, female: bool) -> tuple[str, str, str]:
    """(family name, given name, patronymic) fitting the oblast of origin."""
    random_ = rng.random
    r = random_()
    if oblast in N.SOUTH and r < 0.16:
        group = N.UZBEK
    elif r < (0.10 if oblast in ("chuy", "bishkek") else 0.02):
        group = N.RUSSIAN
    else:
        group = N.KYRGYZ
    # Rough Zipf-like frequencies: earlier names in each list are commoner.
    family = group.family[int(len(group.family) * random_() ** 1.6)]
    given = group.female if female else group.male
    first = given[int(len(given) * random_() ** 1.4)]
    if female:
        family = N.female_family(family)
    r = random_()
    father = group.fathers[int(random_() * len(group.fathers))]
    if r < group.russian_style:
        patronymic = N.patronymic(father, female, kyrgyz_style=False)
    elif r < 0.9 and group is N.KYRGYZ:
        patronymic = N.patronymic(father, female, kyrgyz_style=True)
    else:
        patronymic = ""
    return family, first, patronymic


def make_batch(plan: R.DemoPlan, index: int) -> R.Batch:
    """Generate batch `index` of the plan (cases `index * BATCH_SIZE` up to the total)."""
    first = index * R.BATCH_SIZE
    last = min(plan.cases, first + R.BATCH_SIZE)
    batch = R.Batch(index=index, cases_done=last)
    if last > first:
        _Writer(plan, random.Random(f"komok-demo:{plan.seed}:{index}"), batch).write(first, last)
    return batch


class _Writer:
    """Draws the rows of one batch into a Batch, case by case."""

    def __init__(self, plan: R.DemoPlan, rng: random.Random, batch: R.Batch) -> None:
        self.plan, self.rng, self.batch = plan, rng, batch
        self.tables = _tables(plan)
        self.dstr, self.times, self.base = (
            self.tables["dstr"], self.tables["times"], self.tables["base"]
        )
        self.random, self.getrandbits = rng.random, rng.getrandbits
        self.seen_people: list[tuple[str, date | None, int | None]] = []

    def uuid(self) -> str:
        """A random version-4 UUID as stored (see `models.demo_rows.uuid_hex`)."""
        return f"{self.getrandbits(128) & R.UUID_MASK | R.UUID_SET:032x}"

    def at(self, day: int, clock: int | None = None) -> str:
        """A stored timestamp on `day` (an ordinal) at a random (or the given) office time."""
        if clock is None:
            clock = self.getrandbits(11)
        return f"{self.dstr[day - self.base]} {self.times[clock]}"

    def write(self, first: int, last: int) -> None:
        """Draw cases `first` … `last - 1`."""
        rng, k = self.rng, last - first
        cal = R.calendar(self.plan.cases, self.plan.today)
        draws = zip(
            R.SEX.many(rng, k), R.AGE_BAND.many(rng, k), R.OBLAST.many(rng, k),
            R.COUNTRY.many(rng, k), R.SECTOR.many(rng, k), R.N_CATEGORIES.many(rng, k),
            self.tables["assignee"].many(rng, k), R.EVENT_COUNT.many(rng, k), strict=True,
        )  # fmt: skip
        d = bisect_right(cal.cum, first) - 1
        for i, drawn in zip(range(first, last), draws, strict=True):
            while cal.cum[d + 1] <= i:
                d += 1
            opened = cal.start + d
            year = self.tables["days"][opened - self.base].year
            number = f"{self.plan.prefix}-{year}-{i - cal.year_first[year] + 1:05d}"
            self.case(number, opened, *drawn)

    def case(self, number, opened, sex, band, oblast, country, sector, ncat, assignee, nevents):
        """One case with its client, categories, timeline, referral and follow-ups."""
        random_, TS = self.random, R.TABLE_SIZE
        created = self.at(opened)
        volunteers = self.tables["volunteers"]
        creator = assignee if random_() < 0.7 else volunteers[int(random_() * len(volunteers))]
        person_id, minor = self.person(opened, created, creator, sex, band, oblast, country)
        region = (R.REGION[country].table[int(random_() * TS)] if country in R.REGION
                  else "other" if country == "other" else None)  # fmt: skip
        cities = T.CITIES[region if region in T.CITIES else country]
        city = cities[int(random_() * len(cities))] if random_() < 0.85 else ""
        cats: list[str] = []
        for _ in range(6):
            code = R.CATEGORY.table[int(random_() * TS)]
            if code not in cats and (code != "controlled_registry" or country == "ru"):
                cats.append(code)
                if len(cats) == ncat:
                    break
        case_id = self.uuid()
        self.batch.categories.extend((case_id, code) for code in cats)
        risk = (R.RISK_SEVERE if any(c in R.SEVERE for c in cats) else R.RISK).table[
            int(random_() * TS)
        ]
        if minor and risk == "low":
            risk = "medium"
        if cats[0] in ("registration", "employment_contract") and country in ("ru", "kz"):
            entry = opened - 1 - int(random_() * 45)
        else:
            entry = opened - 10 - min(3000, int(self.rng.expovariate(1 / 250)))
        entry_date = self.dstr[entry - self.base] if random_() < 0.92 else None
        contract_end = None
        if sector is not None and random_() < 0.2:
            contract_end = self.dstr[entry - self.base + 180 + int(random_() * 540)]
        # The status depends on how long ago the case was opened.
        age = self.plan.today - opened
        bucket = sum(age >= threshold for threshold in R.AGE_THRESHOLDS)
        status = R.STATUS_BY_AGE[bucket].table[int(random_() * TS)]
        reason = R.CLOSURE.table[int(random_() * TS)] if status == "closed" else None
        paths = R.PATHS[f"closed:{reason}" if reason else status]
        path = paths[int(random_() * len(paths))]
        finished = status in ("closed", "resolved")
        span = min(age, 2 + int(self.rng.expovariate(1 / 40))) if finished else age
        consent_refer, consent_stats = random_() < 0.85, random_() < 0.9
        last, ref_day = self.timeline(
            case_id, opened, created, span, path, reason, assignee, nevents
        )
        if consent_refer and (ref_day is not None or random_() < 0.12):
            sent_at = self.referral(case_id, opened, created, span, ref_day, country, region,
                                    cats, oblast, assignee)  # fmt: skip
            last = max(last, sent_at)
        self.follow_ups(case_id, opened, created, span, finished, country, entry_date and entry,
                        assignee)  # fmt: skip
        self.batch.cases.append((
            case_id, number, person_id, self.dstr[opened - self.base], status, reason,
            self.dstr[opened + span - self.base] if status == "closed" else None, risk,
            int(minor), country, region, city, sector, self.employer(), entry_date,
            contract_end, assignee, creator, 1, created, int(consent_refer),
            created if consent_refer else None, int(consent_stats),
            created if consent_stats else None, self.details(cats, country), created, last,
            1 + len(path),
        ))  # fmt: skip

    def person(self, opened, created, creator, sex, band, oblast, country) -> tuple[str, bool]:
        """The client's id and whether they are a minor: a new person, or sometimes one
        from earlier in the batch who comes back with another problem."""
        random_ = self.random
        if self.seen_people and random_() < 0.04:
            person_id, birth, birth_year = self.seen_people[
                int(random_() * len(self.seen_people))
            ]
        else:
            person_id = self.uuid()
            female = sex == "female" or (sex == "unknown" and random_() < 0.3)
            family, given, patronymic = _name(self.rng, oblast, female)
            latin = ""
            if random_() < 0.85:
                latin = f"{N.passport_latin(family)} {N.passport_latin(given)}"
            years = band[0] + int(random_() * (band[1] - band[0] + 1))
            birth = date.fromordinal(opened - years * 365 - years // 4 - int(random_() * 365))
            birth_year: int | None = birth.year
            r = random_()
            birth_date = birth.isoformat() if r < 0.85 else None
            if r >= 0.85:
                birth = None
                birth_year = None if r >= 0.95 else birth_year
            rayons = N.RAYONS[oblast]
            rayon = ""
            if rayons and random_() < 0.45:
                rayon = f"{rayons[int(random_() * len(rayons))]} району"
            self.batch.people.append((
                person_id, family, given, patronymic, latin, sex, birth_date, birth_year,
                _phones(self.rng, country), oblast, rayon, creator, created, created, 1,
            ))  # fmt: skip
            self.seen_people.append((person_id, birth, birth_year))
        on = self.tables["days"][opened - self.base]
        if birth is not None:
            b = birth
            return person_id, on.year - b.year - ((on.month, on.day) < (b.month, b.day)) < 18
        return person_id, birth_year is not None and on.year - birth_year < 18

    def timeline(self, case_id, opened, created, span, path, reason, assignee, nevents):
        """Notes, calls, meetings, documents and the status changes of `path` within `span`
        days of opening; returns the last timestamp and the day it was referred (or None)."""
        random_, rows, last, ref_day = self.random, self.batch.events, created, None
        users = self.tables["users"]
        author = assignee if random_() < 0.8 else users[int(random_() * len(users))]
        offsets = sorted(int(random_() * (span + 1)) for _ in range(nevents))
        offsets[0] = 0  # the intake
        for off in offsets:
            kind = R.EVENT_KIND.table[int(random_() * R.TABLE_SIZE)]
            texts = T.EVENT_TEXTS[kind]
            at = max(self.at(opened + off), created)
            rows.append((self.uuid(), case_id, kind, at, author,
                         texts[int(random_() * len(texts))], _EMPTY_JSON, at, at, 1))  # fmt: skip
            last = max(last, at)
        if path:
            offsets = sorted(int(random_() * (span + 1)) for _ in range(len(path)))
            if path[-1] in ("closed", "resolved"):
                offsets[-1] = span
            # Sorted times keep same-day changes in order.
            clocks = sorted(self.getrandbits(11) for _ in path)
            old = "new"
            for new, off, clock in zip(path, offsets, clocks, strict=True):
                at = max(self.at(opened + off, clock), created)
                why = reason if new == "closed" else None
                texts = T.STATUS_TEXTS[f"closed:{why}" if why else new]
                rows.append((self.uuid(), case_id, "status_change", at, assignee,
                             texts[int(random_() * len(texts))], _STATUS_DATA[(old, new, why)],
                             at, at, 1))  # fmt: skip
                if new == "referred":
                    ref_day = opened + off
                last, old = max(last, at), new
        return last, ref_day

    def referral(self, case_id, opened, created, span, ref_day, country, region, cats, oblast,
                 assignee) -> str:  # fmt: skip
        """A letter to an institution (sent on `ref_day` when the case went to "referred");
        returns when it was written."""
        random_, plan = self.random, self.plan
        code = R.institution_code(country, region, cats, oblast, random_())
        inst = self.tables["inst"]
        inst_id, name_ru, name_ky, iso = inst.get(code) or next(iter(inst.values()))
        ref_id = self.uuid()
        recent = plan.today - opened < 30
        status = (R.REFERRAL_RECENT if recent else R.REFERRAL_OLD).table[
            int(random_() * R.TABLE_SIZE)
        ]
        if ref_day is not None and status == "draft":
            status = "sent"
        day = ref_day if ref_day is not None else opened + int(random_() * (span + 1))
        lang = "ky" if iso == "KG" and random_() < 0.4 else "ru"
        written = max(self.at(day), created)
        sent_on = due_on = None
        if status != "draft":
            sent_on, due_on = self.dstr[day - self.base], self.dstr[day + 30 - self.base]
            if status == "no_response" and day + 30 >= plan.today:
                status = "sent"
            self.batch.events.append((
                self.uuid(), case_id, "referral", written, assignee,
                T.REFERRAL_EVENT[lang].format(name=name_ky if lang == "ky" else name_ru),
                f'{{"referral_id": "{_dashed(ref_id)}"}}', written, written, 1,
            ))  # fmt: skip
        main = next((c for c in cats if c in T.REFERRAL_REASONS), None)
        services = next(
            (T.REFERRAL_SERVICES[c] for c in cats if c in T.REFERRAL_SERVICES), ("information",)
        )
        self.batch.referrals.append((
            ref_id, case_id, inst_id, None, status, lang, None,
            T.REFERRAL_REASONS[main] if main else T.REFERRAL_REASON_DEFAULT,
            _SERVICES_JSON[services], _DISCLOSED_JSON, sent_on, due_on, None, None, assignee,
            written, written, 1,
        ))  # fmt: skip
        return written

    def follow_ups(self, case_id, opened, created, span, finished, country, entry, assignee):
        """Open follow-ups on an open case (some overdue, some due this week, some proposed
        by a deadline rule from the entry date); a done one on some finished cases."""
        random_, today, rows = self.random, self.plan.today, self.batch.follow_ups
        manual = T.FOLLOW_UPS_MANUAL
        if finished:
            if random_() < 0.35:
                due = opened + int(random_() * (span + 1))
                done = max(self.at(due), created)
                rows.append((self.uuid(), case_id, manual[int(random_() * len(manual))],
                             self.dstr[due - self.base], self.dstr[due - self.base], None,
                             assignee, "", created, done, 2))  # fmt: skip
            return
        rules = T.FOLLOW_UPS_RU if country == "ru" else T.FOLLOW_UPS_KZ if country == "kz" else ()
        for _ in range(R.FOLLOW_UP_COUNT.table[int(random_() * R.TABLE_SIZE)]):
            rule, title = None, manual[int(random_() * len(manual))]
            lo, hi = R.DUE_OFFSET.table[int(random_() * R.TABLE_SIZE)]
            due = max(today + lo + int(random_() * (hi - lo + 1)), opened + 1)
            if rules and entry and random_() < 0.5:
                rule, days_after, title = rules[int(random_() * len(rules))]
                due = max(entry + days_after, opened + 1)
            rows.append((self.uuid(), case_id, title, self.dstr[due - self.base], None, rule,
                         assignee, "", created, created, 1))  # fmt: skip

    def employer(self) -> str:
        """An employer's name for some cases (fictional), else ""."""
        random_ = self.random
        if random_() >= 0.45:
            return ""
        if random_() < 0.85:
            word = T.EMPLOYER_WORDS[int(random_() * len(T.EMPLOYER_WORDS))]
            return T.EMPLOYER_FORMS[int(random_() * len(T.EMPLOYER_FORMS))].format(w=word)
        return T.EMPLOYER_INFORMAL[int(random_() * len(T.EMPLOYER_INFORMAL))]

    def details(self, cats: list[str], country: str) -> str:
        """The `details` JSON: unpaid wages (amount, currency, months) and the forced-labour
        indicators where the categories call for them."""
        random_ = self.random
        details: dict = {}
        if "unpaid_wages" in cats:
            currency, monthly = T.WAGES[country]
            months = R.UNPAID_MONTHS.table[int(random_() * R.TABLE_SIZE)]
            step = 10000 if currency == "KRW" else (1000 if monthly >= 20000 else 100)
            amount = int(monthly * months * (0.4 + random_() * 0.8)) // step * step
            details = {"unpaid_amount": amount, "unpaid_currency": currency,
                       "unpaid_months": months}  # fmt: skip
        if "forced_labour" in cats or "trafficking" in cats:
            picked = self.rng.sample(R.INDICATORS, 2 + int(random_() * 4))
            details["forced_labour_indicators"] = [c for c in R.INDICATORS if c in picked]
        return json.dumps(details) if details else _EMPTY_JSON
