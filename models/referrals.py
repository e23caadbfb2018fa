"""Referrals: issuing a numbered letter to an institution, and following its status.

`create_referral` does everything in ONE transaction: checks the user may work on the
case and that the client's consent to referral is recorded (only a coordinator may
override a missing consent, with a reason, which is audited), takes the next number of
the outgoing register, fills the letter in (`models.letters`), has it rendered by the
caller's `render` function (the PDF renderer lives in `reports`, which models cannot
import), stores the PDF with the case (encrypted with the database), and writes the
referral row, a timeline entry and the audit entries. Any error rolls everything back,
the register number included.

Status changes (`change_referral_status`, `mark_no_response`, `allowed_referral_statuses`)
live in `models.referral_status`, reading a stored letter and recording its exports
(`stored_letter`, `record_letter_output`) in `models.referral_outputs`; all are
re-exported here, so callers need only this module.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pydantic import Field, field_validator
from sqlmodel import Session, select

from models import audit
from models.actor import Actor
from models.cases import case_categories
from models.db import Database
from models.errors import PermissionDenied, ValidationFailed
from models.letter_settings import decode_logo
from models.letters import (
    LETTER_LANGUAGES,
    LetterContext,
    Letterhead,
    LetterInput,
    compose_letter,
    default_letters,
)
from models.permissions import has, require_case
from models.records import get_or_404
from models.referral_facts import FACT_KEYS, CaseFacts, fact_values
from models.referral_outputs import LETTER_OUTPUTS, record_letter_output, stored_letter
from models.referral_status import (
    allowed_referral_statuses,
    change_referral_status,
    mark_no_response,
    move_referral,
)
from models.register import next_register_number
from models.schemas import _Input
from models.settings import get_setting
from models.tables import Attachment, Case, CaseEvent, Institution, Person, Referral, User
from models.timeutil import utcnow
from models.validation import check_code, clean_text, validate
from translations import _, current_language

__all__ = [
    "LETTER_OUTPUTS",
    "ConsentRequired",
    "ReferralCreate",
    "ReferralOptions",
    "allowed_referral_statuses",
    "change_referral_status",
    "create_referral",
    "institution_name",
    "letter_preview_context",
    "mark_no_response",
    "record_letter_output",
    "referral_options",
    "stored_letter",
]

PDF_MEDIA_TYPE = "application/pdf"
Render = Callable[[LetterContext], bytes]


class ConsentRequired(PermissionDenied):
    """The client's consent to referral is not recorded and the user may not override it."""

    def default_message(self) -> str:
        return _(
            "The client's consent to referral is not recorded on this case. Record the "
            "consent on the case, or ask a coordinator to override it with a reason."
        )


class ReferralCreate(_Input):
    """A new referral letter: to whom, in which language, why, and what it may disclose."""

    case_id: uuid.UUID
    institution_id: uuid.UUID
    template: str
    language: str
    reason: str = ""
    services: list[str] = Field(default_factory=list)
    disclosed: list[str] = Field(default_factory=list)
    consent_override_reason: str | None = None
    mark_sent: bool = False

    @field_validator("template")
    @classmethod
    def _template(cls, v):
        if v not in default_letters().names:
            raise ValueError(_("Unknown value “{code}”.").format(code=v))
        return v

    @field_validator("language")
    @classmethod
    def _language(cls, v):
        if v not in LETTER_LANGUAGES:
            raise ValueError(_("Unknown value “{code}”.").format(code=v))
        return v

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, v):
        return clean_text(v, max_length=5000, multiline=True)

    @field_validator("consent_override_reason", mode="before")
    @classmethod
    def _override(cls, v):
        return clean_text(v, max_length=2000, multiline=True) or None

    @field_validator("services")
    @classmethod
    def _services(cls, v):
        codes: list[str] = []
        for code in v:
            check_code("assistance", code)
            if code not in codes:
                codes.append(code)
        return codes

    @field_validator("disclosed")
    @classmethod
    def _disclosed(cls, v):
        unknown = [key for key in v if key not in FACT_KEYS]
        if unknown:
            raise ValueError(_("Unknown value “{code}”.").format(code=unknown[0]))
        return [key for key in FACT_KEYS if key in set(v)]


