"""The shipped institution directory: loading `resources/institutions/institutions.yaml`
and bringing a database's institutions table up to date with it.

Komok ships the names (en/ru/ky), kind and place of the embassies, consulates, ministries,
ombudsmen and IOM offices cases are usually referred to (DOMAIN.md §5). Contact details
and addressee titles are never shipped: each organisation fills them in. Institutions
carry a stable `code`; `country` holds the ISO 3166-1 alpha-2 code of the country the
institution is in (KG, RU, KZ…), `city` its city in English (None for a country-wide body).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from models import audit
from models.actor import Actor
from models.tables import Institution
from models.timeutil import utcnow
from models.vocab import default_vocabularies
from resources import RESOURCES_DIR
from translations import _

INSTITUTIONS_FILE = RESOURCES_DIR / "institutions" / "institutions.yaml"
LANGUAGES = ("en", "ru", "ky")
# Columns a sync may refresh on a shipped row nobody has edited.
SYNCED_FIELDS = ("kind", "country", "city", "name_en", "name_ru", "name_ky")
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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
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


def sync_shipped_institutions(
    session: Session,
    *,
    actor: Actor,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> int:
    """Add shipped institutions missing from the database and refresh unedited ones.

    A shipped row nobody has saved since (still `shipped` and at version 1) takes the
    current names, kind and place; its version is left at 1 so a later release can refresh
    it again. Rows edited locally, and every address, phone, e-mail and addressee title,
    are never touched. Runs in the caller's transaction, writes one audit entry when
    something changed, and returns the number of rows added or refreshed.
    """
    shipped = load_shipped_institutions()
    codes = [item["code"] for item in shipped]
    existing = {
        row.code: row
        for row in session.exec(select(Institution).where(Institution.code.in_(codes)))
    }
    inserted = refreshed = 0
    now = utcnow()
    for item in shipped:
        row = existing.get(item["code"])
        if row is None:
            row = Institution(id=new_id(), shipped=True, created_at=now, updated_at=now, **item)
            session.add(row)
            inserted += 1
        elif row.shipped and row.version == 1:
            changed = [key for key in SYNCED_FIELDS if getattr(row, key) != item[key]]
            if changed:
                for key in changed:
                    setattr(row, key, item[key])
                row.updated_at = now
                session.add(row)
                refreshed += 1
    if inserted or refreshed:
        session.flush()
        audit.record(
            session, actor=actor, action="sync", entity="institution",
            changes={"inserted": inserted, "refreshed": refreshed},
        )
    return inserted + refreshed
