"""stamp cards: each member's progress on each card, and what each sale (or its refund) did to it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stamp_cards",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("card", sa.String(length=32), nullable=False),
        sa.Column("stamps", sa.Integer(), nullable=False),
        sa.Column("rewards", sa.Integer(), nullable=False),
        sa.CheckConstraint("stamps >= 0", name=op.f("ck_stamp_cards_stamps_nonnegative")),
        sa.CheckConstraint("rewards >= 0", name=op.f("ck_stamp_cards_rewards_nonnegative")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_stamp_cards_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "card", name=op.f("pk_stamp_cards")),
    )
    op.create_table(
        "stamp_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("sale_key", sa.String(length=120), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("card", sa.String(length=32), nullable=False),
        sa.Column("stamps", sa.Integer(), nullable=False),
        sa.Column("rewards", sa.Integer(), nullable=False),
        sa.Column("created_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stamps <> 0 OR rewards <> 0", name=op.f("ck_stamp_entries_changes_something")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_stamp_entries_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_stamp_entries_key")),
    )
    op.create_index("ix_stamp_entries_member_card", "stamp_entries", ["member_id", "card"], unique=False)
    op.create_index(op.f("ix_stamp_entries_sale_key"), "stamp_entries", ["sale_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stamp_entries_sale_key"), table_name="stamp_entries")
    op.drop_index("ix_stamp_entries_member_card", table_name="stamp_entries")
    op.drop_table("stamp_entries")
    op.drop_table("stamp_cards")
