"""stored business days recounted: points paid at the till count as redeemed

The dashboard's redeemed points (and so its redemption rate) now include points that paid part of a bill, as
/stats does. Closed days stored before counted only rewards; they are deleted here and counted again from the
ledger when next needed (by a reader, a few days at a time, or by the nightly job).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM business_day_sales")
    op.execute("DELETE FROM business_days")


def downgrade() -> None:
    """The days counted since hold the new figures; the older code counts them again only if they are deleted."""
    op.execute("DELETE FROM business_day_sales")
    op.execute("DELETE FROM business_days")
