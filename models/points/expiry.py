"""The daily expiry run: every lot past its date loses what is left of it, oldest first, one entry per lot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.points import ledger


async def expire_due(session: AsyncSession, now: datetime) -> list[ledger.Notice]:
    """Write the expiry entries due by `now`, committing lot by lot so a crash loses nothing; returns the news.

    Running it twice, or after a crash half-way, writes each expiry once: the key is `expire:<lot id>`.
    """
    notices: list[ledger.Notice] = []
    due = await ledger.due_lots(session, now)
    await session.rollback()
    for member_id, lot in due:
        posted = await ledger.expire_lot(session, member_id, lot.entry_id, now)
        news = None if posted is None else await ledger.notice(session, posted)
        await session.commit()
        if news is not None:
            notices.append(news)
    return notices
