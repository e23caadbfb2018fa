"""Deadline rules: the legal time limits that turn a case's dates into follow-ups.

Rules are data, in `resources/rules/<country>.yaml` (DOMAIN.md §4): each has a stable
`code`, a title in en/ru/ky, a `trigger` (a date of the case: `entry_date`,
`contract_end_date`, `opened_on` or `details.<key>` of a form field), an offset in days
(calendar or working days) or months, who it applies to, its legal source (law, article,
URL where known), the dates it is in force, and a `review` flag for rules whose content or
source is uncertain — shown with a warning, never hidden.

`propose_follow_ups(case, today)` lists what the rules would add for a case (skipping
rules already on the case and rules not in force on the trigger date);
`apply_proposals()` adds the chosen ones as follow-ups (`models.timeline.add_follow_up`,
with `rule_code`). Working days skip weekends and the public holidays (and count the
working weekends) of the rule's country from the `holidays` package. No Qt here.
"""

from __future__ import annotations

import calendar
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sqlmodel import select

from models.actor import Actor
from models.cases import case_categories
from models.db import Database
from models.errors import KomokError
from models.permissions import require_case
from models.records import get_or_404
from models.tables import Case, FollowUp
from models.timeline import add_follow_up
from models.vocab import default_vocabularies
from models.yaml_files import YamlFileProblem, read_yaml
from resources import RESOURCES_DIR
from translations import _, current_language

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
TRIGGER_PATTERN = r"^(entry_date|contract_end_date|opened_on|details\.[a-z][a-z0-9_]*)$"
CASE_TRIGGERS = ("entry_date", "contract_end_date", "opened_on")
MAX_STEPS = 400  # working days a rule may count (a guard against a runaway loop)

Code = Annotated[str, StringConstraints(strict=True, pattern=CODE_PATTERN, max_length=64)]
Label = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
Trigger = Annotated[str, StringConstraints(strict=True, pattern=TRIGGER_PATTERN)]


