"""indexes for monthly statistics

Covering indexes for the statistics queries of `models.stats_queries`, so a period is read
as one index range instead of by random UUID look-ups into the (encrypted) tables:
- `ix_cases_stats_opened`: new cases of a period with everything the tables of new cases
  group by on the case itself, and the ids the category and person joins need;
- `ix_cases_stats_closed`: cases closed in a period, and cases still open at its end;
- `ix_referrals_sent_on`: referrals sent in a period with their status and institution.
No data changes; existing rows are indexed when the index is built.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CASES_OPENED = [
    "opened_on",
    "consent_stats",
    "person_id",
    "destination_country",
    "destination_region",
    "sector",
    "id",
]
CASES_CLOSED = ["closed_on", "consent_stats", "opened_on", "closure_reason"]
REFERRALS_SENT = ["sent_on", "status", "institution_id", "case_id"]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_stats_opened", CASES_OPENED, unique=False)
        batch_op.create_index("ix_cases_stats_closed", CASES_CLOSED, unique=False)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index("ix_referrals_sent_on", REFERRALS_SENT, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_sent_on")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_stats_closed")
        batch_op.drop_index("ix_cases_stats_opened")
