"""Keeping the search index exact: the services call these inside their own transaction.

`index_person` and `index_case` write (or rewrite) the entry of a client or a case in
`search_entries` (see `models.search_keys` for what it holds); `forget` removes entries,
and `purge_forgotten` makes sure removed words are gone from the database file too.
On SQLite, triggers copy every change into the FTS5 table `search_fts`; on PostgreSQL a
GIN index follows the table by itself. The demo loader fills the index in bulk with
`demo_rows` and `bulk_fill` instead.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from models.search_keys import case_terms, person_terms
from models.tables import Case, Person, SearchEntry

ENTRIES = SearchEntry.__table__
KEY_COLUMNS = ("name_key", "phone_key", "number_key")
DELETE_BATCH = 500


def index_person(session: Session, person: Person) -> None:
    """Write the index entry of a client as they are now (removed when no name or phone)."""
    name, phones = person_terms(
        person.family_name, person.given_name, person.patronymic, person.latin_name,
        person.phones,
    )  # fmt: skip
    _put(session, "person", person.id, {"name_key": name, "phone_key": phones, "number_key": ""})


def index_case(session: Session, case: Case) -> None:
    """Write the index entry of a case (its number)."""
    keys = {"name_key": "", "phone_key": "", "number_key": case_terms(case.number)}
    _put(session, "case", case.id, keys)


def _put(session: Session, kind: str, entity_id: uuid.UUID, keys: dict[str, str]) -> None:
    current = session.execute(
        select(ENTRIES.c.id, *(ENTRIES.c[k] for k in KEY_COLUMNS)).where(
            ENTRIES.c.entity_id == entity_id
        )
    ).first()
    if not any(keys.values()):
        if current is not None:
            session.execute(delete(ENTRIES).where(ENTRIES.c.id == current.id))
        return
    if current is None:
        session.execute(insert(ENTRIES).values(kind=kind, entity_id=entity_id, **keys))
    elif any(getattr(current, k) != v for k, v in keys.items()):
        session.execute(update(ENTRIES).where(ENTRIES.c.id == current.id).values(**keys))


def forget(session: Session, entity_ids: Sequence[uuid.UUID]) -> None:
    """Remove the index entries of these people or cases."""
    for start in range(0, len(entity_ids), DELETE_BATCH):
        batch = list(entity_ids[start : start + DELETE_BATCH])
        session.execute(delete(ENTRIES).where(ENTRIES.c.entity_id.in_(batch)))


def purge_forgotten(session: Session) -> None:
    """Rewrite SQLite's full-text index so that removed words leave no trace in the file
    (FTS5 otherwise keeps them in older index segments until they happen to be merged)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


# --- bulk filling (demo database) ------------------------------------------------------

BULK_COLUMNS = ("kind", "entity_id", *KEY_COLUMNS)
BULK_INSERT = (
    f"INSERT INTO search_entries ({', '.join(BULK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(BULK_COLUMNS))})"
)


def demo_rows(people: Iterable[tuple], cases: Iterable[tuple]) -> list[tuple]:
    """Bulk rows (BULK_COLUMNS) for generated people and case rows: the people rows in
    `models.demo_rows.PEOPLE_COLUMNS` order, the case rows in CASE_COLUMNS order."""
    rows = []
    for pid, family, given, patronymic, latin, _sex, _bd, _by, phones, *_rest in people:
        name, phone = person_terms(family, given, patronymic, latin, json.loads(phones))
        rows.append(("person", pid, name, phone, ""))
    for case in cases:
        rows.append(("case", case[0], "", "", case_terms(case[1])))
    return rows


class BulkFill:
    """Fill `search_entries` fast inside a bulk load on an SQLite driver cursor: the
    triggers and the unique index are set aside while rows go in, then the full-text
    index is built in one pass and the triggers and index come back (`finish`)."""

    def __init__(self, cur) -> None:
        self.cur = cur
        self.saved = cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'search_entries' "
            "AND type IN ('trigger', 'index') AND sql IS NOT NULL ORDER BY type, name"
        ).fetchall()
        for kind, name, _sql in self.saved:
            cur.execute(f'DROP {kind.upper()} "{name}"')

    def add(self, rows: list[tuple]) -> None:
        """Insert some BULK_COLUMNS rows."""
        self.cur.executemany(BULK_INSERT, rows)

    def finish(self) -> None:
        """Build the full-text index from the table, then restore the index and triggers."""
        self.cur.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for _kind, _name, sql in self.saved:
            self.cur.execute(sql)


__all__ = [
    "BulkFill", "demo_rows", "forget", "index_case", "index_person", "purge_forgotten",
]  # fmt: skip
