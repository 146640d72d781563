"""delivery leases: the process that claimed a campaign recipient's row, and until when its claim holds

With several processes delivering one campaign, a process that starts may no longer take every row being sent for
one interrupted by a crash: only rows whose lease ran out (their process died or stalled) become `unknown`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.core.base

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_recipients") as table:
        table.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("lease_until", models.core.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_recipients") as table:
        table.drop_column("lease_until")
        table.drop_column("claimed_by")
