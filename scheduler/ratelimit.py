"""The whole bot's campaign sending pace: one limiter shared by every campaign, manual or automated."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

# Telegram measures the rate on its side, after the network: each second is counted as slightly longer here, so
# that a message delayed on its way cannot make two seconds' worth of messages land in one.
WINDOW_MARGIN = 0.04


class TokenBucket:
    """At most `rate` sends in any one-second window, evenly spaced, and a pause for everyone after a 429.

    Two checks together: sends are spaced `1/rate` apart (a late wake-up is made up by the next gap, so the
    average rate is kept), and no window of one second (plus a margin) ever holds more than `rate` of them.
    Waiters are served in arrival order, so concurrent campaigns share the rate fairly.
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.window = 1.0 + WINDOW_MARGIN
        self.per_window = max(1, math.floor(rate))
        self.interval = self.window / rate
        self._clock = clock
        self._next = 0.0
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _ready_at(self, now: float) -> float:
        starts = self._starts
        while starts and starts[0] <= now - self.window:
            starts.popleft()
        ready = max(self._paused_until, self._next)
        if len(starts) >= self.per_window:
            ready = max(ready, starts[0] + self.window)
        return ready

    def try_acquire(self) -> bool:
        """Take the right to send one message now if nobody waits and it is free, without waiting."""
        if self._lock.locked():
            return False
        now = self._clock()
        if self._ready_at(now) > now:
            return False
        self._take(now)
        return True

    async def acquire(self) -> None:
        """Wait for the right to send one message now."""
        async with self._lock:
            while True:
                now = self._clock()
                ready = self._ready_at(now)
                if ready <= now:
                    break
                # Sleep and look again: a 429 may have extended the pause meanwhile.
                await asyncio.sleep(ready - now)
            self._take(now)

    def _take(self, now: float) -> None:
        self._starts.append(now)
        # On schedule (a late wake-up included), the next slot keeps the schedule; after an idle spell or a pause
        # the schedule starts again from now, so no burst follows.
        on_schedule = now - self._next < self.interval
        self._next = (self._next if on_schedule else now) + self.interval

    def pause(self, seconds: float) -> None:
        """Telegram asked everyone to wait (429 retry_after): no send starts before then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def wait_unpaused(self) -> None:
        while True:
            left = self._paused_until - self._clock()
            if left <= 0:
                return
            await asyncio.sleep(left)
