"""The nightly work for the console's dashboard, after the nightly analytics: yesterday's figures stored ahead of the
first console that asks (the whole history on the first night), and the day's segment moves folded."""

from __future__ import annotations

import logging
import time

from models.analytics.days import count_closed_days
from models.analytics.segments import fold_moves
from models.core.base import utcnow
from models.core.uow import transaction
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def store_figures(context: JobContext) -> None:
    started = time.perf_counter()
    async with transaction(context.sessionmaker) as session:
        counted = await count_closed_days(session, context.programme, utcnow(), checkpoint=session.commit)
        folded = await fold_moves(session)
    log.info(
        "dashboard: %d days counted, %d segment moves folded in %.1f s", counted, folded, time.perf_counter() - started
    )
