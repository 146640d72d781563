"""Several bot processes behind nginx on one PostgreSQL and one Redis: what one process promised still holds.

Each test starts real `python -m bot` processes (tests/support/cluster.py); the fake Bot API plays Telegram, posting
every update to nginx until a process accepts it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker
from models.core.programme import load_programme
from models.core.uow import transaction
from models.members.enrolment import enrol
from models.members.numbers import shown
from models.members.registry import Member
from models.till.purchases import Purchase
from tests.support.app import OWNER
from tests.support.cluster import Cluster, running_cluster
from tests.support.paths import SAMPLE_PROGRAMME

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="several processes share one database, so the topology needs PostgreSQL (set TEST_DATABASE_URL)",
)

ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")
SALES = 60
WELCOME = 100  # the sample programme's welcome bonus
POINTS_PER_SALE = 5  # 5 points per 100 at the bronze tier, which 60 sales of 100 stay in


@pytest.fixture
async def cluster(telegram: FakeTelegram, database_url: str, redis_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with running_cluster(telegram, database_url, redis_url, tmp_path) as cluster:
        yield cluster


async def enrolled(database_url: str, user: FakeUser) -> int:
    """A member who joined earlier (straight in the database: how they joined is not what is tested here)."""
    engine = create_engine(database_url)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            joined = await enrol(
                session,
                load_programme(SAMPLE_PROGRAMME),
                telegram_id=user.id,
                first_name=user.first_name,
                username=None,
                language="en",
                referral_code=None,
                now=utcnow(),
            )
            return joined.member.id
    finally:
        await engine.dispose()


async def balance_and_purchases(database_url: str, member: int) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            balance = await session.scalar(select(Member.balance).where(Member.id == member))
            purchases = (await session.scalars(select(Purchase.id).where(Purchase.member_id == member))).all()
            return int(balance or 0), len(purchases)
    finally:
        await engine.dispose()


class TestThreeProcesses:
    async def test_sales_sent_through_all_three_at_once_end_with_the_exact_balance(
        self, cluster: Cluster, telegram: FakeTelegram, database_url: str
    ) -> None:
        member = await enrolled(database_url, ANNA)
        mark = len(telegram.sent)
        for _ in range(SALES):
            telegram.push_text(OWNER, f"/sale {shown(member)} 100")
        await cluster.settle()
        answers = [sent for sent in telegram.sent[mark:] if sent.chat_id == OWNER.id]
        assert sum("recorded" in (sent.text or "") for sent in answers) == SALES, [s.text for s in answers]
        assert await balance_and_purchases(database_url, member) == (WELCOME + SALES * POINTS_PER_SALE, SALES)
        handled_by = [
            bot.index for bot in cluster.processes if "loyalty_updates_total{" in await cluster.metrics(bot.index)
        ]
        assert len(handled_by) > 1, "nginx sent every update to one process"

    async def test_an_update_delivered_again_to_another_process_changes_nothing(
        self, cluster: Cluster, telegram: FakeTelegram, database_url: str
    ) -> None:
        member = await enrolled(database_url, ANNA)
        update_id = telegram.push_text(OWNER, f"/sale {shown(member)} 100")
        await cluster.settle()
        before = await balance_and_purchases(database_url, member)
        mark = len(telegram.sent)
        statuses = await asyncio.gather(
            *(cluster.post(cluster.accepted[update_id], index) for index in range(cluster.size))
        )
        await cluster.settle()
        assert statuses == [200] * cluster.size
        assert await balance_and_purchases(database_url, member) == before == (WELCOME + POINTS_PER_SALE, 1)
        assert telegram.sent[mark:] == []
