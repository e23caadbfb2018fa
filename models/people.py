"""Services for clients (people): create and update, validated and audited."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from models import audit, search_index
from models.actor import Actor
from models.db import Database
from models.errors import NotFoundError, ValidationFailed
from models.permissions import has, visible_cases
from models.records import apply_changes, audit_changes, load_for_update
from models.schemas import PersonCreate, PersonUpdate
from models.tables import Case, Person
from models.validation import validate
from translations import _


def create_person(*, db: Database, actor: Actor, data: PersonCreate | Mapping[str, Any]) -> Person:
    """Record a new client and return it."""
    values = validate(PersonCreate, data)
    with db.write() as session:
        person = Person(**values.model_dump(), created_by=actor.user_id)
        session.add(person)
        session.flush()
        search_index.index_person(session, person)
        audit.record(session, actor=actor, action="create", entity="person", entity_id=person.id)
    return person


def require_person(session: Session, actor: Actor, person: Person) -> None:
    """Refuse a client the actor may not see: a volunteer sees people they recorded or
    whose cases they work on."""
    if has(actor, "all_cases") or person.created_by == actor.user_id:
        return
    visible = session.exec(
        select(Case.id).where(Case.person_id == person.id, *visible_cases(actor)).limit(1)
    ).first()
    if visible is None:
        raise NotFoundError()


def update_person(
    *,
    db: Database,
    actor: Actor,
    person_id: uuid.UUID,
    version: int,
    data: PersonUpdate | Mapping[str, Any],
) -> Person:
    """Change a client's details; refuses a stale `version` with StaleEditError."""
    values = validate(PersonUpdate, data)
    changes = values.model_dump(exclude_unset=True)
    for key in ("family_name", "given_name", "patronymic", "latin_name", "rayon"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "sex" in changes and changes["sex"] is None:
        changes["sex"] = "unknown"
    if "phones" in changes and changes["phones"] is None:
        changes["phones"] = []
    if changes.get("birth_date") is not None and changes.get("birth_year") is None:
        changes["birth_year"] = changes["birth_date"].year  # as PersonCreate does
    with db.write() as session:
        person = load_for_update(session, Person, person_id, version)
        require_person(session, actor, person)
        after = {**{k: getattr(person, k) for k in changes}, **changes}
        family = after.get("family_name", person.family_name)
        given = after.get("given_name", person.given_name)
        if not (family or given):
            raise ValidationFailed({"": _("Enter at least a family name or a given name.")})
        born = after.get("birth_date", person.birth_date)
        year = after.get("birth_year", person.birth_year)
        if born is not None and year is not None and born.year != year:
            raise ValidationFailed(
                {"birth_year": _("The birth date and the birth year do not agree.")}
            )
        diff = apply_changes(person, changes)
        if diff:
            session.add(person)
            session.flush()
            search_index.index_person(session, person)
            audit.record(
                session,
                actor=actor,
                action="update",
                entity="person",
                entity_id=person.id,
                changes=audit_changes(diff),
            )
    return person
