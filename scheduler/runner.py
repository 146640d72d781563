"""The APScheduler instance and the table of recurring jobs; the database stays the source of truth for work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from models.core import clock
from scheduler import housekeeping, nightly_analytics, nightly_expiry, nightly_tiers
from scheduler.context import JobContext

Job = Callable[[JobContext], Awaitable[object]]


@dataclass(frozen=True)
class DailyJob:
    id: str
    at: time
    run: Job


# Every recurring job, in one table; features add theirs here.
DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("forget-old-updates", time(4, 30), housekeeping.forget_old_updates),
    DailyJob("expire-points", time(0, 10), nightly_expiry.expire_points),
    DailyJob("analytics", time(3, 30), nightly_analytics.nightly_analytics),
    DailyJob("tiers", time(3, 0), nightly_tiers.review),  # members move down a tier only here, after the grace
)


@dataclass(frozen=True)
class IntervalJob:
    id: str
    seconds: float
    run: Job


CHECKPOINT_SECONDS = 1
INTERVAL_JOBS: tuple[IntervalJob, ...] = (
    IntervalJob("checkpoint", CHECKPOINT_SECONDS, housekeeping.checkpoint),
    # How soon a programme version saved in one process is in force in the others.
    IntervalJob("refresh-programme", 2, housekeeping.refresh_programme),
)


def build_scheduler(context: JobContext, jobs: tuple[DailyJob, ...] = DAILY_JOBS) -> AsyncIOScheduler:
    zone = clock.zone(context.programme)
    scheduler = AsyncIOScheduler(timezone=zone)
    for job in jobs:
        scheduler.add_job(
            job.run,
            CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=zone),
            id=job.id,
            args=[context],
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=3600,
            max_instances=1,
        )
    for every in INTERVAL_JOBS:
        scheduler.add_job(
            every.run,
            IntervalTrigger(seconds=every.seconds),
            id=every.id,
            args=[context],
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
    return scheduler
