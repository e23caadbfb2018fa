"""Input models for the institution directory: what a user may write about an institution.

`InstitutionCreate` holds a new institution (a diaspora association, partner NGO, lawyer,
hospital…); `InstitutionUpdate` only the fields being changed. Names come in Kyrgyz,
Russian and English; at least one of them is needed. The stable `code` and the `shipped`
mark belong to the shipped list and are never set here.
"""

from __future__ import annotations

import re

from pydantic import field_validator, model_validator

from models.schemas import _Input
from models.validation import check_code, clean_text
from translations import _

NAME_FIELDS = ("name_ky", "name_ru", "name_en")
MAX_NAME = 300
_ISO = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def clean_country(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 country code in capitals, or None when empty."""
    text = clean_text(value, max_length=16).upper()
    if not text:
        return None
    if not _ISO.match(text):
        raise ValueError(_("Use the two-letter country code, e.g. KG, RU or KZ."))
    return text


def clean_email(value: str | None) -> str:
    """An e-mail address (or "" when none is known)."""
    text = clean_text(value, max_length=200)
    if text and not _EMAIL.match(text):
        raise ValueError(_("“{email}” is not an e-mail address.").format(email=text))
    return text


def clean_phone_text(value: str | None) -> str:
    """One or more phone numbers as the institution gives them (extensions, hours…)."""
    text = clean_text(value, max_length=100)
    if text and sum(ch.isdigit() for ch in text) < 5:
        raise ValueError(_("Enter the phone number with its digits."))
    return text


class _InstitutionFields(_Input):
    @field_validator(*NAME_FIELDS, "addressee_title", mode="before", check_fields=False)
    @classmethod
    def _line(cls, v):
        return clean_text(v, max_length=MAX_NAME)

    @field_validator("city", mode="before", check_fields=False)
    @classmethod
    def _city(cls, v):
        return clean_text(v, max_length=100)

    @field_validator("address", mode="before", check_fields=False)
    @classmethod
    def _address(cls, v):
        return clean_text(v, max_length=2000, multiline=True)

    @field_validator("phone", mode="before", check_fields=False)
    @classmethod
    def _phone(cls, v):
        return clean_phone_text(v)

    @field_validator("email", mode="before", check_fields=False)
    @classmethod
    def _email(cls, v):
        return clean_email(v)

    @field_validator("country", mode="before", check_fields=False)
    @classmethod
    def _country(cls, v):
        return clean_country(v)

    @field_validator("kind", check_fields=False)
    @classmethod
    def _kind(cls, v):
        if v is None:
            return v
        code = check_code("institution_kind", v)
        if code is None:
            raise ValueError(_("Choose the kind of institution."))
        return code


class InstitutionCreate(_InstitutionFields):
    """A new institution added by the organisation."""

    kind: str
    country: str | None = None
    city: str = ""
    name_ky: str = ""
    name_ru: str = ""
    name_en: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    addressee_title: str = ""

    @model_validator(mode="after")
    def _whole(self):
        if not any(getattr(self, name) for name in NAME_FIELDS):
            raise ValueError(_("Enter the institution's name in at least one language."))
        return self


class InstitutionUpdate(_InstitutionFields):
    """Changes to an institution; only the fields given are changed."""

    kind: str | None = None
    country: str | None = None
    city: str | None = None
    name_ky: str | None = None
    name_ru: str | None = None
    name_en: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    addressee_title: str | None = None
