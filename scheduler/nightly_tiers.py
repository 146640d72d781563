"""The nightly tier review: members move up or down from their rolling spend, warned before a drop (see
`models.points.tiers`); each move is announced through the outbox."""

from __future__ import annotations

import logging

from models.core.base import utcnow
from models.core.uow import transaction
from models.points.tiers import review_tiers
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def review(context: JobContext) -> None:
    async with transaction(context.sessionmaker) as session:
        done = await review_tiers(session, context.programme, utcnow(), checkpoint=session.commit)
    context.outbox_bell.set()
    log.info(
        "tiers: %d promoted, %d warned, %d dropped, %d recovered",
        done.promoted,
        done.warned,
        done.dropped,
        done.recovered,
    )
