"""The daily expiry run: write off lots past their date and tell each member, with the "this wasn't me" button."""

from __future__ import annotations

import logging

from handlers.notices import announce
from models.core.base import utcnow
from models.points.expiry import expire_due
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def expire_points(context: JobContext) -> None:
    async with context.sessionmaker() as session:
        notices = await expire_due(session, utcnow())
    log.info("expired %d lots", len(notices))
    await announce(context.bot, context.texts, notices)
