"""The institution directory: where cases are referred, and the list Komok ships.

Komok ships the names (en/ru/ky), kind and place of the embassies, consulates, ministries,
ombudsmen and IOM offices cases are usually referred to (DOMAIN.md §5), in
`resources/institutions/institutions.yaml`. Contact details and addressee titles are never
shipped: each organisation fills them in. Shipped institutions carry a stable `code`;
`country` holds the ISO 3166-1 alpha-2 code of the country the institution is in (KG, RU,
KZ…), `city` its city (None for a country-wide body).

Users add the rest (diaspora associations, partner NGOs, lawyers, hospitals), edit any
institution and deactivate the ones they no longer use (a referral keeps pointing at its
institution, so nothing is deleted). Caseworkers and coordinators edit; volunteers read.
Updating the shipped list adds new shipped institutions and refreshes names, kind and
place, except the columns the organisation changed on that row (`local_fields`);
addresses, phones, e-mails and addressee titles are never touched.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from models import audit
from models.actor import Actor
from models.db import Database
from models.errors import PermissionDenied, ValidationFailed
from models.institution_schemas import NAME_FIELDS, InstitutionCreate, InstitutionUpdate
from models.records import apply_changes, audit_changes, get_or_404, load_for_update
from models.tables import Institution
from models.timeutil import utcnow
from models.validation import validate
from models.vocab import default_vocabularies
from models.yaml_files import YamlFileProblem, read_yaml
from resources import RESOURCES_DIR
from translations import _

INSTITUTIONS_FILE = RESOURCES_DIR / "institutions" / "institutions.yaml"
LANGUAGES = ("en", "ru", "ky")
# Columns a sync may refresh on a shipped row, unless listed in its `local_fields`.
SYNCED_FIELDS = ("kind", "country", "city", "name_en", "name_ru", "name_ky")
# Contact columns: filled in by the organisation only. The audit log names them, no values.
CONTACT_FIELDS = ("address", "phone", "email", "addressee_title")
EDITOR_ROLES = frozenset({"caseworker", "coordinator"})
# The order in which names stand in for a missing one, by language.
NAME_ORDER = {
    "ky": ("name_ky", "name_ru", "name_en"),
    "ru": ("name_ru", "name_en", "name_ky"),
    "en": ("name_en", "name_ru", "name_ky"),
}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO = re.compile(r"^[A-Z]{2}$")


class InstitutionsFileError(Exception):
    """The shipped institutions file is missing or invalid; the message says where."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(
            _("Institutions file {filename}: {problem}").format(filename=path, problem=problem)
        )


def _check_item(index: int, item: Any, kinds: Any) -> dict[str, Any]:
    """One validated item as column values (raises ValueError with a short reason)."""
    if not isinstance(item, dict):
        raise ValueError(_("item {n} is not a mapping").format(n=index))
    code = item.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValueError(_("item {n} has no valid code").format(n=index))
    kind = item.get("kind")
    if kind not in kinds:
        raise ValueError(_("{code}: unknown kind {kind!r}").format(code=code, kind=kind))
    iso = item.get("country_iso")
    if not isinstance(iso, str) or not _ISO.match(iso):
        raise ValueError(_("{code}: country_iso must be two capital letters").format(code=code))
    city = item.get("city")
    if city is not None and (not isinstance(city, str) or not city.strip()):
        raise ValueError(_("{code}: city must be text or null").format(code=code))
    names = item.get("names")
    if not isinstance(names, dict) or any(
        not isinstance(names.get(lang), str) or not names[lang].strip() for lang in LANGUAGES
    ):
        raise ValueError(_("{code}: a name is needed in en, ru and ky").format(code=code))
    values: dict[str, Any] = {"code": code, "kind": kind, "country": iso, "city": city}
    values.update({f"name_{lang}": names[lang].strip() for lang in LANGUAGES})
    return values


