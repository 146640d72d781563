"""branches, manual adjustments, tiers that move both ways

Staff are appointed to a programme `[[branches]]` id (`staff.branch`); sales (`purchases.branch`), ledger entries
staff make and audit lines record the branch; all NULL for a programme without branches. `tier_watch` holds the
members whose spend fell below their tier: since when, and whether they were warned. `adjustment_days` counts the points each admin adjusted by hand per business day.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE ADD COLUMN: a batch operation could rebuild a table and lose its append-only triggers.
BRANCH_COLUMNS = ("staff", "purchases", "ledger_entries", "audit_log")


def upgrade() -> None:
    for table in BRANCH_COLUMNS:
        op.add_column(table, sa.Column("branch", sa.String(length=32), nullable=True))
    op.create_table(
        "tier_watch",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("below_since", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warned_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_tier_watch_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_tier_watch")),
    )
    op.create_table(
        "adjustment_days",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_adjustment_days_points_nonnegative")),
        sa.PrimaryKeyConstraint("staff_id", "day", name=op.f("pk_adjustment_days")),
    )


def downgrade() -> None:
    op.drop_table("adjustment_days")
    op.drop_table("tier_watch")
    for table in reversed(BRANCH_COLUMNS):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("branch")