class RuleError(KomokError):
    """A rules file is unreadable or wrong; `.filename` names it, `.problem` says where."""

    def __init__(self, filename: str | Path, problem: str) -> None:
        self.filename = str(filename)
        self.problem = problem
        message = _("Rules file {filename}: {problem}")
        super().__init__(message.format(filename=filename, problem=problem))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text3(_Strict):
    """A text in en, ru and ky."""

    en: Label
    ru: Label
    ky: Label

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to English."""
        return getattr(self, lang, None) or self.en


class Source(_Strict):
    """Where a rule comes from: the law as cited, the article, a link where known."""

    law: Label
    short: Label | None = None  # e.g. "115-ФЗ, ст. 13 п. 8", for narrow columns
    article: Label | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None

    def citation(self) -> str:
        """The law and article on one line."""
        return f"{self.law}, {self.article}" if self.article else self.law

    def short_citation(self) -> str:
        """A short form of the citation (the full one when none is given)."""
        return self.short or self.citation()


class RuleCondition(_Strict):
    """When a rule applies beyond its trigger: the case has one of `categories`, and the
    `missing` dates are not recorded."""

    categories: Annotated[list[Code], Field(min_length=1)] | None = None
    missing: Annotated[list[Trigger], Field(min_length=1)] | None = None


class Rule(_Strict):
    """One deadline rule (see the module docstring)."""

    code: Code
    country: str = ""  # filled in from the file
    title: Text3
    trigger: Trigger
    offset_days: int | None = None
    offset_months: int | None = None
    working_days: bool = False
    when: RuleCondition | None = None
    applies_to: Text3
    source: Source
    effective_from: date
    effective_until: date | None = None
    review: bool
    note: Text3 | None = None

    @model_validator(mode="after")
    def _whole(self) -> Rule:
        if (self.offset_days is None) == (self.offset_months is None):
            raise ValueError("give exactly one of offset_days and offset_months")
        if self.working_days and self.offset_days is None:
            raise ValueError("working_days needs offset_days")
        if self.working_days and abs(self.offset_days or 0) > MAX_STEPS:
            raise ValueError(f"at most {MAX_STEPS} working days")
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        return self

    def in_force_on(self, day: date) -> bool:
        """Whether the rule applied on `day` (the trigger date)."""
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


class _File(_Strict):
    country: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{2}$")]
    rules: Annotated[list[dict[str, Any]], Field(min_length=1)]


@dataclass(frozen=True)
class RuleBook:
    """All loaded rules, by code and by country."""

    rules: tuple[Rule, ...]

    @functools.cached_property
    def _by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    def get(self, code: str | None) -> Rule | None:
        """The rule with `code`, or None (a follow-up may name a rule removed since)."""
        return self._by_code.get(code) if code else None

    @functools.cached_property
    def watched_fields(self) -> frozenset[str]:
        """The case fields (columns, or `details` keys) whose dates some rule counts from."""
        return frozenset(rule.trigger.removeprefix("details.") for rule in self.rules)

    def for_country(self, country: str | None) -> list[Rule]:
        """The rules of a destination country (a vocabulary code such as "ru")."""
        if not country:
            return []
        return [rule for rule in self.rules if rule.country == country.upper()]


# --- loading -------------------------------------------------------------------------------


def _describe(error: ValidationError, where: str) -> str:
    parts = []
    for err in error.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}{'.' + loc if loc else ''}: {msg}")
    return "; ".join(parts)


def _load_file(path: Path) -> list[Rule]:
    try:
        data = read_yaml(path)
    except YamlFileProblem as exc:
        raise RuleError(path, str(exc)) from exc
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise RuleError(path, _describe(exc, "top level")) from exc
    if parsed.country.lower() != path.stem:
        problem = _("country {country!r} does not match the file name")
        raise RuleError(path, problem.format(country=parsed.country))
    if parsed.country.lower() not in default_vocabularies()["country"]:
        raise RuleError(path, _("unknown country {country!r}").format(country=parsed.country))
    rules = []
    for number, raw in enumerate(parsed.rules, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        where = f"rule {number}" + (f" ({code})" if code else "")
        try:
            rule = Rule.model_validate({**raw, "country": parsed.country})
        except ValidationError as exc:
            raise RuleError(path, _describe(exc, where)) from exc
        for category in (rule.when.categories or ()) if rule.when else ():
            if category not in default_vocabularies()["category"]:
                problem = _("{where}: unknown category {code!r}")
                raise RuleError(path, problem.format(where=where, code=category))
        if rule.working_days:
            try:
                holidays.country_holidays(parsed.country)
            except NotImplementedError as exc:
                problem = _("{where}: no public holidays are known for {country}")
                raise RuleError(path, problem.format(where=where, country=parsed.country)) from exc
        rules.append(rule)
    return rules


def load_rules(directory: Path | None = None) -> RuleBook:
    """Read and check every `*.yaml` rules file in `directory` (default: the shipped ones).

    Raises RuleError for unreadable or invalid YAML, a missing or wrong field, an unknown
    country or category, or a rule code used twice.
    """
    directory = Path(directory) if directory is not None else RESOURCES_DIR / "rules"
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        for rule in _load_file(path):
            if rule.code in seen:
                problem = _("rule code {code!r} is also used in {other}")
                raise RuleError(path, problem.format(code=rule.code, other=seen[rule.code].name))
            seen[rule.code] = path
            rules.append(rule)
    return RuleBook(tuple(rules))


@functools.lru_cache(maxsize=1)
def default_rules() -> RuleBook:
    """The shipped rules, loaded once per process."""
    return load_rules()


# --- date arithmetic -----------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country.upper())


def is_working_day(day: date, country: str) -> bool:
    """Whether `day` is a working day in `country` (weekends, public holidays and the
    moved working weekends as the `holidays` package knows them)."""
    table = _calendar(country)
    checker = getattr(table, "is_working_day", None)
    if checker is not None:
        return bool(checker(day))
    return day.weekday() < 5 and day not in table  # holidays < 0.60: no moved working days


def add_working_days(start: date, count: int, country: str) -> date:
    """The date `count` working days after `start` (before it when negative); `start`
    itself is not counted, as a limit runs from the day after the event."""
    step = timedelta(days=1 if count >= 0 else -1)
    day, left = start, abs(count)
    while left:
        day += step
        if is_working_day(day, country):
            left -= 1
    return day


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day if it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(rule: Rule, trigger_date: date) -> date:
    """When a rule's deadline falls for a trigger date."""
    if rule.offset_months is not None:
        return add_months(trigger_date, rule.offset_months)
    assert rule.offset_days is not None
    if rule.working_days:
        return add_working_days(trigger_date, rule.offset_days, rule.country)
    return trigger_date + timedelta(days=rule.offset_days)


