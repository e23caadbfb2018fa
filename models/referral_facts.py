"""The facts about a case that a referral letter may disclose, and their values in a language.

Data minimisation: a letter shows only the facts ticked for it. Each fact has a stable key
(stored in `Referral.disclosed`); its label in each letter language comes from the
letters' `common.yaml`, and its value is read from the case, its client and its form
details and written out in the letter's language (dates with babel, vocabulary labels,
amounts with the language's digit grouping). A fact the case does not record has no value
(None), never an empty string in a letter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

from models.tables import Case, Person
from models.vocab import default_vocabularies

# In the order the checklist and the letter list them.
FACT_KEYS: tuple[str, ...] = (
    "full_name",
    "latin_name",
    "birth_date",
    "sex",
    "phone",
    "origin",
    "location",
    "entry_date",
    "employer",
    "sector",
    "contract_end",
    "problems",
    "unpaid_wages",
    "forced_labour_indicators",
    "case_number",
)
_BABEL_LOCALES = {"en": "en_GB"}


@dataclass(frozen=True)
class CaseFacts:
    """What a letter may say about a case, read once: the case, its client, its categories."""

    case: Case
    person: Person
    categories: tuple[str, ...]


@dataclass(frozen=True)
class FactWording:
    """How one letter language writes dates, amounts and periods (from its common.yaml)."""

    language: str
    date_format: str
    months: tuple[str, ...]  # month names that replace CLDR's in dates ("" = keep), or ()
    birth_year: str  # e.g. "{year} г."
    money: str  # e.g. "{amount} {currency}"
    currencies: Mapping[str, str]
    period: Mapping[str, str]  # CLDR plural category -> "{n} месяца"
    unpaid_wages: str  # e.g. "{amount} за {months}"

    def date(self, value: date) -> str:
        """A date written out in the letter's language."""
        locale = _BABEL_LOCALES.get(self.language, self.language)
        text = format_date(value, self.date_format, locale=locale)
        if self.months and "MMMM" in self.date_format:
            cldr = get_month_names("wide", locale=locale)[value.month]
            text = text.replace(cldr, self.months[value.month - 1], 1)
        return text

    def amount(self, value: Any, currency: str | None) -> str:
        """An amount of money with the language's digit grouping and currency name."""
        number = format_decimal(value, locale=_BABEL_LOCALES.get(self.language, self.language))
        if not currency:
            return number
        name = self.currencies.get(currency, currency)
        return self.money.format(amount=number, currency=name)

    def months_count(self, n: int) -> str:
        """ "3 months" in the letter's language, with its plural rules."""
        form = Locale.parse(self.language).plural_form(n)
        pattern = self.period.get(form) or self.period["other"]
        return pattern.format(n=n)


def _label(vocabulary: str, code: str | None, lang: str) -> str | None:
    if not code:
        return None
    return default_vocabularies()[vocabulary].label(code, lang)


def _join(parts: list[str | None], sep: str = ", ") -> str | None:
    kept = [p.strip() for p in parts if p and p.strip()]
    return sep.join(kept) if kept else None


def _full_name(f: CaseFacts, w: FactWording) -> str | None:
    p = f.person
    return _join([p.family_name, p.given_name, p.patronymic], " ")


def _birth(f: CaseFacts, w: FactWording) -> str | None:
    if f.person.birth_date is not None:
        return w.date(f.person.birth_date)
    if f.person.birth_year is not None:
        return w.birth_year.format(year=f.person.birth_year)
    return None


def _sex(f: CaseFacts, w: FactWording) -> str | None:
    sex = f.person.sex
    return None if sex in (None, "", "unknown") else _label("sex", sex, w.language)


def _origin(f: CaseFacts, w: FactWording) -> str | None:
    return _join([_label("oblast", f.person.oblast, w.language), f.person.rayon])


def _location(f: CaseFacts, w: FactWording) -> str | None:
    c, lang = f.case, w.language
    region = _label("region", c.destination_region, lang)
    city = (c.destination_city or "").strip() or None
    item = default_vocabularies()["region"].get(c.destination_region or "")
    if (
        city
        and item is not None
        and city.casefold() in {label.casefold() for label in item.labels.values()}
    ):
        city = None  # "Москва" typed as the city of the region Moscow
    country = c.destination_country if c.destination_country != "other" else None
    return _join([city, region, _label("country", country, lang)])


def _date_of(getter: Callable[[CaseFacts], date | None]):
    def fact(f: CaseFacts, w: FactWording) -> str | None:
        value = getter(f)
        return w.date(value) if value is not None else None

    return fact


def _unpaid(f: CaseFacts, w: FactWording) -> str | None:
    details = f.case.details or {}
    amount = details.get("unpaid_amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
        return None
    currency = details.get("unpaid_currency")
    money = w.amount(amount, currency if isinstance(currency, str) else None)
    months = details.get("unpaid_months")
    if isinstance(months, int) and not isinstance(months, bool) and months > 0:
        return w.unpaid_wages.format(amount=money, months=w.months_count(months))
    return money


def _indicators(f: CaseFacts, w: FactWording) -> str | None:
    codes = (f.case.details or {}).get("forced_labour_indicators") or []
    if not isinstance(codes, list):
        return None
    vocab = default_vocabularies()["forced_labour_indicator"]
    return _join([vocab.label(c, w.language) for c in codes if c in vocab], "; ")


_VALUES: dict[str, Callable[[CaseFacts, FactWording], str | None]] = {
    "full_name": _full_name,
    "latin_name": lambda f, w: f.person.latin_name or None,
    "birth_date": _birth,
    "sex": _sex,
    "phone": lambda f, w: _join(list(f.person.phones or [])),
    "origin": _origin,
    "location": _location,
    "entry_date": _date_of(lambda f: f.case.entry_date),
    "employer": lambda f, w: f.case.employer_name or None,
    "sector": lambda f, w: _label("sector", f.case.sector, w.language),
    "contract_end": _date_of(lambda f: f.case.contract_end_date),
    "problems": lambda f, w: _join([_label("category", c, w.language) for c in f.categories], "; "),
    "unpaid_wages": _unpaid,
    "forced_labour_indicators": _indicators,
    "case_number": lambda f, w: f.case.number,
}
assert tuple(_VALUES) == FACT_KEYS


def fact_value(key: str, facts: CaseFacts, wording: FactWording) -> str | None:
    """The value of fact `key` for this case in the wording's language; None if not recorded."""
    return _VALUES[key](facts, wording)


def fact_values(facts: CaseFacts, wording: FactWording) -> dict[str, str | None]:
    """Every fact's value (None where the case does not record it), in checklist order."""
    return {key: fact_value(key, facts, wording) for key in FACT_KEYS}
