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
_RU_CONSULATE = {
    "saint_petersburg": "kg_consulate_saint_petersburg", "yekaterinburg":
    "kg_consulate_yekaterinburg", "tyumen": "kg_consulate_yekaterinburg", "surgut":
    "kg_consulate_yekaterinburg", "novosibirsk": "kg_consulate_novosibirsk", "krasnoyarsk":
    "kg_consulate_novosibirsk", "irkutsk": "kg_consulate_novosibirsk", "yakutsk":
    "kg_consulate_novosibirsk", "vladivostok": "kg_consulate_novosibirsk", "kazan":
    "kg_consulate_kazan",
}  # fmt: skip
_BY_CATEGORY = {
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
_DIASPORA = {
    "moscow": "demo_diaspora_moscow", "moscow_oblast": "demo_diaspora_moscow",
    "yekaterinburg": "demo_diaspora_yekaterinburg", "almaty": "demo_diaspora_almaty",
}  # fmt: skip


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
        "assignee": R._Pick({u: weights.get(role, 1) for u, role in plan.users}),
        "users": [u for u, _role in plan.users],
        "volunteers": [u for u, role in plan.users if role == "volunteer"]
        or [u for u, _role in plan.users],
        "inst": {code: (h, ru, ky, iso) for code, h, ru, ky, iso in plan.institutions},
    }


