"""Each Telegram update is handled once: its effects and the record that it was handled commit together.

Telegram sends an update again when it had no answer (webhook) or when the bot restarts before confirming it
(polling). An update's unit of work (`UpdateWork`) writes the record in the same transaction as the update's
effects, and commits before anything is said about them; a copy of an update already recorded is ignored, so a
re-delivered update changes nothing and sends nothing new, whatever failed after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of, utcnow
from models.core.sqlite_trips import write_with_next
from models.core.uow import UnitOfWork, writing

# Telegram keeps an unanswered update for a day; after a week of silence it may even reuse ids.
KEEP = timedelta(days=3)

FollowUp = Callable[[AsyncSession], Awaitable[object]]


class HandledUpdate(Base):
    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)


def record(update_id: int, now: datetime) -> dict[str, object]:
    """The row that says an update was handled, for a writer that records many at once (the sales desk)."""
    return {"update_id": update_id, "handled_at": now}


# The table's, not the ORM's: no per-row bookkeeping for a batch. Sent with the COMMIT on SQLite, where a clash (the
# update handled meanwhile by another process) fails the COMMIT, as it fails the statement elsewhere.
RECORD = write_with_next(insert(table_of(HandledUpdate)))


class UpdateWork(UnitOfWork):
    """The unit of work of one update: settled (recorded as handled and committed) once, before the first message
    that reports its effects; derived work (analytics after a sale) follows in units of its own."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], update_id: int) -> None:
        super().__init__(sessionmaker)
        self.sessionmaker = sessionmaker
        self.update_id = update_id
        self.settled = False
        self._follow_ups: list[FollowUp] = []

    async def handled_before(self) -> bool:
        found = await self.session.scalar(
            select(HandledUpdate.update_id).where(HandledUpdate.update_id == self.update_id)
        )
        return found is not None

    async def settle(self, now: datetime | None = None) -> None:
        """Commit the update's effects with the record that it was handled. Effects written after that (which a
        handler should avoid) commit on their own at the next settle, rather than being lost."""
        if self.settled and not self.wrote:
            return
        if not self.settled:
            await writing(self.session)
            await self.session.execute(RECORD, record(self.update_id, now or utcnow()))
        await self.commit()
        self.settled = True

    def settled_elsewhere(self) -> None:
        """Another writer committed this update's record with its effects (the sales desk, for a batch)."""
        self.settled = True

    def follow_up(self, step: FollowUp) -> None:
        """Work derived from this update's effects, run after they are committed, each in a unit of its own."""
        self._follow_ups.append(step)

    async def run_follow_ups(self) -> None:
        steps, self._follow_ups = self._follow_ups, []
        for step in steps:
            async with UnitOfWork(self.sessionmaker) as unit:
                await step(unit.session)
                await unit.commit()


async def purge(session: AsyncSession, now: datetime) -> None:
    """Forget updates old enough that Telegram can no longer send them again."""
    await writing(session)
    await session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < now - KEEP))
