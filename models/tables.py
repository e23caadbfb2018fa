"""The SQLModel tables: people, cases and everything recorded about them.

Primary keys are UUIDs so that cases can later move between machines; people see the
readable case number instead. Every mutable row has `created_at`, `updated_at` and
`version` (optimistic locking, checked by the services). Codes (status, sex, oblast…)
are stored as stable vocabulary codes from `resources/vocab` and validated by services.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from models.timeutil import UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")

# Named constraints, so that Alembic's batch mode can alter SQLite tables later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, **kw)


def _fk(target: str, *, nullable: bool = True, ondelete: str | None = None, index: bool = True):
    return Field(
        default=None,
        sa_column_args=[ForeignKey(target, ondelete=ondelete)],
        nullable=nullable,
        index=index,
    )


class Mutable(SQLModel):
    """Columns every mutable row carries."""

    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1, nullable=False)


class User(Mutable, table=True):
    """Someone who signs in: a volunteer, a caseworker or a coordinator."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    language: str = Field(default="ky", max_length=8)
    active: bool = Field(default=True)
    password_hash: str | None = Field(default=None, max_length=255)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Person(Mutable, table=True):
    """A client: the migrant (or family member) a case is about."""

    __tablename__ = "people"
    # Statistics look clients up by id for these only (migration 0007).
    __table_args__ = (Index("ix_people_stats", "id", "sex", "birth_date", "birth_year", "oblast"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    family_name: str = Field(default="", max_length=100)
    given_name: str = Field(default="", max_length=100)
    patronymic: str | None = Field(default=None, max_length=100)
    latin_name: str | None = Field(default=None, max_length=200)
    sex: str = Field(default="unknown", max_length=16)
    birth_date: date | None = None
    birth_year: int | None = None
    phones: list[str] = Field(default_factory=list, sa_type=JSONType)
    oblast: str | None = Field(default=None, max_length=32, index=True)
    rayon: str | None = Field(default=None, max_length=100)
    created_by: uuid.UUID | None = _fk("users.id", index=False)


class Case(Mutable, table=True):
    """One request for help: a person's problem(s), where they are, and its progress."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_opened", "status", "opened_on"),
        Index("ix_cases_opened_on", "opened_on"),
        # Statistics (migration 0004): covering indexes, so a period is one index range.
        Index(
            "ix_cases_stats_opened",
            "opened_on",
            "consent_stats",
            "person_id",
            "destination_country",
            "destination_region",
            "sector",
            "id",
        ),
        Index("ix_cases_stats_closed", "closed_on", "consent_stats", "opened_on", "closure_reason"),
        # A case looked up by id for these only: referrals' statistics, follow-ups (0007).
        Index("ix_cases_id_lookup", "id", "status", "consent_stats", "assigned_user_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    person_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("people.id", ondelete="RESTRICT")], index=True
    )
    opened_on: date
    status: str = Field(default="new", max_length=32)
    closure_reason: str | None = Field(default=None, max_length=32)
    closed_on: date | None = None
    risk_level: str = Field(default="low", max_length=16)
    minor: bool = Field(default=False)
    destination_country: str | None = Field(default=None, max_length=16, index=True)
    destination_region: str | None = Field(default=None, max_length=32)
    destination_city: str | None = Field(default=None, max_length=100)
    sector: str | None = Field(default=None, max_length=32)
    employer_name: str | None = Field(default=None, max_length=200)
    entry_date: date | None = None
    contract_end_date: date | None = None
    assigned_user_id: uuid.UUID | None = _fk("users.id")
    created_by: uuid.UUID | None = _fk("users.id", index=False)
    consent_store: bool = Field(default=False)
    consent_store_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_refer: bool = Field(default=False)
    consent_refer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_stats: bool = Field(default=False)
    consent_stats_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class CaseCategory(SQLModel, table=True):
    """Links a case to one of its problem categories (a case may have several)."""

    __tablename__ = "case_categories"

    case_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("cases.id", ondelete="CASCADE")], primary_key=True
    )
    code: str = Field(max_length=32, primary_key=True, index=True)


class CaseEvent(Mutable, table=True):
    """An entry on a case's timeline: a note, call, meeting, document, status change…"""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_time", "case_id", "occurred_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(sa_column_args=[ForeignKey("cases.id", ondelete="CASCADE")])
    kind: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    author_id: uuid.UUID | None = _fk("users.id", index=False)
    text: str = Field(default="", sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class FollowUp(Mutable, table=True):
    """Something to do on a case by a date, proposed by a deadline rule or set by hand."""

    __tablename__ = "follow_ups"
    # Open follow-ups by due date, with what the lists join and filter on (migration 0007).
    __table_args__ = (
        Index("ix_follow_ups_open_due_case", "done_on", "due_on", "case_id", "assigned_user_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("cases.id", ondelete="CASCADE")], index=True
    )
    title: str = Field(max_length=300)
    due_on: date
    done_on: date | None = None
    rule_code: str | None = Field(default=None, max_length=64)
    assigned_user_id: uuid.UUID | None = _fk("users.id")
    note: str = Field(default="", sa_type=Text)


class Institution(Mutable, table=True):
    """Where cases are referred: embassies, ministries, inspectorates, NGOs…"""

    __tablename__ = "institutions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str | None = Field(default=None, max_length=64, unique=True)
    kind: str = Field(max_length=32)
    country: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=100)
    name_en: str = Field(default="", max_length=300)
    name_ru: str = Field(default="", max_length=300)
    name_ky: str = Field(default="", max_length=300)
    address: str = Field(default="", sa_type=Text)
    phone: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=200)
    addressee_title: str = Field(default="", max_length=300)
    shipped: bool = Field(default=False)
    active: bool = Field(default=True)
    # Shipped columns (names, kind, place) the organisation changed: a sync never
    # overwrites them (see models.institutions).
    local_fields: list[str] = Field(default_factory=list, sa_type=JSONType)


class Attachment(SQLModel, table=True):
    """A document kept with a case, stored (encrypted) inside the database."""

    __tablename__ = "attachments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("cases.id", ondelete="CASCADE")], index=True
    )
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=LargeBinary)
    created_by: uuid.UUID | None = _fk("users.id", index=False)
    created_at: datetime = _ts()


