"""The whole bot's campaign sending pace: one limit shared by every campaign, manual or automated, and by every
process when several serve one bot (see `scheduler.shared_pace`).

Two rules together decide each grant. Sends are due `interval` apart on a theoretical arrival time (TAT) that each
grant pushes forward (GCRA, the generic cell rate algorithm), with a catch-up allowance so that a caller woken late
(a busy machine) takes the slots it missed instead of losing them; after a longer idle spell the schedule starts
afresh, without a burst. And no window of `window` seconds ever counts more than `per_window` sends, whatever the
catch-up. A caller asks for up to n sends at once and is granted as many as are due now, so a busy process pays one
decision (one Redis round trip) for several.

What the window must hold is Telegram's count: messages by the moment they *arrive*, in any one second. The pace
knows two moments of each send, its grant and its answer, and the message arrives somewhere between them, however
long a stalled process, network or server kept it on the way. So each send counts, as a ticket, from its grant
until a window after the last moment it may have arrived, its answer: while it is unanswered it counts however old
(an old one, granted more than a window ago, is "overdue"); once answered it counts until a window after the answer.

Why that holds Telegram's second: take any second [t, t + 1) at Telegram and the last grant g of a message that
arrived in it (g < t + 1, since a message arrives after its grant). At that decision every other message of the
second was counted: one still unanswered, from its grant on; one answered, by its answer, which came after its
arrival, so at or after t, which is later than g - 1. The decision granted only what `per_window` left room for, so
the second holds at most `per_window` = the rate, whatever stalled where, with no clock but the pace's own (grants
and answers are stamped by the store that decides, so processes need not agree on the time). The window is a little
longer than a second (WINDOW_MARGIN) for clocks that tick at slightly different rates and for rounding.

Callers do not say which send was answered, only that one of theirs was: the pace takes it for the process's oldest
unanswered ticket. That changes no count: every unanswered ticket counts whatever its grant, so which ones stay
unanswered does not matter, and the answered ones are stamped with the moments of the answers either way.

The price is the time on the way: a send holds its place for a window plus the delay from its grant to its answer,
so the pace sustains `per_window / (window + mean delay)`: 99% of the rate with answers in 10 ms, 95% with answers
in 50 ms. Grants are spaced SPACING wider than the rate, so that with quick answers the pace keeps an even step
instead of filling the window and then waiting for it. A stall at Telegram holds new grants back until what is in
flight is answered, rather than letting it arrive on top of a full second.

The other way, a cap on sends in flight across all processes beside a log of grants, bounds a second at Telegram by
a window's grants plus the cap, so the grants would have to stay a whole cap below the rate, always, while the cap
must itself be a few dozen sends to keep the rate (the rate times the time on the way).
"""

from __future__ import annotations

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_MARGIN = 0.002  # seconds the window is longer than Telegram's second: clocks' rates and rounding
SPACING = 0.01  # grants are due (1 + SPACING) / rate apart, leaving room for the sends' time on the way
CATCH_UP = 0.1  # seconds of missed slots a late caller may still take (the window rule bounds the burst)
MOST_AT_ONCE = 1_000  # sends granted in one decision, at most
ANSWER_POLL = 0.05  # seconds between looks while only answers to sends in flight can make room


@dataclass(frozen=True)
class Grant:
    """The answer to a request for sends: how many may start now (numbered from `first`), else how long until one
    may."""

    granted: int
    wait: float = 0.0
    first: int = 0

    @property
    def tickets(self) -> range:
        """The granted sends' numbers."""
        return range(self.first, self.first + self.granted)


class Pace(ABC):
    """At most `rate` campaign sends arriving at Telegram in any one-second window, and a pause for everyone after
    a 429.

    Each granted send is a ticket that counts until the process says with `answered` that Telegram's answer (or an
    error) came for one of its sends. Callers in one process take turns (in arrival order, so concurrent campaigns
    share the rate fairly); where the limit is shared, the store decides between processes.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.window = 1 + WINDOW_MARGIN
        self.per_window = max(1, math.floor(rate))
        self.interval = (1 + SPACING) / rate
        self._turn = asyncio.Lock()

    @abstractmethod
    async def _take(self, wanted: int) -> Grant:
        """Decide once: grant up to `wanted` sends now, or say how long to wait (the pause included)."""

    @abstractmethod
    def answered(self) -> None:
        """One of this process's granted sends was answered (or failed): its message can no longer arrive later than
        now. Call it once per grant, when the request ends, whatever its outcome."""

    @abstractmethod
    async def flush(self) -> None:
        """Pass on the answers not yet passed on (a shared pace reports them in batches)."""

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
        self._next_ticket = 1
        # Each counted ticket with the moment it counts from (its grant, then its answer). Every entry is stamped
        # with the clock at the time it is written, so the dict's order is also the order of the stamps.
        self._counted: dict[int, float] = {}
        self._unanswered: dict[int, None] = {}  # in the order of their grants
        self._overdue: set[int] = set()  # unanswered a window after their grant: counted until answered

    def _forget_old(self, now: float) -> None:
        counted, horizon = self._counted, now - self.window
        while counted:
            ticket = next(iter(counted))
            if counted[ticket] > horizon:
                return
            del counted[ticket]
            if ticket in self._unanswered:
                self._overdue.add(ticket)

    def _decide(self, wanted: int) -> Grant:
        """The same decision as `scheduler.shared_pace`'s script, in memory."""
        now = self._clock()
        if self._paused_until > now:
            return Grant(0, self._paused_until - now)
        self._forget_old(now)
        tat = self._tat if self._tat >= now - CATCH_UP else now  # idle for longer: start afresh, no burst
        due = math.floor((now - tat) / self.interval) + 1
        room = self.per_window - len(self._counted) - len(self._overdue)
        if room < 1:
            oldest = next(iter(self._counted.values()), None)
            wait = ANSWER_POLL  # only an answer to a send in flight can make room
            if oldest is not None and (not self._overdue or oldest + self.window - now < wait):
                wait = oldest + self.window - now
            return Grant(0, max(wait, tat - now))
        if due < 1:
            return Grant(0, tat - now)
        granted = min(due, wanted, room)
        self._tat = tat + granted * self.interval
        grant = Grant(granted, first=self._next_ticket)
        self._next_ticket += granted
        self._counted.update(dict.fromkeys(grant.tickets, now))
        self._unanswered.update(dict.fromkeys(grant.tickets))
        return grant

    def answered(self) -> None:
        if not self._unanswered:
            return
        ticket = next(iter(self._unanswered))
        del self._unanswered[ticket]
        self._overdue.discard(ticket)
        self._counted.pop(ticket, None)  # written again, so that it moves to the end with its new stamp
        self._counted[ticket] = self._clock()

    async def flush(self) -> None:
        """Nothing to pass on: answers count here at once."""

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
