"""The campaign pace: at most the rate arriving at Telegram in any one-second window, whether one process keeps it
or several share it through Redis, however long messages take on the way; and a 429 seen by one pauses them all."""

from __future__ import annotations

import asyncio
import heapq
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from scheduler.ratelimit import LocalPace, Pace
from scheduler.sending import REQUEST_TIMEOUT
from scheduler.shared_pace import IN_FLIGHT_LEASE, REPORT_EVERY, SharedPace
from tests.support.audiences import busiest_second

PROCESSES = 3
RATE = 200


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """One Redis connection per process."""
    clients = [Redis.from_url(redis_url) for _ in range(PROCESSES)]
    yield clients
    for client in clients:
        await client.aclose()


@pytest.fixture
def shared(clients: list[Redis], prefix: str) -> list[Pace]:
    """Three paces on one Redis key, as three processes of one bot hold them."""
    return [SharedPace(RATE, client, prefix=prefix) for client in clients]


async def send_for(paces: list[Pace], seconds: float, wanted: int) -> list[float]:
    """Each pace's caller sends as fast as it is allowed for `seconds`, each message arriving and answered at once;
    when they arrived (a moment between the grant and the answer)."""
    arrived: list[float] = []
    deadline = time.monotonic() + seconds

    async def caller(pace: Pace) -> None:
        while time.monotonic() < deadline:
            for _ in range(await pace.acquire(wanted)):
                arrived.append(time.monotonic())
                pace.answered()

    await asyncio.gather(*(caller(pace) for pace in paces))
    return arrived


class Clock:
    """A clock that the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def take_all(self, pace: LocalPace, count: int, answer_after: float | None = None) -> None:
        """Take `count` sends as soon as each is due, 10 ms apart, answering each `answer_after` its grant."""
        taken = 0
        while taken < count:
            granted = pace.try_acquire(count - taken)
            taken += granted
            if answer_after is not None:
                self.now += answer_after
                for _ in range(granted):
                    pace.answered()
                self.now -= answer_after
            self.now += 0.01


def taken_at(reached: float, stalls: list[tuple[float, float]]) -> float:
    """When Telegram takes a message that reached it at `reached`: at once, or at the end of a stall it fell in."""
    for start, length in stalls:
        if start <= reached < start + length:
            return start + length
    return reached


class TestOneProcess:
    @given(
        rate=st.integers(1, 500),
        wanted=st.integers(1, 50),
        seconds=st.floats(0.5, 4),
        stalls=st.lists(st.tuples(st.floats(0, 4), st.floats(0, 2)), max_size=3),
        # Each message's time on the way, and the share of it spent before Telegram took the message.
        ways=st.lists(st.tuples(st.floats(0, 0.1), st.floats(0, 1)), min_size=1),
    )
    def test_no_second_at_telegram_ever_holds_more_than_the_rate_whatever_stalls(
        self,
        rate: int,
        wanted: int,
        seconds: float,
        stalls: list[tuple[float, float]],
        ways: list[tuple[float, float]],
    ) -> None:
        """A busy caller asks every 10 ms; Telegram stalls now and then and takes what reached it meanwhile at once,
        at the stall's end."""
        now = 0.0
        pace = LocalPace(rate, clock=lambda: now)
        arrived: list[float] = []
        answers: list[float] = []  # when each send in flight is answered, the soonest first
        for step in range(int(seconds * 100)):
            moment = step / 100
            while answers and answers[0] <= moment:
                now = heapq.heappop(answers)
                pace.answered()
            now = moment
            for _ in range(pace.try_acquire(wanted)):
                lag, there = ways[len(arrived) % len(ways)]
                arrived.append(taken_at(now + lag * there, stalls))
                heapq.heappush(answers, arrived[-1] + lag * (1 - there))
        assert busiest_second(arrived) <= rate

    def test_a_send_held_up_on_the_way_keeps_its_place_until_a_window_after_its_answer(self) -> None:
        clock = Clock()
        pace = LocalPace(10, clock=clock)
        clock.take_all(pace, 10)
        clock.now = 2.0  # the grants are old, but the messages may all arrive now: nothing more may start
        assert not pace.try_acquire()
        clock.now = 2.1
        for _ in range(10):
            pace.answered()
        clock.now = 3.0  # they may have arrived just before their answers
        assert not pace.try_acquire()
        clock.now = 3.2
        assert pace.try_acquire()

    def test_an_answered_send_counts_until_a_window_after_its_answer(self) -> None:
        clock = Clock()
        pace = LocalPace(10, clock=clock)
        clock.take_all(pace, 10, answer_after=0.02)  # the first granted at 0 and answered at 0.02
        clock.now = 1.01  # a window after its grant, but it may have arrived at 0.02
        assert not pace.try_acquire()
        clock.now = 1.03
        assert pace.try_acquire()

    async def test_a_busy_caller_keeps_close_to_the_rate(self) -> None:
        arrived = await send_for([LocalPace(RATE)], 2.0, wanted=8)
        assert busiest_second(arrived) <= RATE
        assert len(arrived) >= 0.8 * RATE * 2

    async def test_a_pause_holds_every_caller(self) -> None:
        pace = LocalPace(1_000)
        await pace.pause(0.5)
        began = time.monotonic()
        await asyncio.gather(pace.acquire(), pace.acquire())
        assert time.monotonic() - began >= 0.5


