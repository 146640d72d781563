"""campaigns: campaigns and their frozen audiences (one row per recipient)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("localized", sa.JSON(), nullable=False),
        sa.Column("photo", sa.String(length=256), nullable=True),
        sa.Column("offer", sa.String(length=32), nullable=True),
        sa.Column("holdout_percent", sa.Integer(), nullable=False),
        sa.Column("send_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("audience_frozen", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('manual', 'birthday', 'expiring_points', 'win_back')", name=op.f("ck_campaigns_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'running', 'done', 'cancelled')", name=op.f("ck_campaigns_status_known")
        ),
        sa.CheckConstraint("holdout_percent BETWEEN 0 AND 50", name=op.f("ck_campaigns_holdout_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("key", name=op.f("uq_campaigns_key")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_status", ["status"], unique=False)

    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("offer_id", sa.String(length=32), nullable=True),
        sa.Column("coupon_code", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'held_out', 'sending', 'sent', 'blocked', 'failed', 'unknown', 'skipped', 'cancelled')",
            name=op.f("ck_campaign_recipients_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_recipients_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_campaign_recipients_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_recipients")),
        sa.UniqueConstraint("campaign_id", "member_id", name="uq_campaign_recipients_member"),
    )
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_recipients_member_claimed", ["member_id", "claimed_at"], unique=False)
        batch_op.create_index("ix_campaign_recipients_queue", ["campaign_id", "status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_recipients_queue")
        batch_op.drop_index("ix_campaign_recipients_member_claimed")

    op.drop_table("campaign_recipients")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_campaigns_status")

    op.drop_table("campaigns")
