"""offers: coupons, badges, RFM score boundaries, more member analytics, the analytics index on purchases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The nightly analytics read purchases member by member and category by category; with every column they need in
# the index, the pass never touches the table and never sorts (see models/habits.py).
ANALYTICS_INDEX = ["member_id", "category", "created_at", "amount_cents", "refunded_at"]


def upgrade() -> None:
    op.create_table(
        "coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Boolean(), nullable=False),
        sa.Column("issued_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by", sa.BigInteger(), nullable=True),
        sa.Column("released_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_coupons_expires_after_issue")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_coupons_points_nonnegative")),
        sa.CheckConstraint("redeemed_at IS NULL OR released_at IS NULL", name=op.f("ck_coupons_used_or_released")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_coupons_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_coupons_code")),
        sa.UniqueConstraint("key", name=op.f("uq_coupons_key")),
    )
    op.create_index("ix_coupons_member_offer", "coupons", ["member_id", "offer_id"], unique=False)
    op.create_index("ix_coupons_expires", "coupons", ["expires_at"], unique=False)
    op.create_table(
        "badges",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=32), nullable=False),
        sa.Column("earned_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_badges_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "collection", name=op.f("pk_badges")),
    )
    op.create_table(
        "rfm_cutoffs",
        sa.Column("score", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary_cents", sa.Integer(), nullable=False),
        sa.Column("computed_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 2 AND 5", name=op.f("ck_rfm_cutoffs_score_range")),
        sa.PrimaryKeyConstraint("score", name=op.f("pk_rfm_cutoffs")),
    )
    with op.batch_alter_table("member_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_purchase_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_purchase_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("collections", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("best_offer", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("favourites", sa.String(length=100), server_default="", nullable=False))
    op.create_index("ix_purchases_analytics", "purchases", ANALYTICS_INDEX, unique=False)


def downgrade() -> None:
    op.drop_index("ix_purchases_analytics", table_name="purchases")
    with op.batch_alter_table("member_stats", schema=None) as batch_op:
        batch_op.drop_column("favourites")
        batch_op.drop_column("best_offer")
        batch_op.drop_column("collections")
        batch_op.drop_column("last_purchase_on")
        batch_op.drop_column("first_purchase_on")
    op.drop_table("rfm_cutoffs")
    op.drop_table("badges")
    op.drop_index("ix_coupons_expires", table_name="coupons")
    op.drop_index("ix_coupons_member_offer", table_name="coupons")
    op.drop_table("coupons")
