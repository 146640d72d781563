"""Readiness and metrics of a bot process: /readyz follows the database, /metrics counts what happened.

The database is stopped in the middle, so this test runs on a PostgreSQL server of its own, never the suite's.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from bot.sandbox.telegram import FakeTelegram, FakeUser
from tests.support.cluster import Cluster, running_cluster
from tests.support.postgres import PrivatePostgres, private_postgres

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="the processes' shared database is PostgreSQL: the topology needs PostgreSQL (set TEST_DATABASE_URL)",
    ),
    pytest.mark.timeout(300),
]

ANNA = FakeUser(id=5001, first_name="Anna")


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
async def one_process(
    postgres: PrivatePostgres, telegram: FakeTelegram, redis_url: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    async with running_cluster(telegram, postgres.url, redis_url, tmp_path, size=1) as cluster:
        yield cluster


async def until(look: Callable[[], Awaitable[float]], expected: float, timeout: float = 30) -> float:  # noqa: ASYNC109
    """What `look` gives once it is `expected` (or whatever it gave last, after `timeout` seconds): polled, as a
    load balancer or Prometheus would."""
    deadline = time.monotonic() + timeout
    while (value := await look()) != expected and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    return value


def sample(metrics: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus's text format (0 when it is absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = rf"^{name}{{{wanted}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def _leader(cluster: Cluster) -> float:
    return sample(await cluster.metrics(0), "loyalty_leader")


async def test_readyz_follows_the_database_and_metrics_count_what_happened(
    one_process: Cluster, postgres: PrivatePostgres, telegram: FakeTelegram
) -> None:
    cluster = one_process
    assert await cluster.get(0, "/healthz") == 200
    assert await until(partial(cluster.get, 0, "/readyz"), 200) == 200
    for _ in range(5):
        telegram.push_text(ANNA, "/help")
    await cluster.settle()
    metrics = await cluster.metrics(0)
    assert sample(metrics, "loyalty_updates_total", outcome="handled", type="message") == 5
    assert sample(metrics, "loyalty_update_handling_seconds_count", type="message") == 5
    assert sample(metrics, "loyalty_leader") == 1
    assert sample(metrics, "loyalty_outbox_depth") == 0
    assert sample(metrics, "loyalty_delivery_queue_depth") == 0

    postgres.stop()
    assert await until(partial(cluster.get, 0, "/readyz"), 503) == 503
    assert await cluster.get(0, "/healthz") == 200  # alive: nothing to gain from restarting it
    assert await until(partial(_leader, cluster), 0) == 0  # it cannot know it still holds the leader's lock

    postgres.start()
    assert await until(partial(cluster.get, 0, "/readyz"), 200) == 200
    telegram.push_text(ANNA, "/help")
    await cluster.settle()
    metrics = await cluster.metrics(0)
    assert sample(metrics, "loyalty_updates_total", outcome="handled", type="message") == 6
    assert await until(partial(_leader, cluster), 1) == 1  # it took the lock again
