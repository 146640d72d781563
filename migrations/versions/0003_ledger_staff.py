"""ledger and staff: audit trail, "not me" flags, cashier limits and daily counters, sale keys, ledger indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit_append_only() -> None:
    """The audit trail, like the ledger, can only grow (refuse_change() comes with the foundation on PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_audit_log_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_actor_at", ["actor_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_member_id"), ["member_id"], unique=False)
    _audit_append_only()

    op.create_table(
        "entry_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("flagged_at", models.core.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_entry_flags_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_entry_flags_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_flags")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_entry_flags_entry_id")),
    )
    with op.batch_alter_table("entry_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_flags_member_id"), ["member_id"], unique=False)

    op.create_table(
        "staff_days",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_staff_days_points_nonnegative")),
        sa.PrimaryKeyConstraint("staff_id", "day", name=op.f("pk_staff_days")),
    )

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_sale_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("points_per_day", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_staff_max_sale_positive"), "max_sale_cents IS NULL OR max_sale_cents > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_staff_points_per_day_positive"), "points_per_day IS NULL OR points_per_day > 0"
        )

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_purchases_key"), ["key"])

    # Plain CREATE INDEX: a batch operation could rebuild the table and lose its append-only triggers.
    op.create_index("ix_ledger_entries_actor_created", "ledger_entries", ["actor_id", "created_at"], unique=False)
    op.create_index("ix_ledger_entries_expires", "ledger_entries", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_expires", "ledger_entries")
    op.drop_index("ix_ledger_entries_actor_created", "ledger_entries")

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_purchases_key"), type_="unique")
        batch_op.drop_column("key")

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_points_per_day_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_staff_max_sale_positive"), type_="check")
        batch_op.drop_column("points_per_day")
        batch_op.drop_column("max_sale_cents")

    op.drop_table("staff_days")

    with op.batch_alter_table("entry_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_flags_member_id"))
    op.drop_table("entry_flags")

    op.drop_table("audit_log")
