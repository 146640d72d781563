"""The jobs every process runs: a shutdown lets the runs in progress finish, never leaving one cut off inside a
transaction (its connection would outlive the engine)."""

from __future__ import annotations

import asyncio

from bot.app import App
from models.core.uow import transaction
from scheduler.context import JobContext
from scheduler.runner import IntervalJob, ProcessJobs


async def test_stopping_lets_the_runs_in_progress_finish(app: App) -> None:
    started, finished = asyncio.Event(), asyncio.Event()
    runs = 0

    async def slow(context: JobContext) -> None:
        nonlocal runs
        runs += 1
        async with transaction(context.sessionmaker):
            started.set()
            await asyncio.sleep(0.3)
        finished.set()

    jobs = ProcessJobs(app.jobs, (IntervalJob("slow", 0.05, slow),))
    jobs.start()
    await asyncio.wait_for(started.wait(), 5)
    await jobs.stop()
    assert finished.is_set()  # not cancelled halfway
    await asyncio.sleep(0.2)
    assert runs == 1  # and none started after
