"""Several bot processes behind nginx on one PostgreSQL and one Redis: what one process promised still holds.

Three real `python -m bot` processes (tests/support/cluster.py) serve every test of this module (starting them is
most of the cost); the fake Bot API plays Telegram, posting every update to nginx until a process accepts it.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core import clock
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker
from models.core.job_runs import JobRun
from models.core.programme import Programme
from models.core.uow import transaction
from models.members.numbers import shown
from models.members.registry import Member
from models.points.purchases import Purchase
from scheduler.runner import DAILY_JOBS
from tests.support.app import OWNER
from tests.support.cluster import Cluster, running_cluster
from tests.support.databases import DatabaseTemplate, database_copy
from tests.support.members import enrol_member

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="several processes share one database, so the topology needs PostgreSQL (set TEST_DATABASE_URL)",
    ),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.timeout(600),
]

SALES = 60
WELCOME = 100  # the sample programme's welcome bonus
POINTS_PER_SALE = 5  # 5 points per 100 at the bronze tier, which 60 sales of 100 stay in
HELP = "Here is what I can do"
T = TypeVar("T")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram_of_cluster() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster_database(
    db_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    async with database_copy(db_template, tmp_path_factory.mktemp("cluster-db")) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    telegram_of_cluster: FakeTelegram,
    cluster_database: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Cluster]:
    workdir = tmp_path_factory.mktemp("cluster")
    async with running_cluster(telegram_of_cluster, cluster_database, redis_url, workdir) as cluster:
        yield cluster


async def in_database(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in one transaction of a connection of the test's own."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def enrolled(database_url: str, programme: Programme, user: FakeUser) -> int:
    """A member who joined earlier (straight in the database: how they joined is not what is tested here)."""

    async def joined(session: AsyncSession) -> int:
        return await enrol_member(session, programme, user.id, first_name=user.first_name, now=utcnow())

    return await in_database(database_url, joined)


async def balance_and_purchases(database_url: str, member: int) -> tuple[int, int]:
    async def look(session: AsyncSession) -> tuple[int, int]:
        balance = await session.scalar(select(Member.balance).where(Member.id == member))
        purchases = await session.scalar(select(func.count()).select_from(Purchase).where(Purchase.member_id == member))
        return int(balance or 0), int(purchases or 0)

    return await in_database(database_url, look)


def texts_to(telegram: FakeTelegram, user: FakeUser, after: int = 0) -> list[str]:
    return [sent.text or "" for sent in telegram.sent[after:] if sent.chat_id == user.id]


class TestThreeProcesses:
    async def test_sales_sent_through_all_three_at_once_end_with_the_exact_balance(
        self, cluster: Cluster, telegram_of_cluster: FakeTelegram, cluster_database: str, programme: Programme
    ) -> None:
        telegram = telegram_of_cluster
        member = await enrolled(cluster_database, programme, FakeUser(id=5001, first_name="Anna"))
        mark = len(telegram.sent)
        for _ in range(SALES):
            telegram.push_text(OWNER, f"/sale {shown(member)} 100")
        await cluster.settle()
        answers = texts_to(telegram, OWNER, mark)
        assert sum("recorded" in text for text in answers) == SALES, answers
        assert await balance_and_purchases(cluster_database, member) == (WELCOME + SALES * POINTS_PER_SALE, SALES)
        metrics = [await cluster.metrics(bot.index) for bot in cluster.processes]
        assert sum("loyalty_updates_total{" in text for text in metrics) > 1, "nginx sent every update to one process"

    async def test_an_update_delivered_again_to_another_process_changes_nothing(
        self, cluster: Cluster, telegram_of_cluster: FakeTelegram, cluster_database: str, programme: Programme
    ) -> None:
        telegram = telegram_of_cluster
        member = await enrolled(cluster_database, programme, FakeUser(id=5002, first_name="Boris"))
        update_id = telegram.push_text(OWNER, f"/sale {shown(member)} 100")
        await cluster.settle()
        before = await balance_and_purchases(cluster_database, member)
        mark = len(telegram.sent)
        statuses = await asyncio.gather(
            *(cluster.post(cluster.accepted[update_id], index) for index in range(cluster.size))
        )
        await cluster.settle()
        assert statuses == [200] * cluster.size
        assert await balance_and_purchases(cluster_database, member) == before == (WELCOME + POINTS_PER_SALE, 1)
        assert telegram.sent[mark:] == []

    async def test_a_rolling_restart_while_ten_users_chat_loses_no_update_and_answers_each_once(
        self, cluster: Cluster, telegram_of_cluster: FakeTelegram
    ) -> None:
        telegram = telegram_of_cluster
        users = [FakeUser(id=6000 + n, first_name=f"User{n}") for n in range(10)]
        mark = len(telegram.sent)
        sent = dict.fromkeys((user.id for user in users), 0)
        restarting = True

        async def chat(user: FakeUser) -> None:
            while restarting:
                telegram.push_text(user, "/help")
                sent[user.id] += 1
                await asyncio.sleep(1.5)

        chatting = [asyncio.create_task(chat(user)) for user in users]
        try:
            for index in range(cluster.size):
                assert await cluster.terminate(index) == 0  # a clean stop, whatever it was doing
                await cluster.start_process(index)
        finally:
            restarting = False
            await asyncio.gather(*chatting)
        await cluster.settle()
        for user in users:
            answers = texts_to(telegram, user, mark)
            assert len(answers) == sent[user.id], f"{user.first_name}: sent {sent[user.id]}, answered {len(answers)}"
            assert all(HELP in text for text in answers), answers
        assert sum(sent.values()) >= 30

    async def test_nightly_jobs_run_once_and_once_again_after_the_leader_is_killed_and_replaced(
        self, cluster: Cluster, cluster_database: str, programme: Programme
    ) -> None:
        def due_now() -> dict[str, date]:
            return {job.id: job.due_day(clock.local(programme, utcnow())) for job in DAILY_JOBS}

        due = due_now()

        async def seed(session: AsyncSession) -> None:  # as if each job last ran the day before it was due
            for job, day in due.items():
                session.add(JobRun(job=job, day=day - timedelta(days=1), started_at=utcnow()))

        async def shift(session: AsyncSession) -> None:  # as if a day went by since
            await session.execute(update(JobRun).values(day=JobRun.day - 1))

        async def ran_for_due_day() -> bool:  # each job for its own due day: between their times, they differ
            async def look(session: AsyncSession) -> int:
                rows = await session.execute(select(JobRun.job, JobRun.day))
                return len({job for job, day in rows if due.get(job) == day})

            deadline = time.monotonic() + 60
            while await in_database(cluster_database, look) < len(due):
                assert time.monotonic() < deadline, "the missed nightly jobs were not run"
                await asyncio.sleep(0.5)
            return True

        def runs(index: int | None = None) -> dict[str, int]:
            logs = cluster.logs() if index is None else cluster.processes[index].output()
            return {job: len(re.findall(rf"daily job {job} runs for {day}\b", logs)) for job, day in due.items()}

        first = await cluster.leader()
        await in_database(cluster_database, seed)
        assert await ran_for_due_day()
        assert runs() == runs(first) == dict.fromkeys(due, 1)

        assert await cluster.kill(first) == -9
        killed_at = time.monotonic()
        await in_database(cluster_database, shift)
        second = await cluster.leader(timeout=30)
        assert second != first
        assert time.monotonic() - killed_at < 30
        assert await ran_for_due_day()
        await asyncio.sleep(3)  # another process's run, if any, would show by now
        assert runs(second) == dict.fromkeys(due, 1)
        assert runs() == dict.fromkeys(due, 2)
        await cluster.start_process(first)
        assert await cluster.leader() == second  # the old leader came back as a follower
        assert due_now() == due, (
            "a nightly job's time passed during the test, so it ran for a new day too; run it again"
        )