class Referral(Mutable, table=True):
    """A letter sending a case to an institution, numbered in the outgoing register."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_status_due", "status", "response_due_on"),
        Index("ix_referrals_register_serial", "register_year", "register_serial", unique=True),
        Index("ix_referrals_sent_on", "sent_on", "status", "institution_id", "case_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("cases.id", ondelete="CASCADE")], index=True
    )
    institution_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("institutions.id", ondelete="RESTRICT")], index=True
    )
    register_number: str | None = Field(default=None, max_length=64, unique=True)
    status: str = Field(default="draft", max_length=32, index=True)
    language: str = Field(default="ru", max_length=8)
    template: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", sa_type=Text)
    services: list[str] = Field(default_factory=list, sa_type=JSONType)
    disclosed: list[str] = Field(default_factory=list, sa_type=JSONType)
    sent_on: date | None = None
    response_due_on: date | None = None
    consent_override_reason: str | None = Field(default=None, sa_type=Text)
    consent_override_by: uuid.UUID | None = _fk("users.id", index=False)
    attachment_id: uuid.UUID | None = _fk("attachments.id", index=False)
    created_by: uuid.UUID | None = _fk("users.id", index=False)
    # The letter's date and its place in the outgoing register (`register:<year>` counter).
    issued_on: date | None = None
    register_year: int | None = None
    register_serial: int | None = None


class Draft(Mutable, table=True):
    """One user's unsaved editor state for a case (or a new intake), kept so a crash loses nothing.

    `key` names the editor ("case:<uuid>", "intake"); `data` is its JSON state. It lives in
    the encrypted database, never in a plain file, and is deleted once the work is saved.
    """

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_user_id_key", "user_id", "key", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column_args=[ForeignKey("users.id", ondelete="CASCADE")])
    key: str = Field(max_length=80)
    case_id: uuid.UUID | None = _fk("cases.id", ondelete="CASCADE")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class Setting(SQLModel, table=True):
    """An organisation-wide setting (name, case-number prefix, lock time…) as JSON."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_type=JSONType)
    updated_at: datetime = _ts()
    version: int = Field(default=1, nullable=False)


class Counter(SQLModel, table=True):
    """A named sequence (case numbers per year, the outgoing register) never reused."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = Field(default=0, nullable=False)


class SearchEntry(SQLModel, table=True):
    """The search index entry of a client: the keys of their names, their phone digits,
    the numbers of their cases and the users who work on them (so a volunteer's search
    asks the index for their own clients only).

    Written in the same transaction as the person or case it describes (see
    `models.search_index`). On SQLite the FTS5 table `search_fts` indexes these columns
    (kept in step by triggers); on PostgreSQL a GIN index over their words does.
    """

    __tablename__ = "search_entries"

    id: int | None = Field(default=None, primary_key=True)
    person_id: uuid.UUID = Field(
        sa_column_args=[ForeignKey("people.id", ondelete="CASCADE")], unique=True, index=True
    )
    name_key: str = Field(default="", sa_type=Text)
    phone_key: str = Field(default="", sa_type=Text)
    number_key: str = Field(default="", sa_type=Text)
    user_key: str = Field(default="", sa_type=Text)


class AuditEntry(SQLModel, table=True):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: uuid.UUID | None = None
    username: str = Field(default="", max_length=64)
    action: str = Field(max_length=32, index=True)
    entity: str = Field(default="", max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, sa_type=String(64))


class AuditHead(SQLModel, table=True):
    """The single row that holds the last audit sequence number and hash (a lock point)."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, nullable=False)
    hash: str = Field(default="0" * 64, max_length=64)


__all__ = [
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "Case",
    "CaseCategory",
    "CaseEvent",
    "Counter",
    "Draft",
    "FollowUp",
    "Institution",
    "Person",
    "Referral",
    "SearchEntry",
    "Setting",
    "User",
]
