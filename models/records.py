"""Shared steps of the services: load a row for change (checking its version), apply
validated changes, and describe them for the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from models.errors import NotFoundError, StaleEditError
from models.timeutil import utcnow

T = TypeVar("T", bound=SQLModel)

# Field values that are personal or free text: the audit log names the field, not the value.
PRIVATE_FIELDS = frozenset(
    {
        "family_name",
        "given_name",
        "patronymic",
        "latin_name",
        "birth_date",
        "birth_year",
        "phones",
        "rayon",
        "employer_name",
        "destination_city",
        "details",
        "text",
        "note",
    }
)


def load_for_update(session: Session, model: type[T], row_id: uuid.UUID, version: int) -> T:
    """Lock and return a row, refusing a stale `version` (someone saved it meanwhile)."""
    row = session.exec(
        select(model).where(model.id == row_id).with_for_update()  # type: ignore[attr-defined]
    ).first()
    if row is None:
        raise NotFoundError()
    if row.version != version:
        raise StaleEditError()
    return row


def get_or_404(session: Session, model: type[T], row_id: uuid.UUID) -> T:
    """A row by id, or NotFoundError."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError()
    return row


def apply_changes(row: SQLModel, changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the changed fields on `row`, bump its version; return {field: [old, new]}."""
    diff: dict[str, list[Any]] = {}
    for field, new in changes.items():
        old = getattr(row, field)
        if old != new:
            diff[field] = [old, new]
            setattr(row, field, new)
    if diff:
        row.version += 1  # type: ignore[attr-defined]
        row.updated_at = utcnow()  # type: ignore[attr-defined]
    return diff


def audit_changes(diff: Mapping[str, list[Any]], extra_private: Iterable[str] = ()) -> dict:
    """The audit-log form of a diff: every changed field, values only where not personal."""
    private = PRIVATE_FIELDS | set(extra_private)
    return {
        "fields": sorted(diff),
        "values": {k: v for k, v in diff.items() if k not in private},
    }
