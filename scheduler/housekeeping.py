"""Jobs that keep the database tidy."""

from __future__ import annotations

from models import inbox
from models.base import utcnow
from scheduler.context import JobContext


async def forget_old_updates(context: JobContext) -> None:
    """Drop the record of webhook updates too old for Telegram to send again."""
    async with context.sessionmaker() as session:
        await inbox.purge(session, utcnow())
