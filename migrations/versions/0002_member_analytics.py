"""member analytics

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "member_favourites",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_favourites_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "category", name=op.f("pk_member_favourites")),
    )
    with op.batch_alter_table("member_favourites", schema=None) as batch_op:
        batch_op.create_index("ix_member_favourites_category", ["category", "member_id"], unique=False)

    op.create_table(
        "member_stats",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary_cents", sa.Integer(), nullable=False),
        sa.Column("r_score", sa.Integer(), nullable=False),
        sa.Column("f_score", sa.Integer(), nullable=False),
        sa.Column("m_score", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("usual_weekdays", sa.JSON(), nullable=False),
        sa.Column("usual_hours", sa.JSON(), nullable=False),
        sa.Column("expected_next_visit", sa.Date(), nullable=True),
        sa.Column("discount_share", sa.Double(), nullable=False),
        sa.Column("computed_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_stats_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_stats")),
    )
    with op.batch_alter_table("member_stats", schema=None) as batch_op:
        batch_op.create_index("ix_member_stats_segment", ["segment"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("member_stats", schema=None) as batch_op:
        batch_op.drop_index("ix_member_stats_segment")

    op.drop_table("member_stats")
    with op.batch_alter_table("member_favourites", schema=None) as batch_op:
        batch_op.drop_index("ix_member_favourites_category")

    op.drop_table("member_favourites")
