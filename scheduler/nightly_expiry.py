"""The daily expiry run: write off lots past their date; each member hears of it through the outbox."""

from __future__ import annotations

import logging

from models.core import clock
from models.core.base import utcnow
from models.core.uow import transaction
from models.points.expiry import expire_due
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def expire_points(context: JobContext) -> None:
    async with transaction(context.sessionmaker) as session:
        notices = await expire_due(session, utcnow(), clock.zone(context.programme), checkpoint=session.commit)
    context.outbox_bell.set()
    log.info("expired %d lots", len(notices))
