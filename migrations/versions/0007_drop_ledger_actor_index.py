"""drop the index of ledger entries by staff member and time

Cashiers' daily points are counted in `staff_days`, so nothing reads ledger entries by staff member
any more, while every sale paid for the index: one more page written at a random place per entry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_actor_created", "ledger_entries")


def downgrade() -> None:
    op.create_index("ix_ledger_entries_actor_created", "ledger_entries", ["actor_id", "created_at"], unique=False)
