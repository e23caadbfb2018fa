"""search index for people and cases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

`search_entries` holds one row per client: the phonetic keys of their names, their phone
digits, the numbers of their cases and the users who recorded them or work on their cases,
as made by `models.search_keys`. SQLite indexes it with the FTS5 table `search_fts`
(external content, kept in step by triggers); PostgreSQL with a GIN index over the
weighted words of the four columns. Existing clients are indexed here in batches, before
the full-text index is built in one pass.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 20_000
# The same expression is used by the queries in models.search (the index must match it).
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, name_key), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, phone_key), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, number_key), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, user_key), 'D'))"
)
FTS_TABLE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "name_key, phone_key, number_key, user_key, content='search_entries', content_rowid='id', "
    "prefix='2 3', detail=column, columnsize=0)"
)
_KEYS = "name_key, phone_key, number_key, user_key"
_NEW = "new.id, new.name_key, new.phone_key, new.number_key, new.user_key"
_OLD = "'delete', old.id, old.name_key, old.phone_key, old.number_key, old.user_key"
_INTO = f"INSERT INTO search_fts(rowid, {_KEYS}) VALUES"
_OUT = f"INSERT INTO search_fts(search_fts, rowid, {_KEYS}) VALUES"
FTS_TRIGGERS = (
    f"CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    f"{_INTO} ({_NEW}); END",
    f"CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    f"{_OUT} ({_OLD}); END",
    f"CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    f"{_OUT} ({_OLD}); {_INTO} ({_NEW}); END",
)


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("phone_key", sa.Text(), nullable=False),
        sa.Column("number_key", sa.Text(), nullable=False),
        sa.Column("user_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_search_entries_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
    )
    bind = op.get_bind()
    _backfill(bind)
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_entries_person_id"), ["person_id"], unique=True
        )
    if bind.dialect.name == "sqlite":
        op.execute(FTS_TABLE)
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
    else:
        op.execute(f"CREATE INDEX search_fts_vector ON search_entries USING gin ({PG_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS search_fts_vector")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entries_person_id"))
    op.drop_table("search_entries")


def _backfill(bind: sa.Connection) -> None:
    """Index every existing client, in the order they were recorded, BATCH at a time."""
    from models.search_keys import numbers_terms, person_terms, users_terms

    entries = sa.table(
        "search_entries",
        *(sa.column(c) for c in ("person_id", "name_key", "phone_key", "number_key",
                                 "user_key")),
    )  # fmt: skip
    people = sa.table(
        "people",
        *(sa.column(c) for c in ("id", "family_name", "given_name", "patronymic", "latin_name")),
        sa.column("phones", sa.JSON()),
        sa.column("created_by"),
        sa.column("created_at"),
    )
    cases = sa.table(
        "cases", *(sa.column(c) for c in ("person_id", "number", "assigned_user_id",
                                          "created_by")),
    )  # fmt: skip
    columns = [people.c[n] for n in ("id", "family_name", "given_name", "patronymic",
                                     "latin_name", "phones", "created_by")]  # fmt: skip
    for rows in _in_batches(bind, people, columns):
        numbers: dict = {}
        users: dict = {}
        ids = [row.id for row in rows]
        for person_id, number, assigned, creator in bind.execute(
            sa.select(cases.c.person_id, cases.c.number, cases.c.assigned_user_id,
                      cases.c.created_by).where(cases.c.person_id.in_(ids))
        ):  # fmt: skip
            numbers.setdefault(person_id, []).append(number)
            users.setdefault(person_id, []).extend((assigned, creator))
        made = []
        for row in rows:
            phones = row.phones if isinstance(row.phones, list) else json.loads(row.phones or "[]")
            name, phone = person_terms(
                row.family_name, row.given_name, row.patronymic, row.latin_name, phones
            )
            number = numbers_terms(sorted(numbers.get(row.id, ())))
            user = users_terms([row.created_by, *users.get(row.id, ())])
            if name or phone or number:
                # Ids are copied as the driver read them (SQLite's stored text, a uuid on PG).
                made.append({"person_id": row.id, "name_key": name, "phone_key": phone,
                             "number_key": number, "user_key": user})  # fmt: skip
        if made:
            bind.execute(entries.insert(), made)


def _in_batches(bind: sa.Connection, table, columns):
    """The rows of a table in the order they were written, BATCH at a time."""
    if bind.dialect.name == "sqlite":
        rowid = sa.literal_column("rowid")
        last = 0
        while True:
            rows = bind.execute(
                sa.select(rowid, *columns).select_from(table)
                .where(rowid > last).order_by(rowid).limit(BATCH)
            ).all()  # fmt: skip
            if not rows:
                return
            last = rows[-1][0]
            yield rows
    else:
        result = bind.execute(
            sa.select(*columns)
            .order_by(table.c.created_at, table.c.id)
            .execution_options(stream_results=True, yield_per=BATCH)
        )
        yield from result.partitions(BATCH)