def load_shipped_institutions(path: Path | None = None) -> list[dict[str, Any]]:
    """The shipped institutions as dicts of column values (code, kind, country, city, names).

    Raises InstitutionsFileError when the file is unreadable, a code is repeated, a kind is
    not in the institution_kind vocabulary, or a name is missing in one of en/ru/ky.
    """
    path = Path(path) if path is not None else INSTITUTIONS_FILE
    try:
        data = read_yaml(path)
    except YamlFileProblem as exc:
        raise InstitutionsFileError(path, str(exc)) from exc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InstitutionsFileError(path, _("there is no list of items"))
    kinds = default_vocabularies()["institution_kind"]
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        try:
            values = _check_item(index, item, kinds)
        except ValueError as exc:
            raise InstitutionsFileError(path, str(exc)) from None
        if values["code"] in seen:
            problem = _("code {code!r} is listed twice").format(code=values["code"])
            raise InstitutionsFileError(path, problem)
        seen.add(values["code"])
        result.append(values)
    return result


# --- names, search and permissions ----------------------------------------------------


def institution_name(institution: Any, language: str) -> str:
    """The institution's name in `language`, else in the nearest language it has.

    `institution` is a row (or anything with name_ky/name_ru/name_en) or a mapping of those.
    """
    for name in NAME_ORDER.get(language, NAME_ORDER["en"]):
        if isinstance(institution, Mapping):
            value = institution.get(name) or ""
        else:
            value = getattr(institution, name, "") or ""
        if value:
            return value
    return ""


def institution_matches(institution: Any, search: str) -> bool:
    """Whether every word of `search` is in one of the institution's names, place or contacts.

    Case-insensitive in any script (Python's casefold, unlike SQLite's ASCII-only LOWER).
    """
    words = search.casefold().split()
    if not words:
        return True
    text = " ".join(
        str(getattr(institution, name, "") or "")
        for name in (*NAME_FIELDS, "city", "country", "code", "address", "addressee_title",
                     "email", "phone")
    ).casefold()  # fmt: skip
    return all(word in text for word in words)


def can_edit_institutions(actor: Actor) -> bool:
    """Whether the actor may add, change and deactivate institutions."""
    return actor.role in EDITOR_ROLES


def require_editor(actor: Actor) -> None:
    """Refuse a volunteer's change to the directory (they read it only)."""
    if not can_edit_institutions(actor):
        raise PermissionDenied(
            _("Your role does not allow you to change the institution directory.")
        )


# --- reading --------------------------------------------------------------------------


def list_institutions(
    *,
    db: Database,
    actor: Actor,
    search: str = "",
    kind: str | None = None,
    country: str | None = None,
    active: bool | None = True,
    language: str = "en",
) -> list[Institution]:
    """Institutions that match, sorted by their name in `language` (everyone may read them).

    `active=None` lists active and deactivated ones; the directory holds hundreds of rows,
    so they are filtered here rather than by the database.
    """
    del actor  # every role reads the directory
    query = select(Institution)
    if kind:
        query = query.where(Institution.kind == kind)
    if country:
        query = query.where(Institution.country == country)
    if active is not None:
        query = query.where(Institution.active == active)
    with db.read() as session:
        rows = [row for row in session.exec(query) if institution_matches(row, search)]
    return sorted(rows, key=lambda row: (institution_name(row, language).casefold(), row.id))


def get_institution(*, db: Database, actor: Actor, institution_id: uuid.UUID) -> Institution:
    """One institution by id (NotFoundError when there is none)."""
    del actor  # every role reads the directory
    with db.read() as session:
        return get_or_404(session, Institution, institution_id)


# --- changing -------------------------------------------------------------------------


def _shipped_values(code: str | None) -> dict[str, Any] | None:
    """The shipped file's values for `code` (None when not shipped or the file is unusable)."""
    if not code:
        return None
    try:
        items = load_shipped_institutions()
    except InstitutionsFileError:
        return None
    return next((item for item in items if item["code"] == code), None)


def _mark_local(row: Institution, changed: Iterable[str]) -> None:
    """Note which shipped columns now hold the organisation's own value.

    A column set back to exactly the shipped value follows the shipped list again.
    """
    synced = [name for name in changed if name in SYNCED_FIELDS]
    if not row.shipped or not synced:
        return
    shipped = _shipped_values(row.code)
    local = set(row.local_fields or [])
    for name in synced:
        if shipped is not None and getattr(row, name) == shipped[name]:
            local.discard(name)
        else:
            local.add(name)
    row.local_fields = [name for name in SYNCED_FIELDS if name in local]


