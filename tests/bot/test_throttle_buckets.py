"""The flood limit's buckets behave the same in one process's memory and in Redis (shared by every process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.throttle import Buckets, FloodLimit, MemoryBuckets, RedisBuckets

LIMIT = FloodLimit(burst=3, per_second=0.5, mute_seconds=2.0, notice_every=1.0)
TILL = FloodLimit(burst=6, per_second=20.0, mute_seconds=0.0, notice_every=0.0)


@pytest.fixture(params=["memory", "redis"])
async def buckets(request: pytest.FixtureRequest) -> AsyncIterator[Buckets]:
    if request.param == "memory":
        yield MemoryBuckets()
        return
    redis = Redis.from_url(request.getfixturevalue("redis_url"))
    await redis.flushdb()
    yield RedisBuckets(redis)
    await redis.aclose()


async def test_a_burst_is_taken_then_the_flood_is_muted_with_one_notice(buckets: Buckets) -> None:
    verdicts = [await buckets.take(1, LIMIT) for _ in range(6)]
    assert [verdict.taken for verdict in verdicts] == [True, True, True, False, False, False]
    assert [verdict.notice for verdict in verdicts[3:]] == [True, False, False]
    assert 1.5 < verdicts[3].wait <= 2.0  # the mute
    await asyncio.sleep(2.1)  # muted, then a token came back at half a token a second
    assert (await buckets.take(1, LIMIT)).taken


async def test_a_refusal_that_is_not_final_changes_nothing(buckets: Buckets) -> None:
    for _ in range(3):
        await buckets.take(2, LIMIT)
    assert not (await buckets.take(2, LIMIT, final=False)).taken
    verdict = await buckets.take(2, TILL, bonus=TILL.burst - LIMIT.burst)  # found to be staff: the till's room
    assert verdict.taken  # not muted by the first refusal


async def test_users_have_buckets_of_their_own(buckets: Buckets) -> None:
    for _ in range(4):
        await buckets.take(3, LIMIT)
    assert (await buckets.take(4, LIMIT)).taken
