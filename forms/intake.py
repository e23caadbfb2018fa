"""The intake service: a new case (and usually a new client) from the intake form's values.

For the desktop's New case dialog:

    from forms.intake import submit_intake
    case = submit_intake(db=db, actor=actor, values=form_view.values())
    # or, for a client already on file (the person fields of the form are then ignored):
    case = submit_intake(db=db, actor=actor, values=..., existing_person_id=person.id)

`values` maps the intake form's field keys (see `forms/intake.yaml`) to values as
`forms.values` describes them. Everything is checked before anything is written; a
problem raises `models.errors.ValidationFailed({field key: translated message})`, which
`FormView.show_errors(exc.field_errors)` shows beside the fields. Then the person is
created (`models.people.create_person`) and the case opened (`models.cases.open_case`),
each in its own audited transaction. Fields that are not columns go to `Case.details`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from forms.loader import FormSet, default_forms
from forms.schema import Form, Section
from forms.values import clean_values, to_storage
from models.actor import Actor
from models.cases import open_case
from models.db import Database
from models.errors import ValidationFailed
from models.people import create_person, require_person
from models.records import get_or_404
from models.schemas import CaseCreate, PersonCreate
from models.tables import Case, Person
from models.validation import validate


def without_person_fields(form: Form) -> Form:
    """The intake without the client's own fields (for a client already on file)."""
    sections: list[Section] = []
    for section in form.sections:
        fields = [f for f in section.fields if f.core is None or f.core.target != "person"]
        if fields:
            sections.append(section.model_copy(update={"fields": fields}))
    return form.model_copy(update={"sections": sections})


def split_values(form: Form, cleaned: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """Cleaned intake values as (person columns, case columns, details entries)."""
    person: dict[str, Any] = {}
    case: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for key, value in cleaned.items():
        fdef = form.field(key)
        if fdef is None:
            continue
        core = fdef.core
        if core is None:
            details.update({k: v for k, v in to_storage(fdef, value).items() if v is not None})
        elif core.target == "person":
            if key == "phones":
                person[key] = [value] if value else []
            elif value is not None:
                person[key] = value
        elif value is not None:
            case[key] = value
    return person, case, details


def _model_errors(exc: ValidationFailed, form: Form, fallback: str) -> dict[str, str]:
    """Errors of PersonCreate/CaseCreate keyed by form fields (a whole-record error goes to
    `fallback`; a key the form does not have is kept as it is)."""
    out: dict[str, str] = {}
    for key, message in exc.field_errors.items():
        field = key.split(".", 1)[0]
        out.setdefault(field if field and form.field(field) else (field or fallback), message)
    return out


def check_intake(
    values: Mapping[str, Any],
    *,
    forms: FormSet | None = None,
    existing_person: bool = False,
) -> tuple[dict, dict, dict]:
    """Check intake values without writing: (person, case, details) or ValidationFailed."""
    form = (forms or default_forms()).intake
    if existing_person:
        form = without_person_fields(form)
        values = {k: v for k, v in values.items() if form.field(k) is not None}
    cleaned = clean_values(form, values)
    person, case, details = split_values(form, cleaned)
    errors: dict[str, str] = {}
    if not existing_person:
        name_field = "given_name" if form.field("given_name") else "family_name"
        try:
            validate(PersonCreate, person)
        except ValidationFailed as exc:
            errors.update(_model_errors(exc, form, name_field))
    try:
        validate(CaseCreate, {**case, "person_id": uuid.uuid4(), "details": details})
    except ValidationFailed as exc:
        fallback = "consent_store" if not case.get("consent_store") else "destination_region"
        errors.update(_model_errors(exc, form, fallback))
    if errors:
        raise ValidationFailed(errors)
    return person, case, details


def submit_intake(
    *,
    db: Database,
    actor: Actor,
    values: Mapping[str, Any],
    existing_person_id: uuid.UUID | None = None,
    forms: FormSet | None = None,
) -> Case:
    """Record a new case from the intake form (creating the client unless one is given).

    Raises ValidationFailed (keys are the form's field keys), NotFoundError when the
    existing person is not there or not visible to the actor, PermissionDenied…
    """
    existing = existing_person_id is not None
    person_data, case_data, details = check_intake(values, forms=forms, existing_person=existing)
    if existing_person_id is not None:
        with db.read() as session:
            require_person(session, actor, get_or_404(session, Person, existing_person_id))
        person_id = existing_person_id
    else:
        person_id = create_person(db=db, actor=actor, data=person_data).id
    return open_case(
        db=db, actor=actor, data={**case_data, "person_id": person_id, "details": details}
    )
