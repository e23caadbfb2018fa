"""covering indexes for look-ups by id

The statistics look up, for every case of a period, its client (sex, birth date, oblast)
and, for every referral sent in it, whether its case consented to statistical use; the
follow-ups screen looks up, for every open follow-up, whether its case is closed and who
it is assigned to. On an encrypted database each look-up into the wide `people` and
`cases` rows decrypts pages that hold mostly other columns; these narrow indexes hold
just what is looked up:
- `ix_people_stats`: a client's id with sex, birth date or year and oblast;
- `ix_cases_id_lookup`: a case's id with its status, statistics consent and assignee;
- `ix_follow_ups_open_due_case` replaces `ix_follow_ups_open_due` (done, due date) and
  also holds the case and assignee, so counting open follow-ups reads no table rows.
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
CASES_LOOKUP = ["id", "status", "consent_stats", "assigned_user_id"]
FOLLOW_UPS_OPEN = ["done_on", "due_on", "case_id", "assigned_user_id"]


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_stats", PEOPLE_STATS, unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_id_lookup", CASES_LOOKUP, unique=False)
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_open_due_case", FOLLOW_UPS_OPEN, unique=False)
        batch_op.drop_index("ix_follow_ups_open_due")


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_open_due", ["done_on", "due_on"], unique=False)
        batch_op.drop_index("ix_follow_ups_open_due_case")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_id_lookup")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_stats")
