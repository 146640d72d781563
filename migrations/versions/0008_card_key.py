"""card signing key: random, kept in the database instead of derived from the bot's token

Whoever held BOT_TOKEN (or ran the Bot API server that sees it in every URL) could forge member cards, and a new
token voided every card. The key is now made at the first start; cards issued before this change stop working,
which costs a member one more /card (a card lives five minutes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_keys")),
    )


def downgrade() -> None:
    op.drop_table("card_keys")
