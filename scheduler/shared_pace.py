"""The pace shared by every process of the bot, kept in Redis: the same decision as `LocalPace`, made
atomically by a short Lua script on Redis's own clock (so the processes' clocks never need to agree), and a shared
"paused until" key that a 429 seen by any process sets for all.

A library was considered (`limits` has a Redis GCRA) and not taken: it answers only yes or no, so a caller would
need a second round trip to learn how long to wait, it stamps requests with each client's clock, it grants a batch
all or nothing, and it has no pause.
"""

from __future__ import annotations

from redis.asyncio import Redis

from scheduler.ratelimit import CATCH_UP, Grant, Pace

MICRO = 1_000_000
KEY_PREFIX = "loyalty:pace"

# Times are microseconds of Redis's clock, written with string.format (Lua would print them with 14 digits).
# KEYS: the TAT, paused-until, the log of grants (a sorted set scored by time), the log's sequence.
# ARGV: interval, catch-up, window, per window, sends wanted. Returns {granted, wait}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, math.ceil(paused - now)}
end
local interval, catch_up, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local per_window, wanted = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now - window))
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now - catch_up then
  tat = now
end
local due = math.floor((now - tat) / interval) + 1
local room = per_window - redis.call('ZCARD', KEYS[3])
if room < 1 then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2])
  return {0, math.ceil(math.max(oldest + window - now, tat - now))}
end
if due < 1 then
  return {0, math.ceil(tat - now)}
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
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
return {granted, 0}
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

    def __init__(self, rate: float, redis: Redis, *, prefix: str = KEY_PREFIX) -> None:
        super().__init__(rate)
        self.redis = redis
        self._keys = [f"{prefix}:{name}" for name in ("tat", "paused-until", "log", "sequence")]
        self._take_script = redis.register_script(_TAKE)
        self._pause_script = redis.register_script(_PAUSE)
        self._paused_script = redis.register_script(_PAUSED_FOR)

    async def _take(self, wanted: int) -> Grant:
        arguments = [self.interval * MICRO, CATCH_UP * MICRO, self.window * MICRO, self.per_window, wanted]
        granted, wait = await self._take_script(keys=self._keys, args=arguments)
        return Grant(int(granted), int(wait) / MICRO)

    async def paused_for(self) -> float:
        return int(await self._paused_script(keys=self._keys[1:2])) / MICRO

    async def pause(self, seconds: float) -> None:
        await self._pause_script(keys=self._keys[:2], args=[seconds * MICRO])
