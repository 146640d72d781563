"""the owner's console: programme versions and one-time staff invitations

The programme moves into the database as versions (the file seeds the first), so that the console can edit it and
every process applies the newest without a restart. An owner invites staff by a one-time link instead of typing
their Telegram id; only a digest of the link's token is kept.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_programme_versions")),
    )
    op.create_table(
        "staff_invitations",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('cashier', 'admin')", name=op.f("ck_staff_invitations_role_appointable")),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_staff_invitations")),
    )
    # The dashboard reads members, sales and ledger entries by period; the member search reads names by prefix.
    op.create_index(op.f("ix_members_joined_at"), "members", ["joined_at"])
    op.create_index(op.f("ix_members_first_name"), "members", ["first_name"])
    op.create_index("ix_purchases_created", "purchases", ["created_at", "member_id", "amount_cents", "refunded_at"])
    op.create_index("ix_ledger_entries_created", "ledger_entries", ["created_at", "kind", "amount"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_created", table_name="ledger_entries")
    op.drop_index("ix_purchases_created", table_name="purchases")
    op.drop_index(op.f("ix_members_first_name"), table_name="members")
    op.drop_index(op.f("ix_members_joined_at"), table_name="members")
    op.drop_table("staff_invitations")
    op.drop_table("programme_versions")
