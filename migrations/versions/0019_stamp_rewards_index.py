"""the stamp entries' member index holds only the entries that completed a card

A refund looks up a member's earlier completions on a card (to withdraw a newer reward); an ordinary sale's stamps
are never looked up that way. Indexing only the completions spares every stamped sale a write at a random place of
the index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_stamp_entries_member_card"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="stamp_entries")
    op.create_index(
        INDEX,
        "stamp_entries",
        ["member_id", "card"],
        postgresql_where=sa.text("rewards > 0"),
        sqlite_where=sa.text("rewards > 0"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="stamp_entries")
    op.create_index(INDEX, "stamp_entries", ["member_id", "card"])
