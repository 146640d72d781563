"""What a process tells Prometheus: updates by type and outcome, how long handling took, the depth of the queues
and whether this process is the leader. One registry per process (prometheus-client's default), served at
`/metrics` on the webhook port."""

from __future__ import annotations

import time
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.throttle import Handler
from models.campaigns.planning import queue_depth
from models.core import outbox
from models.core.uow import UnitOfWork

UPDATES = Counter(
    "loyalty_updates_total",
    "Updates from Telegram, by type and outcome (handled, ignored: a copy, a group, no handler; failed: an error)",
    ["type", "outcome"],
)
HANDLING_SECONDS = Histogram(
    "loyalty_update_handling_seconds",
    "Time from an update's arrival in the dispatcher to the end of its handling",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERY_QUEUE = Gauge("loyalty_delivery_queue_depth", "Campaign messages waiting to be sent, all running campaigns")
OUTBOX = Gauge("loyalty_outbox_depth", "Messages about committed effects waiting in the outbox")
LEADER = Gauge("loyalty_leader", "1 while this process runs the scheduled jobs, 0 otherwise")


class UpdateMetrics(BaseMiddleware):
    """Counts and times every update, outermost, so that what the other middlewares drop is counted too."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await handler(event, data)
            outcome = "ignored" if result is UNHANDLED else "handled"
            return result
        finally:
            HANDLING_SECONDS.labels(kind).observe(time.perf_counter() - started)
            UPDATES.labels(kind, outcome).inc()


async def refresh_depths(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Read the queues' depths from the database, which every process shares (so every process reports them)."""
    async with UnitOfWork(sessionmaker) as unit:
        DELIVERY_QUEUE.set(await queue_depth(unit.session))
        OUTBOX.set(await outbox.depth(unit.session))
