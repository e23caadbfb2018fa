"""Keeping the search index exact: the services call these inside their own transaction.

Each client has one entry in `search_entries` (see `models.search_keys` for what it holds):
`index_person` writes it as the client and their cases are now, after a client is created
or changed, a case is opened for them, or their details are anonymized; `purge_forgotten`
makes sure words taken out are gone from the database file too. On SQLite, triggers copy
every change into the FTS5 table `search_fts`; on PostgreSQL a GIN index follows the
table by itself. The demo loader fills the index in bulk (`demo_rows`, `BulkFill`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from models.demo_rows import CASE_COLUMNS, PEOPLE_COLUMNS
from models.search_keys import numbers_terms, person_terms, users_terms
from models.tables import Case, Person, SearchEntry

ENTRIES = SearchEntry.__table__
KEY_COLUMNS = ("name_key", "phone_key", "number_key", "user_key")


def index_person(session: Session, person: Person) -> None:
    """Write the index entry of a client as they and their cases are now (flushed rows)."""
    name, phones = person_terms(
        person.family_name, person.given_name, person.patronymic, person.latin_name,
        person.phones,
    )  # fmt: skip
    cases = session.execute(
        select(Case.number, Case.assigned_user_id, Case.created_by)
        .where(Case.person_id == person.id)
        .order_by(Case.number)
    ).all()
    users = [person.created_by, *(u for c in cases for u in (c.assigned_user_id, c.created_by))]
    keys = {
        "name_key": name,
        "phone_key": phones,
        "number_key": numbers_terms(c.number for c in cases),
        "user_key": users_terms(users),
    }
    current = session.execute(
        select(ENTRIES.c.id, *(ENTRIES.c[k] for k in KEY_COLUMNS)).where(
            ENTRIES.c.person_id == person.id
        )
    ).first()
    if not (keys["name_key"] or keys["phone_key"] or keys["number_key"]):
        if current is not None:
            session.execute(delete(ENTRIES).where(ENTRIES.c.id == current.id))
    elif current is None:
        session.execute(insert(ENTRIES).values(person_id=person.id, **keys))
    elif any(getattr(current, k) != v for k, v in keys.items()):
        session.execute(update(ENTRIES).where(ENTRIES.c.id == current.id).values(**keys))


def purge_forgotten(session: Session) -> None:
    """Rewrite SQLite's full-text index so that words taken out leave no trace in the file
    (FTS5 otherwise keeps them in older index segments until these happen to be merged)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql(
            "INSERT INTO search_fts(search_fts) VALUES ('optimize')"
        )


# --- bulk filling (demo database) ------------------------------------------------------

BULK_COLUMNS = ("person_id", *KEY_COLUMNS)
_PERSON_FIELDS = tuple(
    PEOPLE_COLUMNS.index(c)
    for c in ("id", "family_name", "given_name", "patronymic", "latin_name", "phones")
)
_PERSON_CREATOR = PEOPLE_COLUMNS.index("created_by")
_NUMBER, _PERSON, _ASSIGNED, _CASE_CREATOR = (
    CASE_COLUMNS.index(c) for c in ("number", "person_id", "assigned_user_id", "created_by")
)
BULK_INSERT = (
    f"INSERT INTO search_entries ({', '.join(BULK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(BULK_COLUMNS))})"
)


def demo_rows(people: Iterable[tuple], cases: Iterable[tuple]) -> list[tuple]:
    """Bulk rows (BULK_COLUMNS) for generated people and cases: people rows in
    `models.demo_rows.PEOPLE_COLUMNS` order, case rows in CASE_COLUMNS order; every case of
    these people must be among `cases`."""
    numbers: dict[str, list[str]] = {}
    users: dict[str, list[str]] = {}
    for case in cases:
        person_id = case[_PERSON]
        numbers.setdefault(person_id, []).append(case[_NUMBER])
        users.setdefault(person_id, []).extend((case[_ASSIGNED], case[_CASE_CREATOR]))
    rows = []
    fields = itemgetter(*_PERSON_FIELDS)
    for row in people:
        pid, family, given, patronymic, latin, phones = fields(row)
        name, phone = person_terms(family, given, patronymic, latin, json.loads(phones))
        rows.append((
            pid, name, phone, numbers_terms(sorted(numbers.get(pid, ()))),
            users_terms([row[_PERSON_CREATOR], *users.get(pid, ())]),
        ))  # fmt: skip
    return rows


class BulkFill:
    """Fill `search_entries` fast inside a bulk load on an SQLite driver cursor: the
    triggers and indexes are set aside while rows go in (`add`); `finish` builds the
    full-text index in one pass and puts the indexes and triggers back."""

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
        """Build the full-text index from the table, then restore the indexes and triggers."""
        self.cur.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for _kind, _name, sql in self.saved:
            self.cur.execute(sql)


__all__ = ["BulkFill", "demo_rows", "index_person", "purge_forgotten"]
