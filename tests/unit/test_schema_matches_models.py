"""The migrations and the SQLModel tables describe the same schema, on both stores.

Alembic owns the schema; `models/tables.py` is what the code believes. After upgrading
an empty database to head, autogenerate must find nothing to change. Tables that only
exist for one store's search index (SQLite FTS5 and its shadow tables) are ignored.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table)
from models.db import Database

IGNORED_PREFIXES = ("alembic_version", "search_fts", "sqlite_")


def _relevant(diff) -> bool:
    """Keep differences that are not about store-specific search tables."""
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    item = diff if isinstance(diff, tuple) else diff[0]
    names = [getattr(x, "name", None) for x in item[1:] if hasattr(x, "name")]
    table = getattr(item[1], "table", None)
    if table is not None:
        names.append(table.name)
    if op in ("remove_table", "add_table"):
        names.append(item[1].name)
    return not any(n and n.startswith(IGNORED_PREFIXES) for n in names)


def test_head_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diffs = [d for d in compare_metadata(context, SQLModel.metadata) if _relevant(d)]
    assert diffs == []
