"""The nightly count of closed business days: yesterday's dashboard figures stored ahead of the first console
that asks (the whole history on the first night), after the nightly analytics."""

from __future__ import annotations

import logging
import time

from models.analytics.days import count_closed_days
from models.core.base import utcnow
from models.core.uow import transaction
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def count_days(context: JobContext) -> None:
    started = time.perf_counter()
    async with transaction(context.sessionmaker) as session:
        counted = await count_closed_days(session, context.programme, utcnow(), checkpoint=session.commit)
    log.info("business days: %d counted in %.1f s", counted, time.perf_counter() - started)