@dataclass(frozen=True)
class ReferralOptions:
    """What the referral dialog offers for a case, read at one moment."""

    case_id: uuid.UUID
    case_number: str
    categories: tuple[str, ...]
    consent_refer: bool
    may_override: bool
    facts: Mapping[str, str | None]  # fact key -> value in the interface language, or None
    institutions: tuple[Institution, ...]


# --- reading what a letter is made of --------------------------------------------------


def _case_facts(session: Session, case: Case) -> CaseFacts:
    person = get_or_404(session, Person, case.person_id)
    return CaseFacts(case, person, tuple(case_categories(session, case.id)))


def institution_name(institution: Institution, language: str) -> str:
    """An institution's name in `language`, else in any language it has."""
    for lang in (language, "ru", "en", "ky"):
        name = getattr(institution, f"name_{lang}", "") or ""
        if name.strip():
            return name.strip()
    return ""


def _stems(text: str) -> set[str]:
    return {word[:5] for word in re.findall(r"\w+", text.casefold()) if len(word) >= 4}


def _addressee(institution: Institution, language: str) -> tuple[str, ...]:
    """The addressee block: the organisation's addressee title for the institution (e.g.
    "To the Consul General"), the institution's name in the letter's language unless the
    title already names it (in any grammatical case), then its postal address."""
    title = [line.strip() for line in (institution.addressee_title or "").splitlines()]
    lines = [line for line in title if line]
    name = institution_name(institution, language)
    stems = _stems(name)
    if name and (not stems or len(stems & _stems(" ".join(lines))) < 0.6 * len(stems)):
        lines.append(name)
    lines += (institution.address or "").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def _consent(actor: Actor, case: Case, values: ReferralCreate) -> str | None:
    """None when the consent is recorded, else the override reason (or refuse)."""
    if case.consent_refer:
        return None
    if not has(actor, "override_consent"):
        raise ConsentRequired()
    if not values.consent_override_reason:
        raise ValidationFailed(
            {
                "consent_override_reason": _(
                    "The client's consent to referral is not recorded. To send the letter "
                    "anyway, write why; the override is recorded in the audit log."
                )
            }
        )
    return values.consent_override_reason


def _letter_input(
    session: Session,
    actor: Actor,
    case: Case,
    institution: Institution,
    values: ReferralCreate,
    *,
    issued_on: date,
) -> LetterInput:
    lang = values.language
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    author = user.display_name if user is not None else ""
    signer = get_setting(session, "letter_signer_name") or author
    titles = get_setting(session, "letter_signer_title") or {}
    consent_at = case.consent_refer_at if case.consent_refer else None
    return LetterInput(
        template=values.template,
        language=lang,
        facts=_case_facts(session, case),
        disclosed=tuple(values.disclosed),
        reason=values.reason,
        services=tuple(values.services),
        organisation=get_setting(session, "organisation_name") or "",
        institution=institution_name(institution, lang),
        addressee=_addressee(institution, lang),
        letterhead=Letterhead(
            name=get_setting(session, "organisation_name") or "",
            address=get_setting(session, "letterhead_address") or "",
            phone=get_setting(session, "letterhead_phone") or "",
            email=get_setting(session, "letterhead_email") or "",
            logo=decode_logo(get_setting(session, "letterhead_logo") or ""),
        ),
        number=None,
        issued_on=issued_on,
        consent_on=(consent_at.date() if consent_at else issued_on) if case.consent_refer else None,
        signer_name=signer,
        signer_title=titles.get(lang, "") if isinstance(titles, dict) else "",
        executor_name=author if author != signer else "",
    )


def _load(session: Session, actor: Actor, values: ReferralCreate) -> tuple[Case, Institution]:
    case = get_or_404(session, Case, values.case_id)
    require_case(actor, case)
    institution = get_or_404(session, Institution, values.institution_id)
    if not institution.active:
        raise ValidationFailed(
            {"institution_id": _("This institution is no longer in use; choose another.")}
        )
    return case, institution


