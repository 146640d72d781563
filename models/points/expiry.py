"""The daily expiry run: every lot past its date loses what is left of it, oldest first, one entry per lot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.uow import Checkpoint, no_checkpoint, writing
from models.points import ledger


async def expire_due(
    session: AsyncSession, now: datetime, checkpoint: Checkpoint = no_checkpoint
) -> list[ledger.Notice]:
    """Write the expiry entries due by `now`, with a `checkpoint` after each lot; returns the news.

    Running it twice, or after a crash half-way, writes each expiry once: the key is `expire:<lot id>`.
    """
    await writing(session)
    notices: list[ledger.Notice] = []
    due = await ledger.due_lots(session, now)
    for member_id, lot in due:
        posted = await ledger.expire_lot(session, member_id, lot.entry_id, now)
        news = None if posted is None else await ledger.announce(session, posted)
        await checkpoint()
        if news is not None:
            notices.append(news)
    return notices
