"""The details service: a case's category-specific data, read into and saved from a form.

For the case workspace's Details tab:

    from forms.details import details_form, read_details, save_details
    snapshot = read_details(db=db, actor=actor, case_id=case_id)
    view = FormView(details_form(), language=lang)
    view.set_context({"categories": snapshot.categories})
    view.set_values(snapshot.values)
    ...
    case = save_details(db=db, actor=actor, case_id=case_id, version=snapshot.version,
                        values=view.values())

`details_form()` combines every details form file (`forms/case_details.yaml`,
`forms/unpaid_wages.yaml`…); `sections_for(categories)` lists the sections that apply to a
case with those categories. `save_details` checks the values against the sections that
apply, writes column fields (categories, entry date, consents…) to the case and every
other field to `Case.details`, in one audited transaction (`models.cases.update_case`).
Given keys replace what is stored; keys not given, and fields of sections that do not
apply, are left as they are. A stale `version` raises StaleEditError; bad values raise
ValidationFailed({field key: translated message}).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from forms.loader import FormSet, default_forms
from forms.schema import Form, Section
from forms.values import clean_values, from_storage, to_storage
from models.actor import Actor
from models.cases import case_categories, update_case
from models.db import Database
from models.errors import StaleEditError
from models.permissions import require_case
from models.records import get_or_404
from models.tables import Case


@dataclass(frozen=True)
class DetailsSnapshot:
    """A case's details as a form shows them, with the version to save against."""

    case_id: uuid.UUID
    version: int
    categories: list[str]
    values: dict[str, Any]


def details_form(forms: FormSet | None = None) -> Form:
    """All details sections as one form (render it with `FormView`)."""
    return (forms or default_forms()).details


def sections_for(categories: Iterable[str], forms: FormSet | None = None) -> list[Section]:
    """The details sections that apply to a case with these categories, in form order."""
    return (forms or default_forms()).sections_for(categories)


def values_for(
    case: Case, categories: Iterable[str], forms: FormSet | None = None
) -> dict[str, Any]:
    """The details form's values for a case: columns read from the case, the rest from
    `details` (every field, whether or not its section applies now)."""
    form = details_form(forms)
    values: dict[str, Any] = {}
    stored = case.details or {}
    for fdef in form.all_fields():
        if fdef.key == "categories":
            values[fdef.key] = list(categories)
        elif fdef.core is not None:
            values[fdef.key] = getattr(case, fdef.key)
        else:
            values[fdef.key] = from_storage(fdef, stored)
    return values


def read_details(
    *, db: Database, actor: Actor, case_id: uuid.UUID, forms: FormSet | None = None
) -> DetailsSnapshot:
    """Read a case's details for the form (no audit entry: opening the case records that)."""
    with db.read() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        categories = case_categories(session, case.id)
    return DetailsSnapshot(case.id, case.version, categories, values_for(case, categories, forms))


def save_details(
    *,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    version: int,
    values: Mapping[str, Any],
    forms: FormSet | None = None,
) -> Case:
    """Check and save the details form's values on a case; returns the updated case."""
    form = details_form(forms)
    with db.read() as session:
        case = get_or_404(session, Case, case_id)
        require_case(actor, case)
        categories = case_categories(session, case.id)
    if case.version != version:
        raise StaleEditError()
    current = values_for(case, categories, forms)
    cleaned = clean_values(form, {**current, **values}, context={"categories": categories})
    changes: dict[str, Any] = {}
    details = dict(case.details or {})
    for key, value in cleaned.items():
        fdef = form.field(key)
        if fdef is None:
            continue
        if fdef.core is not None:
            if key in values or key == "categories":
                changes[key] = value
            continue
        for store_key, stored in to_storage(fdef, value).items():
            if stored is None:
                details.pop(store_key, None)
            else:
                details[store_key] = stored
    if details != (case.details or {}):
        changes["details"] = details
    if "categories" in changes and changes["categories"] == categories:
        del changes["categories"]
    return update_case(db=db, actor=actor, case_id=case_id, version=version, data=changes)
