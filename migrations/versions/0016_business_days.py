"""business days: each closed business day's dashboard figures (and its sales per branch), counted once

The console's dashboard reads the days before today from here instead of scanning millions of purchases, and counts
today live. A row is written when a closed day is first needed (or by the nightly job) and deleted by whatever later
changes that day's figures (a refund of one of its purchases), so that it is counted again on the next read. Erased
members are counted from a small partial index.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("new_members", sa.Integer(), nullable=False),
        sa.Column("points_issued", sa.BigInteger(), nullable=False),
        sa.Column("points_redeemed", sa.BigInteger(), nullable=False),
        sa.Column("points_net", sa.BigInteger(), nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("buyer_ids", sa.LargeBinary(), nullable=False),
        sa.Column("counted_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("new_members >= 0", name=op.f("ck_business_days_new_members_counted")),
        sa.CheckConstraint("points_issued >= 0", name=op.f("ck_business_days_issued_counted")),
        sa.CheckConstraint("points_redeemed >= 0", name=op.f("ck_business_days_redeemed_counted")),
        sa.CheckConstraint("buyers >= 0", name=op.f("ck_business_days_buyers_counted")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_business_days")),
    )
    op.create_table(
        "business_day_sales",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("branch", sa.String(length=32), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("sales > 0", name=op.f("ck_business_day_sales_some_sales")),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_business_day_sales_positive")),
        sa.ForeignKeyConstraint(
            ["day"],
            ["business_days.day"],
            name=op.f("fk_business_day_sales_day_business_days"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "branch", name=op.f("pk_business_day_sales")),
    )
    op.create_index(
        "ix_members_forgotten_at",
        "members",
        ["forgotten_at"],
        postgresql_where=sa.text("forgotten_at IS NOT NULL"),
        sqlite_where=sa.text("forgotten_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_members_forgotten_at", table_name="members")
    op.drop_table("business_day_sales")
    op.drop_table("business_days")
