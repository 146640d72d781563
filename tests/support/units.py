"""A test's step as the unit of work of the request behind it (an update, a job's step) would end it.

Domain functions never commit: the update's middleware or the job's runner does, once. A test that calls them
directly wraps each request in `step`, so that what the next step (or another session) sees is what was committed,
not what one long transaction happens to hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import DomainError


@asynccontextmanager
async def step(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block did; roll it back if it raises. A refusal carrying a `trail` (a limit breach) has its
    trail written and committed in the refused request's place, as `bot.middlewares.UnitOfWorkMiddleware` does."""
    try:
        yield session
    except DomainError as refusal:
        await session.rollback()
        if refusal.trail is not None:
            await refusal.trail(session)
            await session.commit()
        raise
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
