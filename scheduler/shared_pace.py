"""The pace shared by every process of the bot, kept in Redis: the same decision as `LocalPace`, made
atomically by a short Lua script on Redis's own clock (so the processes' clocks never need to agree), and a shared
"paused until" key that a 429 seen by any process sets for all.

Tickets (see `scheduler.ratelimit`) live in two sorted sets: the counted ones scored by the moment they count from
(their grant, then their answer), and the unanswered ones scored by their grant. Answers are reported in batches
every REPORT_EVERY seconds, each with how long ago it came in, so that Redis stamps it no earlier than it really came
(a late report only costs a send's place in the window until the report). A process that dies leaves its
unanswered tickets counted until IN_FLIGHT_LEASE has passed.

A library was considered (`limits` has a Redis GCRA) and not taken: it answers only yes or no, so a caller would
need a second round trip to learn how long to wait, it stamps requests with each client's clock, it grants a batch
all or nothing, and it has no pause nor sends in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from redis.asyncio import Redis

from scheduler.ratelimit import ANSWER_POLL, CATCH_UP, Grant, Pace

MICRO = 1_000_000
KEY_PREFIX = "loyalty:pace"
REPORT_EVERY = 0.1  # seconds between reports of answers, at most
# Seconds an unanswered send counts before it is taken for lost with its process: longer than a send may wait for
# its answer (scheduler.sending.REQUEST_TIMEOUT) plus a report.
IN_FLIGHT_LEASE = 40.0

log = logging.getLogger(__name__)

# Times are microseconds of Redis's clock, written with string.format (Lua would print them with 14 digits).
# KEYS: the TAT, paused-until, the counted tickets, the tickets' sequence, the unanswered tickets.
# ARGV: interval, catch-up, window, per window, sends wanted, the lease of an unanswered ticket, the answer poll.
# Returns {granted, wait, first ticket}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, math.ceil(paused - now), 0}
end
local interval, catch_up, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local per_window, wanted = tonumber(ARGV[4]), tonumber(ARGV[5])
local horizon = string.format('%.0f', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', horizon)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', string.format('%.0f', now - tonumber(ARGV[6])))
local overdue = redis.call('ZCOUNT', KEYS[5], '-inf', horizon)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now - catch_up then
  tat = now
end
local due = math.floor((now - tat) / interval) + 1
local room = per_window - redis.call('ZCARD', KEYS[3]) - overdue
if room < 1 then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
  local wait = tonumber(ARGV[7])
  if oldest and (overdue == 0 or tonumber(oldest) + window - now < wait) then
    wait = tonumber(oldest) + window - now
  end
  return {0, math.ceil(math.max(wait, tat - now)), 0}
end
if due < 1 then
  return {0, math.ceil(tat - now), 0}
end
local granted = math.min(due, wanted, room)
tat = tat + granted * interval
local ttl = math.ceil(window / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + ttl)
local last = redis.call('INCRBY', KEYS[4], granted)
local entries, stamp = {}, string.format('%.0f', now)
for number = last - granted + 1, last do
  entries[#entries + 1] = stamp
  entries[#entries + 1] = number
end
redis.call('ZADD', KEYS[3], unpack(entries))
redis.call('ZADD', KEYS[5], unpack(entries))
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], math.ceil(tonumber(ARGV[6]) / 1000) + ttl)
redis.call('PEXPIRE', KEYS[5], math.ceil(tonumber(ARGV[6]) / 1000) + ttl)
return {granted, 0, last - granted + 1}
"""

# KEYS: the counted tickets, the unanswered tickets. ARGV: window, then pairs of a ticket and how many microseconds
# ago its answer came. An answered ticket counts from its answer on (see scheduler.ratelimit).
_ANSWERED = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local window = tonumber(ARGV[1])
for index = 2, #ARGV, 2 do
  local ticket = ARGV[index]
  if redis.call('ZREM', KEYS[2], ticket) == 1 then
    local answered = now - tonumber(ARGV[index + 1])
    if answered > now - window then
      redis.call('ZADD', KEYS[1], string.format('%.0f', answered), ticket)
      redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
    end
  end
end
return 0
"""

# KEYS: the TAT, paused-until; ARGV: the pause, in microseconds. Pushes the TAT to the pause's end too, so that no
# process catches up with a burst when it ends.
_PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local ends = now + tonumber(ARGV[1])
local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
for _, key in ipairs(KEYS) do
  if ends > tonumber(redis.call('GET', key) or '0') then
    redis.call('SET', key, string.format('%.0f', ends), 'PX', ttl)
  end
end
return 0
"""

# KEYS: paused-until. Returns the microseconds left of the pause.
_PAUSED_FOR = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
return math.max(0, math.ceil(tonumber(redis.call('GET', KEYS[1]) or '0') - now))
"""


class SharedPace(Pace):
    """The pace of every process that points at the same Redis (and key prefix); the client is the caller's."""

    def __init__(self, rate: float, redis: Redis, *, prefix: str = KEY_PREFIX, lease: float = IN_FLIGHT_LEASE) -> None:
        super().__init__(rate)
        self.redis = redis
        self.lease = lease
        names = ("tat", "paused-until", "counted", "sequence", "unanswered")
        self._keys = [f"{prefix}:{name}" for name in names]
        self._take_script = redis.register_script(_TAKE)
        self._answered_script = redis.register_script(_ANSWERED)
        self._pause_script = redis.register_script(_PAUSE)
        self._paused_script = redis.register_script(_PAUSED_FOR)
        self._unanswered: deque[int] = deque()  # this process's tickets, in the order of their grants
        self._answers: list[tuple[int, float]] = []  # tickets answered and not yet reported, with when
        self._reporting: asyncio.Task[None] | None = None

    async def _take(self, wanted: int) -> Grant:
        arguments = [
            self.interval * MICRO,
            CATCH_UP * MICRO,
            self.window * MICRO,
            self.per_window,
            wanted,
            self.lease * MICRO,
            ANSWER_POLL * MICRO,
        ]
        granted, wait, first = await self._take_script(keys=self._keys, args=arguments)
        grant = Grant(int(granted), int(wait) / MICRO, int(first))
        self._unanswered.extend(grant.tickets)
        return grant

    def answered(self) -> None:
        if not self._unanswered:
            return
        self._answers.append((self._unanswered.popleft(), time.monotonic()))
        if self._reporting is None:
            self._reporting = asyncio.create_task(self._report_soon(), name="pace-answers")

    async def _report_soon(self) -> None:
        try:
            await asyncio.sleep(REPORT_EVERY)
            await self.flush()
        except Exception:  # counted until their lease ends: the pace only holds back more than it must
            log.exception("could not report %s answers to the shared pace", len(self._answers))
        finally:
            self._reporting = None

    async def flush(self) -> None:
        answers, self._answers = self._answers, []
        if not answers:
            return
        now = time.monotonic()
        arguments: list[float] = [self.window * MICRO]
        for ticket, at in answers:
            arguments += [ticket, int((now - at) * MICRO)]  # never more than it was
        keys = [self._keys[2], self._keys[4]]
        await self._answered_script(keys=keys, args=arguments)

    async def paused_for(self) -> float:
        return int(await self._paused_script(keys=self._keys[1:2])) / MICRO

    async def pause(self, seconds: float) -> None:
        await self._pause_script(keys=self._keys[:2], args=[seconds * MICRO])
