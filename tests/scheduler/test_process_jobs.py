"""Job runs at shutdown: a shutdown lets the runs in progress finish, never leaving one cut off inside a transaction
(its connection would outlive the engine); a run that outlasts the grace is cancelled, and ends, before it returns."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from models.core.uow import transaction
from scheduler.context import JobContext
from scheduler.runner import IntervalJob, ProcessJobs, Runs
from tests.support.app import bot_settings, start_app, stop_app


class SlowRun:
    """A run that holds a transaction open for `seconds`: whether it started, finished, or was cut short."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started, self.finished, self.cut_short = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.runs = 0

    async def __call__(self, context: JobContext) -> None:
        self.runs += 1
        try:
            async with transaction(context.sessionmaker):
                self.started.set()
                await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cut_short.set()
            raise
        self.finished.set()


async def test_stopping_the_jobs_of_every_process_lets_the_runs_in_progress_finish(app: App) -> None:
    slow = SlowRun(0.3)
    jobs = ProcessJobs(app.jobs, (IntervalJob("slow", 0.05, slow),))
    jobs.start()
    await asyncio.wait_for(slow.started.wait(), 5)
    await jobs.stop()
    assert slow.finished.is_set()  # not cancelled halfway
    await asyncio.sleep(0.2)
    assert slow.runs == 1  # and none started after


async def test_the_apps_shutdown_lets_the_leaders_run_in_progress_finish(
    telegram: FakeTelegram, database_url: str
) -> None:
    app, polling = await start_app(bot_settings(telegram, database_url))
    slow = SlowRun(0.3)
    app.leader_runs.start(slow, app.jobs)  # as the app starts its catch-up when elected
    await asyncio.wait_for(slow.started.wait(), 5)
    await stop_app(app, polling)
    assert slow.finished.is_set()
    assert not slow.cut_short.is_set()


async def test_a_run_that_outlasts_the_grace_is_cut_short_and_has_ended(app: App) -> None:
    slow = SlowRun(30)
    runs = Runs()
    runs.start(slow, app.jobs)
    await asyncio.wait_for(slow.started.wait(), 5)
    await runs.finish(grace=0.1)
    assert slow.cut_short.is_set()
    assert not slow.finished.is_set()