def add_institution(
    *, db: Database, actor: Actor, data: InstitutionCreate | Mapping[str, Any]
) -> Institution:
    """Add an institution to the directory (caseworkers and coordinators)."""
    require_editor(actor)
    values = validate(InstitutionCreate, data)
    fields = values.model_dump()
    fields["city"] = fields["city"] or None
    with db.write() as session:
        row = Institution(**fields, shipped=False, active=True)
        session.add(row)
        session.flush()
        audit.record(
            session, actor=actor, action="create", entity="institution", entity_id=row.id,
            changes=audit_changes({k: [None, v] for k, v in fields.items()}, CONTACT_FIELDS),
        )  # fmt: skip
    return row


def update_institution(
    *,
    db: Database,
    actor: Actor,
    institution_id: uuid.UUID,
    version: int,
    data: InstitutionUpdate | Mapping[str, Any],
) -> Institution:
    """Change an institution's names, kind, place or contacts; refuses a stale `version`.

    On a shipped institution, changed names, kind or place are kept from then on when the
    shipped list is updated.
    """
    require_editor(actor)
    values = validate(InstitutionUpdate, data)
    changes = values.model_dump(exclude_unset=True)
    if changes.get("kind", "") is None:
        raise ValidationFailed({"kind": _("Choose the kind of institution.")})
    if "city" in changes:
        changes["city"] = changes["city"] or None
    with db.write() as session:
        row = load_for_update(session, Institution, institution_id, version)
        if not any(changes.get(name, getattr(row, name)) for name in NAME_FIELDS):
            raise ValidationFailed(
                {"": _("Enter the institution's name in at least one language.")}
            )
        diff = apply_changes(row, changes)
        if diff:
            _mark_local(row, diff)
            session.add(row)
            audit.record(
                session, actor=actor, action="update", entity="institution", entity_id=row.id,
                changes=audit_changes(diff, CONTACT_FIELDS),
            )  # fmt: skip
    return row


def set_institution_active(
    *, db: Database, actor: Actor, institution_id: uuid.UUID, version: int, active: bool
) -> Institution:
    """Deactivate an institution (no longer offered for new referrals) or bring it back.

    Referrals already made keep their institution either way.
    """
    require_editor(actor)
    with db.write() as session:
        row = load_for_update(session, Institution, institution_id, version)
        diff = apply_changes(row, {"active": active})
        if diff:
            session.add(row)
            audit.record(
                session, actor=actor, action="update", entity="institution", entity_id=row.id,
                changes=audit_changes(diff),
            )  # fmt: skip
    return row


def deactivate_institution(
    *, db: Database, actor: Actor, institution_id: uuid.UUID, version: int
) -> Institution:
    """Stop offering an institution for new referrals (see `set_institution_active`)."""
    return set_institution_active(
        db=db, actor=actor, institution_id=institution_id, version=version, active=False
    )


def reactivate_institution(
    *, db: Database, actor: Actor, institution_id: uuid.UUID, version: int
) -> Institution:
    """Offer a deactivated institution again (see `set_institution_active`)."""
    return set_institution_active(
        db=db, actor=actor, institution_id=institution_id, version=version, active=True
    )


# --- the shipped list -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One shipped column of one institution: its value here (`old`) and in the list (`new`)."""

    code: str
    names: dict[str, str]
    field: str
    old: Any
    new: Any

    def name(self, language: str) -> str:
        """The institution's name in `language` (or the nearest one it has)."""
        return institution_name(self.names, language)