def _dashed(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _institution_code(country, region, cats, oblast, r: float) -> str:
    """Where a referral of this case goes (a shipped or demo institution code)."""
    if r < 0.45:
        by_cat = _BY_CATEGORY.get(country, {})
        for code in cats:
            if code in by_cat:
                return by_cat[code]
    if r < 0.80:
        if country == "ru":
            return _RU_CONSULATE.get(region, "kg_embassy_ru")
        if country == "kz":
            return "kg_consulate_almaty" if region in ("almaty", "shymkent") else "kg_embassy_kz"
        return "kg_labour_ministry"
    if r < 0.90 and region in _DIASPORA:
        return _DIASPORA[region]
    if r < 0.94:
        return "kg_labour_ministry_ru" if country == "ru" else "kg_labour_ministry"
    if r < 0.97:
        return "iom_osh" if oblast in N.SOUTH else "iom_bishkek"
    return "demo_ngo_bishkek" if r < 0.99 else "kg_ombudsman"


def _phones(rng: random.Random, country: str) -> str:
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
        fam, given, fathers, ru_style = N.UZBEK_FAMILY, N.UZBEK_FEMALE if female else N.UZBEK_MALE, N.UZBEK_FATHERS, 0.7
    elif r < (0.10 if oblast in ("chuy", "bishkek") else 0.02):
        fam, given, fathers, ru_style = N.RUSSIAN_FAMILY, N.RUSSIAN_FEMALE if female else N.RUSSIAN_MALE, N.RUSSIAN_FATHERS, 0.95
    else:
        fam, given, fathers, ru_style = N.KYRGYZ_FAMILY, N.KYRGYZ_FEMALE if female else N.KYRGYZ_MALE, N.KYRGYZ_FATHERS, 0.55
    # Rough Zipf-like frequencies: earlier names in each list are commoner.
    family = fam[int(len(fam) * random_() ** 1.6)]
    if female:
        family = N.female_family(family)
    first = given[int(len(given) * random_() ** 1.4)]
    r = random_()
    if r < ru_style:
        patronymic = N.patronymic(fathers[int(random_() * len(fathers))], female, kyrgyz_style=False)
    elif r < 0.9 and fathers is N.KYRGYZ_FATHERS:
        patronymic = N.patronymic(fathers[int(random_() * len(fathers))], female, kyrgyz_style=True)
    else:
        patronymic = ""
    return family, first, patronymic


def make_batch(plan: R.DemoPlan, index: int) -> R.Batch:
    """Generate batch `index` of the plan (cases `index * BATCH_SIZE` up to the total)."""
    first = index * R.BATCH_SIZE
    last = min(plan.cases, first + R.BATCH_SIZE)
    batch = R.Batch(index=index, cases_done=last)
    if last > first:
        _write(plan, random.Random(f"komok-demo:{plan.seed}:{index}"), batch, first, last)
    return batch


def _write(plan: R.DemoPlan, rng: random.Random, batch: R.Batch, first: int, last: int) -> None:  # noqa: C901
    tables = _tables(plan)
    cal = R.calendar(plan.cases, plan.today)
    days, base, times = tables["days"], tables["base"], tables["times"]
    dstr = tables["dstr"]
    users, volunteers, inst = tables["users"], tables["volunteers"], tables["inst"]
    random_, getrandbits = rng.random, rng.getrandbits
    mask, vbits, TS = R.UUID_MASK, R.UUID_SET, R.TABLE_SIZE  # noqa: N806
    region_t = {country: pick.table for country, pick in R.REGION.items()}
    category_t, risk_t, risk_severe_t = R.CATEGORY.table, R.RISK.table, R.RISK_SEVERE.table
    status_t = [pick.table for pick in R.STATUS_BY_AGE]
    closure_t, kind_t = R.CLOSURE.table, R.EVENT_KIND.table
    ref_recent_t, ref_old_t = R.REFERRAL_RECENT.table, R.REFERRAL_OLD.table
    today, prefix, cum = plan.today, plan.prefix, cal.cum
    k = last - first
    sexes, bands = R.SEX.many(rng, k), R.AGE_BAND.many(rng, k)
    oblasts, countries = R.OBLAST.many(rng, k), R.COUNTRY.many(rng, k)
    sectors, ncats = R.SECTOR.many(rng, k), R.N_CATEGORIES.many(rng, k)
    assignees, nevents = tables["assignee"].many(rng, k), R.EVENT_COUNT.many(rng, k)
    people_rows, case_rows, cat_rows = batch.people, batch.cases, batch.categories
    event_rows, fu_rows, ref_rows, ref_years = (
        batch.events, batch.follow_ups, batch.referrals, batch.referral_years
    )
    seen_people: list[tuple[str, int | None, int | None]] = []
    d = 0
    while cum[d + 1] <= first:
        d += 1
    for j in range(k):
        i = first + j
        while cum[d + 1] <= i:
            d += 1
        opened = cal.start + d
        o = opened - base
        opened_day = days[o]
        year = opened_day.year
        number = f"{prefix}-{year}-{i - cal.year_first[year] + 1:05d}"
        age_days = today - opened
        created = f"{dstr[o]} {times[getrandbits(11)]}"
        assignee = assignees[j]
        creator = assignee if random_() < 0.7 else volunteers[int(random_() * len(volunteers))]
        country = countries[j]
        oblast = oblasts[j]
        # --- the client (sometimes a returning one from earlier in the batch) ---
        if seen_people and random_() < 0.04:
            person_id, birth_ord, birth_year = seen_people[int(random_() * len(seen_people))]
        else:
            person_id = f"{getrandbits(128) & mask | vbits:032x}"
            sex = sexes[j]
            female = sex == "female" or (sex == "unknown" and random_() < 0.3)
            family, given, patronymic = _name(rng, oblast, female)
            latin = f"{N.passport_latin(family)} {N.passport_latin(given)}" if random_() < 0.85 else ""
            lo, hi = bands[j]
            age = lo + int(random_() * (hi - lo + 1))
            birth_ord = opened - age * 365 - int(age / 4) - int(random_() * 365)
            birth = date.fromordinal(birth_ord)
            birth_year = birth.year
            r = random_()
            if r < 0.85:
                birth_date = birth.isoformat()
            else:
                birth_date, birth_ord = None, None
                if r >= 0.95:
                    birth_year = None
            rayons = N.RAYONS[oblast]
            rayon = f"{rayons[int(random_() * len(rayons))]} району" if rayons and random_() < 0.45 else ""
            people_rows.append((
                person_id, family, given, patronymic, latin, sex, birth_date, birth_year,
                _phones(rng, country), oblast, rayon, creator, created, created, 1,
            ))  # fmt: skip
            seen_people.append((person_id, birth_ord, birth_year))
        if birth_ord is not None:
            b = date.fromordinal(birth_ord)
            minor = (year - b.year - ((opened_day.month, opened_day.day) < (b.month, b.day))) < 18
        else:
            minor = birth_year is not None and year - birth_year < 18
        # --- where and what ---
        region = region_t[country][int(random_() * TS)] if country in R.REGION else (
            "other" if country == "other" else None
        )
        cities = T.CITIES[region if region in T.CITIES else country]
        city = cities[int(random_() * len(cities))] if random_() < 0.85 else ""
        sector = sectors[j]
        cats: list[str] = []
        for _ in range(6):
            code = category_t[int(random_() * TS)]
            if code not in cats and (code != "controlled_registry" or country == "ru"):
                cats.append(code)
                if len(cats) == ncats[j]:
                    break
        case_id = f"{getrandbits(128) & mask | vbits:032x}"
        for code in cats:
            cat_rows.append((case_id, code))
        severe = any(c in R.SEVERE for c in cats)
        risk = (risk_severe_t if severe else risk_t)[int(random_() * TS)]
        if minor and risk == "low":
            risk = "medium"
        details: dict = {}
        if "unpaid_wages" in cats:
            currency, monthly = T.WAGES[country]
            months = R.UNPAID_MONTHS.table[int(random_() * TS)]
            step = 10000 if currency == "KRW" else (1000 if monthly >= 20000 else 100)
            amount = int(monthly * months * (0.4 + random_() * 0.8)) // step * step
            details = {"unpaid_amount": amount, "unpaid_currency": currency, "unpaid_months": months}
        if "forced_labour" in cats or "trafficking" in cats:
            picked = rng.sample(R.INDICATORS, 2 + int(random_() * 4))
            details["forced_labour_indicators"] = [c for c in R.INDICATORS if c in picked]
        if cats[0] in ("registration", "employment_contract") and country in ("ru", "kz"):
            entry = opened - 1 - int(random_() * 45)
        else:
            entry = opened - 10 - min(3000, int(rng.expovariate(1 / 250)))
        entry_date = dstr[entry - base] if random_() < 0.92 else None
        contract_end = None
        if sector is not None and random_() < 0.2:
            contract_end = dstr[entry - base + 180 + int(random_() * 540)]
        employer = ""
        if random_() < 0.45:
            r = random_()
            if r < 0.85:
                word = T.EMPLOYER_WORDS[int(random_() * len(T.EMPLOYER_WORDS))]
                employer = T.EMPLOYER_FORMS[int(random_() * len(T.EMPLOYER_FORMS))].format(w=word)
            else:
                employer = T.EMPLOYER_INFORMAL[int(random_() * len(T.EMPLOYER_INFORMAL))]
        # --- status, its path and the timeline ---
        bucket = 0
        for threshold in R.AGE_THRESHOLDS:
            if age_days < threshold:
                break
            bucket += 1
        status = status_t[bucket][int(random_() * TS)]
        reason = closure_t[int(random_() * TS)] if status == "closed" else None
        paths = R.PATHS[f"closed:{reason}" if reason else status]
        path = paths[int(random_() * len(paths))]
        finished = status in ("closed", "resolved")
        span = min(age_days, 2 + int(rng.expovariate(1 / 40))) if finished else age_days
        consent_refer = random_() < 0.85
        consent_stats = random_() < 0.9
        last_time = created
        author = assignee if random_() < 0.8 else users[int(random_() * len(users))]
        ne = nevents[j]
        offsets = sorted(int(random_() * (span + 1)) for _ in range(ne))
        offsets[0] = 0
        for off in offsets:
            kind = kind_t[int(random_() * TS)]
            texts = T.EVENT_TEXTS[kind]
            at = f"{dstr[o + off]} {times[getrandbits(11)]}"
            if at < created:
                at = created
            event_rows.append((
                f"{getrandbits(128) & mask | vbits:032x}", case_id, kind, at, author,
                texts[int(random_() * len(texts))], _EMPTY_JSON, at, at, 1,
            ))  # fmt: skip
            last_time = max(last_time, at)
        m = len(path)
        ref_off = None
        if m:
            offs = sorted(int(random_() * (span + 1)) for _ in range(m))
            if finished:
                offs[-1] = span
            clock = sorted(getrandbits(11) for _ in range(m))
            old = "new"
            for step, new in enumerate(path):
                at = f"{dstr[o + offs[step]]} {times[clock[step]]}"
                if at < created:
                    at = created
                why = reason if new == "closed" else None
                texts = T.STATUS_TEXTS[f"closed:{why}" if why else new]
                event_rows.append((
                    f"{getrandbits(128) & mask | vbits:032x}", case_id, "status_change", at, assignee,
                    texts[int(random_() * len(texts))], _STATUS_DATA[(old, new, why)], at, at, 1,
                ))  # fmt: skip
                if new == "referred":
                    ref_off = offs[step]
                last_time = max(last_time, at)
                old = new
        closed_on = dstr[o + span] if status == "closed" else None
        # --- a referral: always when the case went to "referred" (with consent), else some ---
        if consent_refer and (ref_off is not None or random_() < 0.12):
            code = _institution_code(country, region, cats, oblast, random_())
            inst_id, name_ru, name_ky, iso = inst.get(code) or next(iter(inst.values()))
            ref_id = f"{getrandbits(128) & mask | vbits:032x}"
            rstatus = (ref_recent_t if age_days < 30 else ref_old_t)[int(random_() * TS)]
            if ref_off is not None and rstatus == "draft":
                rstatus = "sent"
            off = ref_off if ref_off is not None else int(random_() * (span + 1))
            lang = "ky" if iso == "KG" and random_() < 0.4 else "ru"
            sent_at = f"{dstr[o + off]} {times[getrandbits(11)]}"
            sent_at = max(sent_at, created)
            if rstatus == "draft":
                sent_on = due_on = None
                ref_years.append(0)
            else:
                sent_on, due_on = dstr[o + off], dstr[o + off + 30]
                if rstatus == "no_response" and opened + off + 30 >= today:
                    rstatus = "sent"
                ref_years.append(days[o + off].year)
                event_rows.append((
                    f"{getrandbits(128) & mask | vbits:032x}", case_id, "referral", sent_at, assignee,
                    T.REFERRAL_EVENT[lang].format(name=name_ky if lang == "ky" else name_ru),
                    f'{{"referral_id": "{_dashed(ref_id)}"}}', sent_at, sent_at, 1,
                ))  # fmt: skip
            main = next((c for c in cats if c in T.REFERRAL_REASONS), None)
            services = next((T.REFERRAL_SERVICES[c] for c in cats if c in T.REFERRAL_SERVICES), ("information",))
            ref_rows.append([
                ref_id, case_id, inst_id, None, rstatus, lang, None,
                T.REFERRAL_REASONS[main] if main else T.REFERRAL_REASON_DEFAULT,
                _SERVICES_JSON[services], _DISCLOSED_JSON, sent_on, due_on,
                None, None, assignee, sent_at, sent_at, 1,
            ])  # fmt: skip
            last_time = max(last_time, sent_at)
        # --- follow-ups: open ones on open cases, done ones on some finished cases ---
        if not finished:
            for _ in range(R.FOLLOW_UP_COUNT.table[int(random_() * TS)]):
                rule, title = None, T.FOLLOW_UPS_MANUAL[int(random_() * len(T.FOLLOW_UPS_MANUAL))]
                lo, hi = R.DUE_OFFSET.table[int(random_() * TS)]
                due = max(today + lo + int(random_() * (hi - lo + 1)), opened + 1)
                rules = T.FOLLOW_UPS_RU if country == "ru" else T.FOLLOW_UPS_KZ if country == "kz" else ()
                if rules and entry_date and random_() < 0.5:
                    rule, days_after, title = rules[int(random_() * len(rules))]
                    due = max(entry + days_after, opened + 1)
                fu_rows.append((
                    f"{getrandbits(128) & mask | vbits:032x}", case_id, title, dstr[due - base], None, rule,
                    assignee, "", created, created, 1,
                ))  # fmt: skip
        elif random_() < 0.35:
            due = opened + int(random_() * (span + 1))
            title = T.FOLLOW_UPS_MANUAL[int(random_() * len(T.FOLLOW_UPS_MANUAL))]
            done = f"{dstr[due - base]} {times[getrandbits(11)]}"
            fu_rows.append((
                f"{getrandbits(128) & mask | vbits:032x}", case_id, title, dstr[due - base], dstr[due - base],
                None, assignee, "", created, max(done, created), 2,
            ))  # fmt: skip
        case_rows.append((
            case_id, number, person_id, dstr[o], status, reason, closed_on, risk, int(minor),
            country, region, city, sector, employer, entry_date, contract_end, assignee,
            creator, 1, created, int(consent_refer), created if consent_refer else None,
            int(consent_stats), created if consent_stats else None,
            json.dumps(details) if details else _EMPTY_JSON, created, last_time, 1 + m,
        ))  # fmt: skip
