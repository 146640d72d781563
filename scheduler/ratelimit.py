"""The whole bot's campaign sending pace: one limit shared by every campaign, manual or automated, and by every
process when several serve one bot (see `scheduler.shared_pace`).

Two rules together decide each grant. Sends are due `interval` apart on a theoretical arrival time (TAT) that each
grant pushes forward (GCRA, the generic cell rate algorithm), with a catch-up allowance so that a caller woken late
(a busy machine) takes the slots it missed instead of losing them; after a longer idle spell the schedule starts
afresh, without a burst. And no window of `window` seconds ever holds
more than `per_window` grants (a log of recent grants), whatever the catch-up. A caller asks for up to n sends at
once and is granted as many as are due now, so a busy process pays one decision (one Redis round trip) for several.

Telegram counts messages per second on its side, after the network, so each second is counted as `1 + MARGIN`
here: as long as delays on the way vary by less than MARGIN, no second at Telegram's end holds more than the rate.
The achieved rate is at most 1 / (1 + MARGIN) of the setting.
"""

from __future__ import annotations

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

MARGIN = 0.03  # the share of each second left unused, so that delays on the way never fit rate + 1 into a second
CATCH_UP = 0.1  # seconds of missed slots a late caller may still take (the window rule bounds the burst)
MOST_AT_ONCE = 1_000  # sends granted in one decision, at most


@dataclass(frozen=True)
class Grant:
    """The answer to a request for sends: how many may start now, else how long until one may."""

    granted: int
    wait: float = 0.0


class Pace(ABC):
    """At most `rate` campaign sends in any one-second window, and a pause for everyone after a 429.

    Callers in one process take turns (in arrival order, so concurrent campaigns share the rate fairly); where the
    limit is shared, the store decides between processes.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.window = 1 + MARGIN
        self.per_window = max(1, math.floor(rate))
        self.interval = self.window / rate
        self._turn = asyncio.Lock()

    @abstractmethod
    async def _take(self, wanted: int) -> Grant:
        """Decide once: grant up to `wanted` sends now, or say how long to wait (the pause included)."""

    @abstractmethod
    async def paused_for(self) -> float:
        """Seconds left of a pause Telegram asked for; 0 if none."""

    @abstractmethod
    async def pause(self, seconds: float) -> None:
        """Telegram asked everyone to wait (429 retry_after): no send starts before then, in any process."""

    async def acquire(self, wanted: int = 1) -> int:
        """Wait until at least one send may start; how many may start now (1 to `wanted`). Use them at once: a
        grant is for now, not for later."""
        async with self._turn:
            while True:
                grant = await self._take(min(max(1, wanted), MOST_AT_ONCE))
                if grant.granted:
                    return grant.granted
                await asyncio.sleep(grant.wait)

    def try_acquire(self, wanted: int = 1) -> int:
        """Sends that may start now without waiting or asking anyone (0 if a decision is needed); the local pace
        answers at once, a shared one always needs its store."""
        return 0

    async def wait_unpaused(self) -> None:
        # Looked at again after each sleep: another 429 may have extended the pause meanwhile.
        while (left := await self.paused_for()) > 0:  # noqa: ASYNC110 - the pause may live in another process
            await asyncio.sleep(left)


class LocalPace(Pace):
    """The pace kept in this process's memory: for one process, or SQLite."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(rate)
        self._clock = clock
        self._tat = 0.0
        self._paused_until = 0.0
        self._log: deque[float] = deque()  # when each send of the last window was granted

    def _decide(self, wanted: int) -> Grant:
        """The same decision as `scheduler.shared_pace`'s script, in memory."""
        now = self._clock()
        if self._paused_until > now:
            return Grant(0, self._paused_until - now)
        log = self._log
        while log and log[0] <= now - self.window:
            log.popleft()
        tat = self._tat if self._tat >= now - CATCH_UP else now  # idle for longer: start afresh, no burst
        due = math.floor((now - tat) / self.interval) + 1
        room = self.per_window - len(log)
        if room < 1:
            return Grant(0, max(log[0] + self.window - now, tat - now))
        if due < 1:
            return Grant(0, tat - now)
        granted = min(due, wanted, room)
        self._tat = tat + granted * self.interval
        log.extend([now] * granted)
        return Grant(granted)

    async def _take(self, wanted: int) -> Grant:
        return self._decide(wanted)

    def try_acquire(self, wanted: int = 1) -> int:
        if self._turn.locked():
            return 0  # someone is waiting: they go first
        return self._decide(min(max(1, wanted), MOST_AT_ONCE)).granted

    async def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def pause(self, seconds: float) -> None:
        until = self._clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._tat = max(self._tat, until)  # nothing to catch up once the pause is over
