"""Jobs that keep the database tidy."""

from __future__ import annotations

from models.core import db, updates
from models.core.base import utcnow
from models.core.uow import transaction
from scheduler.context import JobContext


async def forget_old_updates(context: JobContext) -> None:
    """Drop the record of webhook updates too old for Telegram to send again."""
    async with transaction(context.sessionmaker) as session:
        await updates.purge(session, utcnow())


async def checkpoint(context: JobContext) -> None:
    """Keep SQLite's write-ahead log short between commits, so that no sale at the till waits for the copy."""
    await db.checkpoint(context.engine)
