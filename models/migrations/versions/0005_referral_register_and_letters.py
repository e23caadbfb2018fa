"""referral register and letters

Adds what a numbered referral letter needs beside the columns of 0001: the letter's date
(`issued_on`), its place in the outgoing register (`register_year`, `register_serial`,
unique together, so a number can never be given twice even if the format setting changes),
who overrode a missing consent (`consent_override_by`), and an index for finding sent
letters past their response date (`no_response`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("register_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("register_serial", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consent_override_by", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_referrals_consent_override_by_users"),
            "users",
            ["consent_override_by"],
            ["id"],
        )
        batch_op.create_index(
            "ix_referrals_register_serial", ["register_year", "register_serial"], unique=True
        )
        batch_op.create_index("ix_referrals_status_due", ["status", "response_due_on"])
    # Letters numbered before this revision: their date is when they were sent, else the
    # day the referral was written.
    bind = op.get_bind()
    written_on = (
        "CAST(created_at AS DATE)" if bind.dialect.name == "postgresql" else "date(created_at)"
    )
    op.execute(
        "UPDATE referrals SET issued_on = COALESCE(sent_on, "
        + written_on
        + ") WHERE register_number IS NOT NULL AND issued_on IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_status_due")
        batch_op.drop_index("ix_referrals_register_serial")
        batch_op.drop_constraint(
            batch_op.f("fk_referrals_consent_override_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("consent_override_by")
        batch_op.drop_column("register_serial")
        batch_op.drop_column("register_year")
        batch_op.drop_column("issued_on")
