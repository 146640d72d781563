"""Updates received over the webhook, so that an update Telegram sends again is applied only once.

An update is claimed before it is handled and marked done after; Telegram gets its answer only then. If the process
dies midway, the claim stays unfinished: Telegram, having had no answer, sends the update again and, once the claim's
lease has run out, the update is handled again. Whatever the first attempt had committed is protected by the business
keys of the domain (a ledger entry, a sale, a coupon are each recorded once), so handling twice changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base

# Telegram waits about a minute for an answer before sending again; a claim older than this was abandoned.
LEASE = timedelta(seconds=90)
# Telegram keeps an unanswered update for a day; after a week of silence it may even reuse ids.
KEEP = timedelta(days=3)


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_at: Mapped[datetime] = mapped_column(index=True)
    done_at: Mapped[datetime | None]


class Claim(StrEnum):
    NEW = "new"  # handle it now
    DONE = "done"  # handled before: answer OK and do nothing
    BUSY = "busy"  # another worker is handling it: ask Telegram to try again later


async def claim(session: AsyncSession, update_id: int, now: datetime) -> Claim:
    """Take the update for handling, unless it was handled or is being handled. Commits."""
    try:
        await session.execute(insert(ProcessedUpdate).values(update_id=update_id, claimed_at=now))
        await session.commit()
        return Claim.NEW
    except IntegrityError:
        await session.rollback()
    taken = await session.scalar(
        update(ProcessedUpdate)
        .where(
            ProcessedUpdate.update_id == update_id,
            ProcessedUpdate.done_at.is_(None),
            ProcessedUpdate.claimed_at < now - LEASE,
        )
        .values(claimed_at=now)
        .returning(ProcessedUpdate.update_id)
    )
    done = taken is None and await session.scalar(
        select(ProcessedUpdate.done_at.is_not(None)).where(ProcessedUpdate.update_id == update_id)
    )
    await session.commit()
    if taken is not None:
        return Claim.NEW
    return Claim.DONE if done else Claim.BUSY


async def finish(session: AsyncSession, update_id: int, now: datetime) -> None:
    """The update was handled: later copies of it are ignored. Commits."""
    await session.execute(update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(done_at=now))
    await session.commit()


async def release(session: AsyncSession, update_id: int) -> None:
    """Handling failed: forget the claim, so that the copy Telegram sends next is handled afresh. Commits."""
    await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.done_at.is_(None))
    )
    await session.commit()


async def purge(session: AsyncSession, now: datetime) -> None:
    """Forget updates old enough that Telegram can no longer send them again. Commits."""
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.claimed_at < now - KEEP))
    await session.commit()