def referral_options(*, db: Database, actor: Actor, case_id: uuid.UUID) -> ReferralOptions:
    """The case's facts (in the interface language), consent and the active institutions."""
    lang = current_language()
    with db.read() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        facts = _case_facts(session, case)
        wording = default_letters().common(lang if lang in LETTER_LANGUAGES else "en").wording
        institutions = session.exec(
            select(Institution).where(Institution.active == True)  # noqa: E712
        ).all()
    institutions = sorted(institutions, key=lambda i: institution_name(i, lang).casefold())
    return ReferralOptions(
        case_id=case.id,
        case_number=case.number,
        categories=facts.categories,
        consent_refer=case.consent_refer,
        may_override=has(actor, "override_consent"),
        facts=fact_values(facts, wording),
        institutions=tuple(institutions),
    )


def letter_preview_context(
    *, db: Database, actor: Actor, data: ReferralCreate | Mapping[str, Any]
) -> LetterContext:
    """The letter as it would be issued today, without a number (nothing is written)."""
    values = validate(ReferralCreate, data)
    with db.read() as session:
        case, institution = _load(session, actor, values)
        _consent(actor, case, values)
        letter = _letter_input(session, actor, case, institution, values, issued_on=date.today())
    return compose_letter(letter)


# --- issuing ---------------------------------------------------------------------------


def _pdf_filename(number: str) -> str:
    return "letter-" + (re.sub(r"[^0-9A-Za-z]+", "-", number).strip("-") or "draft") + ".pdf"


def _event_text(number: str | None, institution: Institution) -> str:
    name = institution_name(institution, current_language())
    if number:
        return _("Referral letter № {number} to {institution}").format(
            number=number, institution=name
        )
    return _("Referral to {institution}").format(institution=name)


def create_referral(
    *, db: Database, actor: Actor, data: ReferralCreate | Mapping[str, Any], render: Render
) -> Referral:
    """Issue a referral letter: number it, render it, store it, and record it (one transaction).

    Refused when the client's consent to referral is not recorded, unless a coordinator
    overrides it with a reason. A missing letter value raises MissingLetterValues before
    a number is taken. `render` turns the filled-in letter into PDF bytes.
    """
    values = validate(ReferralCreate, data)
    issued_on = date.today()
    with db.write() as session:
        case, institution = _load(session, actor, values)
        override = _consent(actor, case, values)
        letter = _letter_input(session, actor, case, institution, values, issued_on=issued_on)
        compose_letter(letter)  # report missing values before a number is taken
        fmt = get_setting(session, "register_number_format")
        try:
            serial, number = next_register_number(session, year=issued_on.year, fmt=fmt)
        except ValueError as exc:
            raise ValidationFailed({"register_number_format": str(exc)}) from None
        pdf = render(compose_letter(replace(letter, number=number)))
        attachment = Attachment(
            case_id=case.id,
            filename=_pdf_filename(number),
            media_type=PDF_MEDIA_TYPE,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            content=pdf,
            created_by=actor.user_id,
        )
        session.add(attachment)
        session.flush()
        referral = Referral(
            case_id=case.id,
            institution_id=institution.id,
            register_number=number,
            register_year=issued_on.year,
            register_serial=serial,
            issued_on=issued_on,
            status="draft",
            language=values.language,
            template=values.template,
            reason=values.reason,
            services=values.services,
            disclosed=values.disclosed,
            consent_override_reason=override,
            consent_override_by=actor.user_id if override else None,
            attachment_id=attachment.id,
            created_by=actor.user_id,
        )
        session.add(referral)
        session.flush()
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="referral",
                occurred_at=utcnow(),
                author_id=actor.user_id,
                text=_event_text(number, institution),
                data={
                    "referral_id": str(referral.id),
                    "register_number": number,
                    "institution_id": str(institution.id),
                    "status": "draft",
                    "attachment_id": str(attachment.id),
                },
            )
        )
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="referral",
            entity_id=referral.id,
            changes={
                "case_id": case.id,
                "institution_id": institution.id,
                "register_number": number,
                "template": values.template,
                "language": values.language,
                "services": values.services,
                "disclosed": values.disclosed,
                "consent_override": override is not None,
                "pdf_sha256": attachment.sha256,
            },
        )
        if override is not None:
            audit.record(
                session,
                actor=actor,
                action="override_consent",
                entity="referral",
                entity_id=referral.id,
                changes={"case_id": case.id, "reason": override},
            )
        if values.mark_sent:
            move_referral(session, actor, referral, "sent", note="", on=issued_on)
    return referral
