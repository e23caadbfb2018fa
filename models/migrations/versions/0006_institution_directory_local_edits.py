"""institution directory local edits

Adds `institutions.local_fields`: the shipped columns (names, kind, country, city) an
organisation changed, so that updating the shipped list refreshes the others and never
overwrites these. Backfill: a shipped row saved since it was shipped (version > 1) was,
under the earlier rule, never refreshed again; it keeps that protection by listing all
six columns. Every other row starts with an empty list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SYNCED_FIELDS = ["kind", "country", "city", "name_en", "name_ru", "name_ky"]
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_fields", JSON_TYPE, nullable=True))
    institutions = sa.table(
        "institutions",
        sa.column("shipped", sa.Boolean()),
        sa.column("version", sa.Integer()),
        sa.column("local_fields", JSON_TYPE),
    )
    edited = sa.and_(institutions.c.shipped.is_(True), institutions.c.version > 1)
    op.execute(institutions.update().where(edited).values(local_fields=SYNCED_FIELDS))
    op.execute(institutions.update().where(sa.not_(edited)).values(local_fields=[]))
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.alter_column("local_fields", existing_type=JSON_TYPE, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("local_fields")
