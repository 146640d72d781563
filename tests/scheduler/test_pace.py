"""The campaign pace: at most the rate in any one-second window, whether one process keeps it or several share it
through Redis, and a 429 seen by one pauses them all."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from scheduler.ratelimit import LocalPace, Pace
from scheduler.shared_pace import SharedPace
from tests.support.audiences import busiest_second

PROCESSES = 3
RATE = 200
# Grants are stamped here when the answer arrives, after a trip that a busy machine may delay by more than the
# pace's margin: a second measured here may hold a few more than the pace let through in any second.
MEASURED = RATE * 1.05


@pytest.fixture
async def shared(redis_url: str) -> AsyncIterator[list[Pace]]:
    """Three paces on one Redis key, as three processes of one bot hold them, each with its own connection."""
    prefix = f"test:{uuid.uuid4().hex}"
    clients = [Redis.from_url(redis_url) for _ in range(PROCESSES)]
    yield [SharedPace(RATE, client, prefix=prefix) for client in clients]
    for client in clients:
        await client.aclose()


async def send_for(paces: list[Pace], seconds: float, wanted: int) -> list[float]:
    """Each pace's caller takes sends as fast as it is allowed for `seconds`; the moments the sends were granted."""
    granted: list[float] = []
    deadline = time.monotonic() + seconds

    async def caller(pace: Pace) -> None:
        while time.monotonic() < deadline:
            count = await pace.acquire(wanted)
            granted.extend([time.monotonic()] * count)

    await asyncio.gather(*(caller(pace) for pace in paces))
    return granted


class TestOneProcess:
    @given(
        rate=st.integers(1, 2_000),
        requests=st.lists(st.tuples(st.floats(0, 0.05), st.integers(1, 50)), min_size=1, max_size=300),
    )
    def test_no_second_ever_holds_more_than_the_rate(self, rate: int, requests: list[tuple[float, int]]) -> None:
        now = 0.0
        pace = LocalPace(rate, clock=lambda: now)
        granted: list[float] = []
        for gap, wanted in requests:
            now += gap
            granted.extend([now] * pace.try_acquire(wanted))
        assert busiest_second(granted) <= rate

    async def test_a_busy_caller_keeps_close_to_the_rate(self) -> None:
        granted = await send_for([LocalPace(RATE)], 2.0, wanted=8)
        assert busiest_second(granted) <= RATE  # stamped by the very clock the pace reads
        assert len(granted) >= 0.8 * RATE * 2

    async def test_a_pause_holds_every_caller(self) -> None:
        pace = LocalPace(1_000)
        await pace.pause(0.5)
        began = time.monotonic()
        await asyncio.gather(pace.acquire(), pace.acquire())
        assert time.monotonic() - began >= 0.5


class TestSharedThroughRedis:
    async def test_three_processes_together_never_exceed_the_rate(self, shared: list[Pace]) -> None:
        granted = await send_for(shared, 3.0, wanted=8)
        assert busiest_second(granted) <= MEASURED
        # Together they still get (nearly) the whole rate, not a third each.
        assert len(granted) >= 0.8 * RATE * 3

    async def test_one_at_a_time_they_share_it_too(self, shared: list[Pace]) -> None:
        granted = await send_for(shared, 2.0, wanted=1)
        assert busiest_second(granted) <= MEASURED
        # More than a third each: a round trip per send limits them on a busy machine, not the pace.
        assert len(granted) >= 0.5 * RATE * 2

    async def test_a_429_seen_by_one_process_pauses_all_of_them(self, shared: list[Pace]) -> None:
        first, *others = shared
        await first.pause(1.0)
        began = time.monotonic()
        assert all(left > 0.9 for left in await asyncio.gather(*(pace.paused_for() for pace in others)))
        await asyncio.gather(*(pace.acquire() for pace in others))
        assert time.monotonic() - began >= 0.95
        # After the pause, no burst: the sends resume at the pace (each caller's last request may end past 0.5 s).
        granted = await send_for(shared, 0.5, wanted=8)
        assert len(granted) <= 0.5 * RATE + PROCESSES * 8

    async def test_a_shorter_pause_never_shortens_a_longer_one(self, shared: list[Pace]) -> None:
        await shared[0].pause(2.0)
        await shared[1].pause(0.1)
        assert await shared[2].paused_for() > 1.8

    async def test_separate_bots_keep_separate_paces(self, redis_url: str) -> None:
        client = Redis.from_url(redis_url)
        one = SharedPace(10, client, prefix=f"test:{uuid.uuid4().hex}")
        other = SharedPace(10, client, prefix=f"test:{uuid.uuid4().hex}")
        try:
            await one.pause(5)
            assert await other.paused_for() == 0
        finally:
            await client.aclose()