@dataclass(frozen=True)
class ShippedSync:
    """What updating the shipped list does (or did).

    `added`: shipped institutions new to this directory (column values); `updated`:
    columns refreshed from the list; `kept`: columns the organisation changed, which stay
    as they are although the list says otherwise; `withdrawn`: shipped institutions the
    list no longer has (left as they are: referrals may point at them).
    """

    added: tuple[dict[str, Any], ...] = ()
    updated: tuple[FieldChange, ...] = ()
    kept: tuple[FieldChange, ...] = ()
    withdrawn: tuple[dict[str, Any], ...] = ()

    @property
    def refreshed(self) -> int:
        """How many existing institutions get (or got) new values."""
        return len({change.code for change in self.updated})

    @property
    def changes_anything(self) -> bool:
        """Whether applying it changes the database."""
        return bool(self.added or self.updated)


def _names(row: Institution) -> dict[str, str]:
    return {name: getattr(row, name) or "" for name in NAME_FIELDS}


def plan_shipped_sync(session: Session, shipped: list[dict[str, Any]] | None = None) -> ShippedSync:
    """Compare the directory with the shipped list, changing nothing."""
    shipped = load_shipped_institutions() if shipped is None else shipped
    codes = {item["code"] for item in shipped}
    existing = {
        row.code: row
        for row in session.exec(
            select(Institution).where(
                Institution.code.in_(codes) | (Institution.shipped == True)  # noqa: E712
            )
        )
    }
    added: list[dict[str, Any]] = []
    updated: list[FieldChange] = []
    kept: list[FieldChange] = []
    for item in shipped:
        row = existing.get(item["code"])
        if row is None:
            added.append(dict(item))
            continue
        if not row.shipped:  # an organisation's own row that happens to use the code
            continue
        local = set(row.local_fields or [])
        for name in SYNCED_FIELDS:
            old, new = getattr(row, name), item[name]
            if old != new:
                change = FieldChange(item["code"], _names(row), name, old, new)
                (kept if name in local else updated).append(change)
    withdrawn = [
        {"code": row.code, **_names(row)}
        for code, row in sorted(existing.items(), key=lambda pair: pair[0] or "")
        if row.shipped and code not in codes
    ]
    return ShippedSync(tuple(added), tuple(updated), tuple(kept), tuple(withdrawn))


def apply_shipped_sync(
    session: Session,
    plan: ShippedSync,
    *,
    actor: Actor,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> None:
    """Carry out a plan made by `plan_shipped_sync` in the caller's transaction, audited."""
    if not plan.changes_anything:
        return
    now = utcnow()
    for item in plan.added:
        session.add(Institution(id=new_id(), shipped=True, created_at=now, updated_at=now, **item))
    by_code: dict[str, dict[str, Any]] = {}
    for change in plan.updated:
        by_code.setdefault(change.code, {})[change.field] = change.new
    if by_code:
        rows = session.exec(select(Institution).where(Institution.code.in_(by_code)))
        for row in rows:
            if apply_changes(row, by_code[row.code]):
                session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="sync", entity="institution",
        changes={
            "inserted": len(plan.added), "refreshed": plan.refreshed,
            "added": [item["code"] for item in plan.added],
            "updated": sorted(by_code), "kept": sorted({c.code for c in plan.kept}),
        },
    )  # fmt: skip


def sync_shipped_institutions(
    session: Session,
    *,
    actor: Actor,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> int:
    """Add shipped institutions missing from the database and refresh the others.

    Names, kind and place of a shipped row are refreshed except the columns the
    organisation changed (`local_fields`); addresses, phones, e-mails and addressee titles
    are never touched, nor rows the organisation added. Runs in the caller's transaction,
    writes one audit entry when something changed, and returns the number of rows added
    or refreshed.
    """
    plan = plan_shipped_sync(session)
    apply_shipped_sync(session, plan, actor=actor, new_id=new_id)
    return len(plan.added) + plan.refreshed


def preview_shipped_list(*, db: Database, actor: Actor) -> ShippedSync:
    """What `update_shipped_list` would change now (caseworkers and coordinators)."""
    require_editor(actor)
    with db.read() as session:
        return plan_shipped_sync(session)


def update_shipped_list(*, db: Database, actor: Actor) -> ShippedSync:
    """Bring the directory up to date with the shipped list; returns what changed."""
    require_editor(actor)
    with db.write() as session:
        plan = plan_shipped_sync(session)
        apply_shipped_sync(session, plan, actor=actor)
    return plan
