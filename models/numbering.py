"""Sequences that are never reused: case numbers per year and the outgoing register.

A counter row is incremented with `UPDATE … RETURNING` inside the caller's transaction,
so two users saving at the same moment (PostgreSQL row lock, SQLite write lock) always
get different numbers, and a rolled-back transaction gives its number back.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from models.tables import Counter

DEFAULT_CASE_PREFIX = "KG"


def next_value(session: Session, name: str) -> int:
    """Increment counter `name` (created at 0 if missing) and return its new value."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    return session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()


def format_case_number(prefix: str, year: int, serial: int) -> str:
    """The readable case number, e.g. KG-2026-00042."""
    return f"{prefix}-{year}-{serial:05d}"


def next_case_number(session: Session, prefix: str, year: int) -> str:
    """Take the next case number of `year` for the organisation's prefix."""
    return format_case_number(prefix, year, next_value(session, f"case:{year}"))
