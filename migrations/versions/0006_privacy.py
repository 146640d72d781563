"""privacy: declared interests, birthday changes, webhook updates already handled

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_interests",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_interests_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "category", name=op.f("pk_member_interests")),
    )
    op.create_table(
        "birthday_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_birthday_changes_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_birthday_changes")),
    )
    with op.batch_alter_table("birthday_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_birthday_changes_member_id"), ["member_id"], unique=False)

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("claimed_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", models.core.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_updates_claimed_at"), ["claimed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_claimed_at"))

    op.drop_table("processed_updates")
    with op.batch_alter_table("birthday_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_birthday_changes_member_id"))

    op.drop_table("birthday_changes")
    op.drop_table("member_interests")
