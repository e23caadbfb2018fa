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

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from models.search_keys import numbers_terms, person_terms
from models.tables import Case, Person, SearchEntry

ENTRIES = SearchEntry.__table__
KEY_COLUMNS = ("name_key", "phone_key", "number_key")


def index_person(session: Session, person: Person) -> None:
    """Write the index entry of a client as they and their cases are now (flushed rows)."""
    name, phones = person_terms(
        person.family_name, person.given_name, person.patronymic, person.latin_name,
        person.phones,
    )  # fmt: skip
    numbers = session.execute(
        select(Case.number).where(Case.person_id == person.id).order_by(Case.number)
    ).scalars()
    keys = {"name_key": name, "phone_key": phones, "number_key": numbers_terms(numbers)}
    current = session.execute(
        select(ENTRIES.c.id, *(ENTRIES.c[k] for k in KEY_COLUMNS)).where(
            ENTRIES.c.person_id == person.id
        )
    ).first()
    if not any(keys.values()):
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
BULK_INSERT = (
    f"INSERT INTO search_entries ({', '.join(BULK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(BULK_COLUMNS))})"
)


def demo_rows(people: Iterable[tuple], cases: Iterable[tuple]) -> list[tuple]:
    """Bulk rows (BULK_COLUMNS) for generated people and cases: people rows in
    `models.demo_rows.PEOPLE_COLUMNS` order, case rows in CASE_COLUMNS order (id, number,
    person id…); every case of these people must be among `cases`."""
    numbers: dict[str, list[str]] = {}
    for case in cases:
        numbers.setdefault(case[2], []).append(case[1])
    rows = []
    for pid, family, given, patronymic, latin, _sex, _bd, _by, phones, *_rest in people:
        name, phone = person_terms(family, given, patronymic, latin, json.loads(phones))
        rows.append((pid, name, phone, numbers_terms(sorted(numbers.get(pid, ())))))
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
