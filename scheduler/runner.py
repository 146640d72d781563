"""The APScheduler instance and the table of recurring jobs; the database stays the source of truth for work.

Only the leader (see `bot.leadership`) starts this scheduler. Each daily job claims its business day in
`models.core.job_runs` before it runs, so it runs once a day however many processes there are, and `catch_up`
(when a process is elected, and every CATCH_UP_SECONDS) runs, once, a job whose time passed while no process was
leading.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, ParamSpec, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from models.core import clock, job_runs
from models.core.base import utcnow
from models.core.uow import UnitOfWork, transaction
from scheduler import housekeeping, nightly_analytics, nightly_dashboard, nightly_expiry, nightly_tiers
from scheduler.context import JobContext

Job = Callable[[JobContext], Awaitable[object]]
log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass(frozen=True)
class DailyJob:
    id: str
    at: time
    run: Job

    def due_day(self, local_now: datetime) -> date:
        """The business day of this job's latest time at or before `local_now` (the business's wall clock)."""
        today = local_now.date()
        return today if local_now.time() >= self.at else today - timedelta(days=1)


# Every recurring job, in one table; features add theirs here.
DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("forget-old-updates", time(4, 30), housekeeping.forget_old_updates),
    DailyJob("expire-points", time(0, 10), nightly_expiry.expire_points),
    DailyJob("analytics", time(3, 30), nightly_analytics.nightly_analytics),
    DailyJob("tiers", time(3, 0), nightly_tiers.review),  # members move down a tier only here, after the grace
    DailyJob("dashboard", time(4, 0), nightly_dashboard.store_figures),  # after the analytics: their moves folded
)


@dataclass(frozen=True)
class IntervalJob:
    id: str
    seconds: float
    run: Job


CHECKPOINT_SECONDS = 1
STOP_SECONDS = 5.0  # longest wait, at shutdown, for the job runs in progress then
# Jobs every process runs (the others are the leader's).
INTERVAL_JOBS: tuple[IntervalJob, ...] = (
    IntervalJob("checkpoint", CHECKPOINT_SECONDS, housekeeping.checkpoint),
    # How soon a programme version saved in one process is in force in the others.
    IntervalJob("refresh-programme", 2, housekeeping.refresh_programme),
)

# How often the leader looks for a daily run that was missed (its time passed while no process led, or the clock
# jumped): three small reads.
CATCH_UP_SECONDS = 10


async def run_daily(job: DailyJob, context: JobContext, day: date | None = None) -> bool:
    """Run `job` for business day `day` (today by default) unless it already ran for it; whether it ran."""
    now = utcnow()
    day = day or clock.business_day(context.programme, now)
    async with transaction(context.sessionmaker) as session:
        claimed = await job_runs.claim(session, job.id, day, now)
    if not claimed:
        log.info("daily job %s already ran for %s", job.id, day)
        return False
    log.info("daily job %s runs for %s", job.id, day)
    await job.run(context)
    return True


async def catch_up(context: JobContext, jobs: tuple[DailyJob, ...] = DAILY_JOBS) -> None:
    """Run, once, each daily job whose time passed since its last run (while no process was leading). A job that
    never ran waits for its time: a new installation has nothing to catch up on."""
    local_now = clock.local(context.programme, utcnow())
    for job in jobs:
        async with UnitOfWork(context.sessionmaker) as unit:  # reading: no write lock taken on SQLite
            last = await job_runs.last_day(unit.session, job.id)
        due = job.due_day(local_now)
        if last is not None and last < due:
            try:
                await run_daily(job, context, due)
            except Exception:
                log.exception("daily job %s failed while catching up", job.id)


class Runs:
    """Job runs in progress, for a shutdown that lets them finish: APScheduler's own shutdown cancels them without
    waiting, and a run cancelled inside a transaction (the checkpoint, every second; a catch-up's reads) leaves its
    connection outside the pool, to be collected unclosed once the engine is disposed."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def tracked(self, run: Callable[_P, Awaitable[_T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
        """`run`, counted among the runs in progress while it runs (in the task that awaits it): for a scheduler."""

        @functools.wraps(run)
        async def counted(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            task = asyncio.current_task()
            assert task is not None  # APScheduler runs each job in a task of its own, as the app does a catch-up
            self._running.add(task)
            try:
                return await run(*args, **kwargs)
            finally:
                self._running.discard(task)

        return counted

    def start(self, run: Callable[_P, Coroutine[Any, Any, object]], *args: _P.args, **kwargs: _P.kwargs) -> None:
        """Run `run` in a task of its own, counted among the runs in progress from now."""
        task = asyncio.create_task(run(*args, **kwargs))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def finish(self, grace: float = STOP_SECONDS) -> None:
        """Let the runs in progress finish, for at most `grace` seconds; cancel those still running then (a daily job
        cut short runs again at the next catch-up) and wait for them to end."""
        if not self._running:
            return
        _, late = await asyncio.wait(set(self._running), timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


def build_scheduler(context: JobContext, runs: Runs, jobs: tuple[DailyJob, ...] = DAILY_JOBS) -> AsyncIOScheduler:
    """The leader's timetable: the daily jobs and the catch-up, each run counted in `runs`."""
    zone = clock.zone(context.programme)
    scheduler = AsyncIOScheduler(timezone=zone)
    for job in jobs:
        scheduler.add_job(
            runs.tracked(run_daily),
            CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=zone),
            id=job.id,
            args=[job, context],
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=3600,
            max_instances=1,
        )
    scheduler.add_job(
        runs.tracked(catch_up),
        IntervalTrigger(seconds=CATCH_UP_SECONDS),
        id="catch-up",
        args=[context, jobs],
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler


class ProcessJobs:
    """The jobs every process runs, leader or not (INTERVAL_JOBS); stopping lets the runs in progress finish (they
    take milliseconds, see `Runs`)."""

    def __init__(self, context: JobContext, jobs: tuple[IntervalJob, ...] = INTERVAL_JOBS) -> None:
        self.scheduler = AsyncIOScheduler(timezone=clock.zone(context.programme))
        self.runs = Runs()
        for every in jobs:
            self.scheduler.add_job(
                self.runs.tracked(every.run),
                IntervalTrigger(seconds=every.seconds),
                id=every.id,
                args=[context],
                replace_existing=True,
                coalesce=True,
                max_instances=1,
            )

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        await self.runs.finish()
        self.scheduler.shutdown(wait=False)
