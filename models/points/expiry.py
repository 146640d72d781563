"""The daily expiry run: every lot past its date loses what is left of it, oldest first, one entry per lot.

The run only writes the entries: points stop being spendable at their lot's `expires_at` whether or not it has run
(`ledger.spendable`), and any posting for a member writes their due expiries first (`ledger.Book.settle`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.uow import Checkpoint, no_checkpoint, writing
from models.points import ledger


async def expire_due(
    session: AsyncSession, now: datetime, zone: tzinfo, checkpoint: Checkpoint = no_checkpoint
) -> list[ledger.Notice]:
    """Write the expiry entries due by `now`, with a `checkpoint` after each member; returns the news. Each entry
    names its lot's date in the business's `zone`.

    Running it twice, or after a crash half-way, writes each expiry once: the key is `expire:<lot id>`.
    """
    await writing(session)
    notices: list[ledger.Notice] = []
    for member_id in await ledger.members_with_due_lots(session, now):
        notices.extend(await ledger.expire_due_lots(session, member_id, now, zone))
        await checkpoint()
    return notices
