"""Purchases recorded at the till: what tiers and analytics are computed from."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    ScalarSelect,
    SQLColumnExpression,
    String,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of


class Purchase(Base):
    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive"),
        Index("ix_purchases_member_created", "member_id", "created_at"),
        # A period's sales for the dashboard (sales per day, buyers) read from the index alone, and the purchases
        # export finds a period's rows.
        Index("ix_purchases_created", "created_at", "member_id", "amount_cents", "refunded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount_cents: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(32))
    receipt: Mapped[str | None] = mapped_column(String(64), unique=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)  # the sale's business key, as in the ledger
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    branch: Mapped[str | None] = mapped_column(String(32))  # where it was sold (see `models.team.branches`)
    created_at: Mapped[datetime]
    refunded_at: Mapped[datetime | None]


def rolling_spend(
    member: SQLColumnExpression[int] | int, since: SQLColumnExpression[datetime] | datetime
) -> ScalarSelect[int]:
    """A member's spend (in cents) of purchases not refunded since a moment: what tiers are computed from.

    `member` may be a column, for a subquery read alongside each member's row. Written on the table's columns, so
    that a statement otherwise made of columns stays Core (see `models.points.ledger.entries`).
    """
    purchases = table_of(Purchase).c
    return (
        select(func.coalesce(func.sum(purchases.amount_cents), 0))
        .where(purchases.member_id == member, purchases.refunded_at.is_(None), purchases.created_at >= since)
        .scalar_subquery()
    )


async def spend_in_window(session: AsyncSession, member_id: int, *, days: int, now: datetime) -> int:
    """A member's spend (in cents) within the last `days` days."""
    return int(await session.scalar(select(rolling_spend(member_id, now - timedelta(days=days)))) or 0)
