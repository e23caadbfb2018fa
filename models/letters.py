"""Filling a referral-letter template in for a case: the plain data a letter shows.

`compose_letter` turns a template (`models.letter_templates`) and a case's values into a
`LetterContext`, the plain data `reports.referral_letter` draws. A placeholder without a
value is never left blank: every missing value is collected and reported at once
(`MissingLetterValues`, in the interface language) before anything is rendered. Only the
facts ticked for disclosure appear, with their labels and values in the letter's
language. No Qt, no reportlab here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from models.errors import KomokError, ValidationFailed
from models.letter_templates import (
    GENERAL_PLACEHOLDERS,
    LETTER_LANGUAGES,
    LETTERS_DIR,
    LetterLibrary,
    LetterTemplateError,
    default_letters,
    fact_label,
    load_letter_library,
    placeholders_in,
)
from models.referral_facts import FACT_KEYS, CaseFacts, fact_values
from models.vocab import default_vocabularies
from translations import _

__all__ = [
    "GENERAL_PLACEHOLDERS",
    "LETTERS_DIR",
    "LETTER_LANGUAGES",
    "LetterContext",
    "LetterInput",
    "LetterLibrary",
    "LetterTemplateError",
    "Letterhead",
    "MissingLetterValues",
    "compose_letter",
    "default_letters",
    "fact_label",
    "load_letter_library",
]


class MissingLetterValues(ValidationFailed):
    """The letter needs values this case does not have; `field_errors` lists each one."""

    def __init__(self, missing: Mapping[str, str]) -> None:
        self.field_errors = dict(missing)
        lines = "\n".join(f"• {message}" for message in self.field_errors.values())
        KomokError.__init__(
            self, _("The letter cannot be made until these are filled in:") + "\n" + lines
        )


@dataclass(frozen=True)
class Letterhead:
    """The organisation's letterhead: name, address, contacts, optional logo (file bytes)."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    logo: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LetterContext:
    """Everything a referral letter shows, already in the letter's language.

    `number` is None for a preview (the number is taken only when the letter is saved).
    `labels` holds the common words (number and date lines, page numbers…).
    """

    language: str
    template: str
    letterhead: Letterhead
    number: str | None
    date: date
    date_text: str
    addressee: tuple[str, ...]
    subject: str
    salutation: str
    paragraphs: tuple[str, ...]
    services_intro: str
    services: tuple[str, ...]
    facts_heading: str
    facts: tuple[tuple[str, str], ...]
    consent_statement: str
    closing: str
    signer_name: str
    signer_title: str
    executor: str  # "who prepared the letter" line at the foot, or ""
    labels: Mapping[str, str]

    @property
    def number_text(self) -> str:
        """The outgoing-number line (with a dash in place of the number in a preview)."""
        number = self.number if self.number else self.labels["no_number"]
        return self.labels["number_line"].format(number=number)

    @property
    def date_line(self) -> str:
        """The date line under the number."""
        return self.labels["date_line"].format(date=self.date_text)

    def page_text(self, page: int, pages: int) -> str:
        """The page-number line, e.g. "Page 1 of 2"."""
        return self.labels["page"].format(page=page, pages=pages)


# --- filling in ------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterInput:
    """What a letter is made from, gathered by `models.referrals` from the database."""

    template: str
    language: str
    facts: CaseFacts
    disclosed: tuple[str, ...]
    reason: str
    services: tuple[str, ...]
    organisation: str
    institution: str
    addressee: tuple[str, ...]
    letterhead: Letterhead
    number: str | None
    issued_on: date
    consent_on: date | None  # None: sent on a coordinator's override
    signer_name: str
    signer_title: str
    executor_name: str = ""


def compose_letter(data: LetterInput, library: LetterLibrary | None = None) -> LetterContext:
    """Fill a template in for a case; MissingLetterValues lists every value it lacks."""
    library = library or default_letters()
    lang = data.language
    text, common = library.text(data.template, lang), library.common(lang)
    info = library.info(data.template)
    values = fact_values(data.facts, common.wording)
    disclosed = [key for key in FACT_KEYS if key in set(data.disclosed)]
    shown = {key: values[key] for key in disclosed if values[key]}
    general = {
        "organisation": data.organisation.strip(),
        "institution": data.institution.strip(),
        "reason": data.reason.strip(),
    }
    missing: dict[str, str] = {}

    def need(name: str) -> None:
        if name in general:
            if not general[name]:
                missing[name] = {
                    "organisation": _("The organisation's name is not set in the settings."),
                    "institution": _("The institution has no name in the letter's language."),
                    "reason": _("Write the reason for the referral."),
                }[name]
        elif name not in disclosed:
            missing[name] = _(
                "“{fact}” is used by the letter but not ticked for disclosure."
            ).format(fact=fact_label(name))
        elif not values[name]:
            missing[name] = _("“{fact}” is not recorded on the case.").format(fact=fact_label(name))

    paragraphs = [p for p in text.paragraphs if p.when is None or p.when in shown]
    for part in (text.subject, text.salutation, *(p.text for p in paragraphs)):
        for name in sorted(placeholders_in(part)):
            need(name)
    for name in info.needs:
        need(name)
    for key in disclosed:
        if not values[key]:
            need(key)
    if missing:
        raise MissingLetterValues(missing)
    fill_values = {**general, **shown}
    consent = (
        common.labels["consent"].format(date=common.wording.date(data.consent_on))
        if data.consent_on is not None
        else common.labels["consent_override"]
    )
    return LetterContext(
        language=lang,
        template=data.template,
        letterhead=data.letterhead,
        number=data.number,
        date=data.issued_on,
        date_text=common.wording.date(data.issued_on),
        addressee=tuple(line for line in data.addressee if line.strip()),
        subject=text.subject.format_map(fill_values),
        salutation=text.salutation.format_map(fill_values),
        paragraphs=tuple(p.text.format_map(fill_values) for p in paragraphs),
        services_intro=text.services_intro if data.services else "",
        services=tuple(
            default_vocabularies()["assistance"].label(code, lang) for code in data.services
        ),
        facts_heading=text.facts_heading or common.labels["facts_heading"],
        facts=tuple((common.fact_labels[key], shown[key]) for key in disclosed),
        consent_statement=consent,
        closing=text.closing or common.labels["closing"],
        signer_name=data.signer_name,
        signer_title=data.signer_title,
        executor=(
            common.labels["executor"].format(name=data.executor_name.strip())
            if data.executor_name.strip()
            else ""
        ),
        labels=common.labels,
    )