class TestSharedThroughRedis:
    async def test_three_processes_together_never_exceed_the_rate(self, shared: list[Pace]) -> None:
        arrived = await send_for(shared, 3.0, wanted=8)
        # Exact: a message is stamped here after Redis granted it and before its answer is reported.
        assert busiest_second(arrived) <= RATE
        # Together they still get (nearly) the whole rate, not a third each.
        assert len(arrived) >= 0.8 * RATE * 3

    async def test_one_at_a_time_they_share_it_too(self, shared: list[Pace]) -> None:
        arrived = await send_for(shared, 2.0, wanted=1)
        assert busiest_second(arrived) <= RATE
        # More than a third each: a round trip per send limits them on a busy machine, not the pace.
        assert len(arrived) >= 0.5 * RATE * 2

    async def test_sends_one_process_has_on_the_way_hold_the_others_back(self, shared: list[Pace]) -> None:
        stalled, *others = shared
        held = 0
        while held < RATE // 2:
            held += await stalled.acquire(RATE // 2 - held)
        sending = asyncio.create_task(send_for(others, 2.5, wanted=8))
        await asyncio.sleep(1.5)
        # Telegram, stalled, takes the held messages all at once, about two seconds after their grants.
        at_once = time.monotonic()
        for _ in range(held):
            stalled.answered()
        await stalled.flush()
        sent_by_others = await sending
        assert busiest_second([*sent_by_others, *[at_once] * held]) <= RATE
        assert len(sent_by_others) >= 0.8 * RATE / 2 * 2.5  # they still had the rest of the rate

    async def test_a_dead_process_sends_stop_counting_when_their_lease_ends(
        self, clients: list[Redis], prefix: str
    ) -> None:
        dead, alive = (SharedPace(RATE, client, prefix=prefix, lease=2.0) for client in clients[:2])
        taken = 0
        while taken < RATE:  # a second's worth, never answered: the process died with its messages on the way
            taken += await dead.acquire(RATE)
        began = time.monotonic()
        await alive.acquire()
        # The first of them would have left the window about now; unanswered, it counts until its lease ends, two
        # seconds after its grant, and no longer.
        assert 0.7 <= time.monotonic() - began <= 1.6
        assert IN_FLIGHT_LEASE > REQUEST_TIMEOUT + REPORT_EVERY  # a live process answers every send before that

    async def test_a_429_seen_by_one_process_pauses_all_of_them(self, shared: list[Pace]) -> None:
        first, *others = shared
        await first.pause(1.0)
        began = time.monotonic()
        assert all(left > 0.9 for left in await asyncio.gather(*(pace.paused_for() for pace in others)))
        await asyncio.gather(*(pace.acquire() for pace in others))
        assert time.monotonic() - began >= 0.95
        # After the pause, no burst: the sends resume at the pace (each caller's last request may end past 0.5 s).
        arrived = await send_for(shared, 0.5, wanted=8)
        assert len(arrived) <= 0.5 * RATE + PROCESSES * 8

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