def trigger_date(case: Case, trigger: str) -> date | None:
    """The case's date a trigger names (None when it is not recorded or unreadable)."""
    if trigger.startswith("details."):
        raw = (case.details or {}).get(trigger.removeprefix("details."))
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            return None
    value = getattr(case, trigger, None)
    return value if isinstance(value, date) else None


# --- proposals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A follow-up a rule proposes for a case."""

    rule: Rule
    title: str  # in the language asked for
    due_on: date
    trigger_date: date
    overdue: bool  # the due date is already past

    @property
    def source(self) -> str:
        """The legal source on one line."""
        return self.rule.source.citation()


def _condition_holds(rule: Rule, case: Case, categories: Iterable[str]) -> bool:
    when = rule.when
    if when is None:
        return True
    if when.categories is not None and not set(when.categories) & set(categories):
        return False
    return all(trigger_date(case, name) is None for name in when.missing or ())


def propose_follow_ups(
    case: Case,
    today: date,
    *,
    categories: Iterable[str] = (),
    existing_rule_codes: Iterable[str] = (),
    language: str | None = None,
    rules: RuleBook | None = None,
) -> list[Proposal]:
    """The follow-ups the rules of the case's destination country propose, by due date.

    Skips rules already on the case (`existing_rule_codes`), rules whose trigger date is
    not recorded, rules not in force on the trigger date, and rules whose condition
    (categories, missing dates) does not hold.
    """
    book = rules or default_rules()
    lang = language or current_language()
    existing = set(existing_rule_codes)
    categories = list(categories)
    proposals = []
    for rule in book.for_country(case.destination_country):
        if rule.code in existing:
            continue
        start = trigger_date(case, rule.trigger)
        if start is None or not rule.in_force_on(start):
            continue
        if not _condition_holds(rule, case, categories):
            continue
        due = due_date(rule, start)
        proposals.append(Proposal(rule, rule.title.get(lang), due, start, due < today))
    return sorted(proposals, key=lambda p: (p.due_on, p.rule.code))


def _existing_codes(session, case_id: uuid.UUID) -> set[str]:
    rows = session.exec(
        select(FollowUp.rule_code).where(
            FollowUp.case_id == case_id, FollowUp.rule_code.is_not(None)
        )
    )
    return {code for code in rows if code}


def proposals_for_case(
    *,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    today: date | None = None,
    language: str | None = None,
    rules: RuleBook | None = None,
) -> list[Proposal]:
    """Read a case and list the follow-ups its rules propose (see `propose_follow_ups`)."""
    with db.read() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        categories = case_categories(session, case.id)
        existing = _existing_codes(session, case.id)
    return propose_follow_ups(
        case, today or date.today(), categories=categories, existing_rule_codes=existing,
        language=language, rules=rules,
    )  # fmt: skip


def follow_up_note(rule: Rule, lang: str | None = None) -> str:
    """The note a rule's follow-up carries: its source and, if flagged, the review warning."""
    lang = lang or current_language()
    lines = [_("Source: {source}").format(source=rule.source.citation())]
    if rule.source.url:
        lines.append(rule.source.url)
    if rule.note is not None:
        lines.append(rule.note.get(lang))
    if rule.review:
        lines.append(_("This rule is flagged for review: check it against the current law."))
    return "\n".join(lines)


def apply_proposals(
    *,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    proposals: Sequence[Proposal],
    language: str | None = None,
) -> list[FollowUp]:
    """Add proposals to a case as follow-ups (each in its own audited transaction),
    skipping rules the case already has; returns the follow-ups added."""
    with db.read() as session:
        require_case(actor, get_or_404(session, Case, case_id))
        existing = _existing_codes(session, case_id)
    added = []
    for proposal in proposals:
        if proposal.rule.code in existing:
            continue
        data: Mapping[str, Any] = {
            "title": proposal.title,
            "due_on": proposal.due_on,
            "rule_code": proposal.rule.code,
            "note": follow_up_note(proposal.rule, language),
        }
        added.append(add_follow_up(db=db, actor=actor, case_id=case_id, data=data))
        existing.add(proposal.rule.code)
    return added


__all__ = [
    "Proposal",
    "Rule",
    "RuleBook",
    "RuleError",
    "add_months",
    "add_working_days",
    "apply_proposals",
    "default_rules",
    "due_date",
    "follow_up_note",
    "is_working_day",
    "load_rules",
    "proposals_for_case",
    "propose_follow_ups",
    "trigger_date",
]
