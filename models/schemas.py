"""Input models for the services: what may be written, already cleaned and checked.

`*Create` models hold a new record; `*Update` models hold only the fields being changed
(unset fields are left alone). Validators give translated messages (see models.validation).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.validation import (
    check_code,
    check_past_date,
    clean_name,
    clean_text,
    normalize_phone,
)
from translations import _

MAX_PHONES = 5


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _phones(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        if value is None or not str(value).strip():
            continue
        phone = normalize_phone(value)
        if phone not in out:
            out.append(phone)
    if len(out) > MAX_PHONES:
        raise ValueError(_("At most {n} phone numbers.").format(n=MAX_PHONES))
    return out


class _PersonFields(_Input):
    @field_validator("family_name", "given_name", "patronymic", mode="before", check_fields=False)
    @classmethod
    def _name(cls, v):
        return clean_name(v)

    @field_validator("latin_name", mode="before", check_fields=False)
    @classmethod
    def _latin(cls, v):
        text = clean_text(v, max_length=200)
        if text and not all(ch.isascii() for ch in text):
            raise ValueError(_("Write the passport spelling in Latin letters."))
        return text

    @field_validator("rayon", mode="before", check_fields=False)
    @classmethod
    def _rayon(cls, v):
        return clean_text(v, max_length=100)

    @field_validator("sex", check_fields=False)
    @classmethod
    def _sex(cls, v):
        return check_code("sex", v) or "unknown"

    @field_validator("oblast", check_fields=False)
    @classmethod
    def _oblast(cls, v):
        return check_code("oblast", v)

    @field_validator("birth_date", check_fields=False)
    @classmethod
    def _birth_date(cls, v):
        return check_past_date(v)

    @field_validator("birth_year", check_fields=False)
    @classmethod
    def _birth_year(cls, v):
        if v is not None and not 1900 <= v <= date.today().year:
            raise ValueError(_("The birth year must be between 1900 and this year."))
        return v

    @field_validator("phones", mode="before", check_fields=False)
    @classmethod
    def _phone_list(cls, v):
        if isinstance(v, str):
            v = [v]
        return _phones(v)


class PersonCreate(_PersonFields):
    """A new client."""

    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    latin_name: str = ""
    sex: str = "unknown"
    birth_date: date | None = None
    birth_year: int | None = None
    phones: list[str] = Field(default_factory=list)
    oblast: str | None = None
    rayon: str = ""

    @model_validator(mode="after")
    def _whole(self):
        if not (self.family_name or self.given_name):
            raise ValueError(_("Enter at least a family name or a given name."))
        if self.birth_date and self.birth_year and self.birth_date.year != self.birth_year:
            raise ValueError(_("The birth date and the birth year do not agree."))
        if self.birth_date and not self.birth_year:
            self.birth_year = self.birth_date.year
        return self


class PersonUpdate(_PersonFields):
    """Changes to a client; only the fields given are changed."""

    family_name: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    latin_name: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    phones: list[str] | None = None
    oblast: str | None = None
    rayon: str | None = None


class _CaseFields(_Input):
    @field_validator("categories", check_fields=False)
    @classmethod
    def _categories(cls, v):
        if v is None:
            return v
        codes = []
        for code in v:
            check_code("category", code)
            if code not in codes:
                codes.append(code)
        if not codes:
            raise ValueError(_("Choose at least one problem category."))
        return codes

    @field_validator("destination_country", check_fields=False)
    @classmethod
    def _country(cls, v):
        return check_code("country", v)

    @field_validator("destination_region", check_fields=False)
    @classmethod
    def _region(cls, v):
        return check_code("region", v)

    @field_validator("sector", check_fields=False)
    @classmethod
    def _sector(cls, v):
        return check_code("sector", v)

    @field_validator("risk_level", check_fields=False)
    @classmethod
    def _risk(cls, v):
        return check_code("risk_level", v) or "low"

    @field_validator("destination_city", "employer_name", mode="before", check_fields=False)
    @classmethod
    def _short_text(cls, v):
        return clean_text(v, max_length=200)

    @field_validator("entry_date", "opened_on", check_fields=False)
    @classmethod
    def _past(cls, v):
        return check_past_date(v)

    @field_validator("contract_end_date", check_fields=False)
    @classmethod
    def _contract_end(cls, v):
        if v is not None and not date(1990, 1, 1) <= v <= date(2100, 1, 1):
            raise ValueError(_("Not a plausible contract end date."))
        return v

    @field_validator("details", check_fields=False)
    @classmethod
    def _details(cls, v):
        if v is None:
            return v
        for key in v:
            if not isinstance(key, str) or not key or len(key) > 64:
                raise ValueError(_("Form field names must be short text."))
        return v

    def _check_region(self, country: str | None, region: str | None) -> None:
        from models.vocab import default_vocabularies

        if region and country:
            item = default_vocabularies()["region"].get(region)
            if item is not None and item.extra.get("country") not in (country, None):
                raise ValueError(_("The region is not in the chosen country."))


class CaseCreate(_CaseFields):
    """A new case for an existing person."""

    person_id: uuid.UUID
    opened_on: date | None = None
    categories: list[str]
    destination_country: str | None = None
    destination_region: str | None = None
    destination_city: str = ""
    sector: str | None = None
    employer_name: str = ""
    entry_date: date | None = None
    contract_end_date: date | None = None
    risk_level: str = "low"
    assigned_user_id: uuid.UUID | None = None
    consent_store: bool = False
    consent_refer: bool = False
    consent_stats: bool = False
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _whole(self):
        if not self.consent_store:
            raise ValueError(
                _("Record the client's consent to store their data before saving the case.")
            )
        self._check_region(self.destination_country, self.destination_region)
        return self


class CaseUpdate(_CaseFields):
    """Changes to a case; only the fields given are changed (status has its own service)."""

    categories: list[str] | None = None
    destination_country: str | None = None
    destination_region: str | None = None
    destination_city: str | None = None
    sector: str | None = None
    employer_name: str | None = None
    entry_date: date | None = None
    contract_end_date: date | None = None
    risk_level: str | None = None
    assigned_user_id: uuid.UUID | None = None
    consent_refer: bool | None = None
    consent_stats: bool | None = None
    details: dict[str, Any] | None = None


class StatusChange(_Input):
    """Moving a case to another status (closing needs a reason)."""

    status: str
    closure_reason: str | None = None
    note: str = ""

    @field_validator("status")
    @classmethod
    def _status(cls, v):
        return check_code("case_status", v)

    @field_validator("closure_reason")
    @classmethod
    def _reason(cls, v):
        return check_code("closure_reason", v)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v):
        return clean_text(v, max_length=5000, multiline=True)

    @model_validator(mode="after")
    def _whole(self):
        if self.status == "closed" and not self.closure_reason:
            raise ValueError(_("Choose why the case is being closed."))
        if self.status != "closed" and self.closure_reason:
            raise ValueError(_("A closure reason is only given when closing a case."))
        return self


USER_EVENT_KINDS = ("note", "call", "meeting", "document")


class EventCreate(_Input):
    """A timeline entry written by a person (status changes and referrals come from services)."""

    kind: str = "note"
    occurred_at: datetime | None = None
    text: str

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        if v not in USER_EVENT_KINDS:
            raise ValueError(_("Unknown value “{code}”.").format(code=v))
        return v

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v):
        text = clean_text(v, max_length=20000, multiline=True)
        if not text:
            raise ValueError(_("Write what happened."))
        return text

    @field_validator("occurred_at")
    @classmethod
    def _when(cls, v):
        if v is not None and v.tzinfo is None:
            raise ValueError(_("Not a valid date."))
        return v


class FollowUpCreate(_Input):
    """Something to do on a case by a date."""

    title: str
    due_on: date
    rule_code: str | None = None
    assigned_user_id: uuid.UUID | None = None
    note: str = ""

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v):
        text = clean_text(v, max_length=300)
        if not text:
            raise ValueError(_("Say what needs to be done."))
        return text

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v):
        return clean_text(v, max_length=5000, multiline=True)

    @field_validator("due_on")
    @classmethod
    def _due(cls, v):
        if not date(2000, 1, 1) <= v <= date(2100, 1, 1):
            raise ValueError(_("Not a plausible due date."))
        return v
