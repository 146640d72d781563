"""Jobs that keep the database tidy, and the process's programme in step with the newest version."""

from __future__ import annotations

from models.core import db, updates
from models.core.base import utcnow
from models.core.uow import UnitOfWork, transaction
from scheduler.context import JobContext


async def forget_old_updates(context: JobContext) -> None:
    """Drop the record of webhook updates too old for Telegram to send again."""
    async with transaction(context.sessionmaker) as session:
        await updates.purge(session, utcnow())


async def checkpoint(context: JobContext) -> None:
    """Keep SQLite's write-ahead log short between commits, so that no sale at the till waits for the copy."""
    await db.checkpoint(context.engine)


async def refresh_programme(context: JobContext) -> None:
    """Put the newest programme version in force here (another process, or the console, may have saved it)."""
    async with UnitOfWork(context.sessionmaker) as unit:
        await context.programmes.refresh(unit.session)
