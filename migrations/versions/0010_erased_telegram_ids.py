"""erased members: a keyed hash of their Telegram id, to refuse a second welcome bonus

Redeeming the welcome bonus, /forget, /start paid 100 points again. Erasure now keeps an HMAC-SHA256 of the Telegram
id (key: row 2 of `card_keys`, made on first use) and nothing else about the person.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_telegram_ids",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_erased_telegram_ids")),
    )


def downgrade() -> None:
    op.drop_table("erased_telegram_ids")
