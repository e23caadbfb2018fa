"""covering indexes for the statistics' look-ups by id

The statistics look up, for every case of a period, its client (sex, birth date, oblast)
and, for every referral sent in it, whether its case consented to statistical use. On an
encrypted database each look-up into the wide `people` and `cases` rows decrypts pages
that hold mostly other columns; these narrow indexes hold just what is looked up:
- `ix_people_stats`: a client's id with sex, birth date or year and oblast;
- `ix_cases_id_consent`: a case's id with its statistics consent.
No data changes; existing rows are indexed when the index is built.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PEOPLE_STATS = ["id", "sex", "birth_date", "birth_year", "oblast"]
CASES_CONSENT = ["id", "consent_stats"]


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_stats", PEOPLE_STATS, unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_id_consent", CASES_CONSENT, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_id_consent")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_stats")
