"""The outbox: messages about committed effects (a points entry, a promotion, an owner's alert), written in the
transaction of the effect and sent after it commits, so that a crash between the two loses none.

A message is claimed (its attempts counted and committed) before it is sent and deleted once sent. A process that
dies after the send and before the delete sends it again when it restarts; a message is tried at most
`MAX_ATTEMPTS` times, so a member hears of an entry at most twice, and only after a crash mid-send. The rendering
of each `kind` into words belongs to the interface; here a message is its kind and plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, String, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of
from models.core.sqlite_trips import write_later, write_with_next

# The kinds of message; the interface says how each reads.
ENTRY = "entry"  # a new ledger entry, to its member
PROMOTED = "promoted"  # a member reached a higher tier
TIER_WARNING = "tier-warning"  # a member's spend has fallen below their tier, which they lose on a date unless...
TIER_DROPPED = "tier-dropped"  # a member moved down a tier once the grace was over
COUPON_USED = "coupon-used"  # a member's coupon was used at the till
LIMIT_BREACH = "limit-breach"  # to owners: a cashier asked for more than their limits allow
STAFF_WELCOME = "staff-welcome"  # to someone just appointed
REFUND_SHORTFALL = "refund-shortfall"  # to owners: a refund could not take back all the points it should have

MAX_ATTEMPTS = 2
# A claim older than this belongs to a sender that died mid-send; its messages are taken over.
LEASE = timedelta(seconds=60)
OWNERS = None  # the recipient of a message for every owner, whose ids the sender knows


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None: every owner
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Message:
    """A message to send: to `chat_id` (None: every owner), of `kind`, with the values its text needs."""

    chat_id: int | None
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Pending:
    id: int
    message: Message


# The table's, not the ORM's: no per-row bookkeeping for a batch. Nobody reads its rows back in the transaction.
ADD = write_with_next(insert(table_of(OutboxMessage)))


def row(message: Message, now: datetime) -> dict[str, object]:
    # Every column given, the default count of attempts too: rows that leave none out bind without SQLAlchemy's
    # execution (`write_later`).
    return {
        "chat_id": message.chat_id,
        "kind": message.kind,
        "payload": message.payload,
        "created_at": now,
        "attempts": 0,
    }


async def post(session: AsyncSession, messages: Sequence[Message], now: datetime) -> None:
    """Queue messages in the caller's transaction: they go out only if it commits."""
    await write_later(session, ADD, [row(message, now) for message in messages])


async def claim(session: AsyncSession, now: datetime, limit: int = 100) -> list[Pending]:
    """The oldest messages no live sender holds, each counted as one more attempt; one tried too often is dropped."""
    free = (OutboxMessage.claimed_at.is_(None)) | (OutboxMessage.claimed_at < now - LEASE)
    await session.execute(delete(OutboxMessage).where(free, OutboxMessage.attempts >= MAX_ATTEMPTS))
    rows = (
        await session.execute(
            select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.kind, OutboxMessage.payload)
            .where(free)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if rows:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(attempts=OutboxMessage.attempts + 1, claimed_at=now)
        )
    return [Pending(r.id, Message(r.chat_id, r.kind, dict(r.payload))) for r in rows]


async def sent(session: AsyncSession, ids: Sequence[int]) -> None:
    await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


async def withdraw(session: AsyncSession, chat_id: int) -> None:
    """Drop the messages still waiting for one chat: a member who asked to be forgotten is told nothing more, and
    their chat id is kept nowhere."""
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))


async def depth(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
