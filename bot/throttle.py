"""The flood limit: a token bucket per user, at a customer's pace or, for staff, a till's.

The buckets live in this process's memory, or in Redis when several processes serve the bot (REDIS_URL), so that
a user's pace is one pace whichever process their updates reach. In Redis a bucket is a hash changed by one short
Lua script, atomically, on Redis's own clock.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update, User
from redis.asyncio import Redis

from handlers.i18n import Texts
from models.members import registry

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
IsStaff = Callable[[int], Awaitable[bool]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloodLimit:
    """How many updates a user may send at once (`burst`) and then per second, how long a flood is then ignored
    (0: not at all, only what exceeds the pace), and how often a dropped message is answered (0: every one)."""

    burst: int = 8
    per_second: float = 2.0
    mute_seconds: float = 10.0
    notice_every: float = 3.0


HUMAN_PACE = FloodLimit()
# A cashier at a busy till: 30 sales at once and 20 a second after that, never muted, every drop answered.
TILL_PACE = FloodLimit(burst=60, per_second=20.0, mute_seconds=0.0, notice_every=0.0)
ROLE_TTL = 60.0  # seconds a user's staff status is trusted before it is looked up again
IDLE_SECONDS = 60.0  # a bucket untouched this long (and not muted) is full again, so it is forgotten


@dataclass(frozen=True)
class Verdict:
    taken: bool
    wait: float = 0.0  # seconds until the user may send again
    notice: bool = False  # whether to tell them (at most once every `notice_every`)


class Buckets(Protocol):
    async def take(self, user_id: int, limit: FloodLimit, *, bonus: float = 0, final: bool = True) -> Verdict:
        """Take a token from the user's bucket at `limit`'s pace, after adding `bonus` tokens (a user just found to
        be staff gets the till's extra room). A refusal that is not `final` changes nothing: the caller looks the
        role up and asks again."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated: float
    muted_until: float = 0.0
    noticed_at: float = float("-inf")


class MemoryBuckets:
    """One process's buckets."""

    REMEMBERED = 100_000

    def __init__(self) -> None:
        self._buckets: dict[int, _Bucket] = {}

    async def take(self, user_id: int, limit: FloodLimit, *, bonus: float = 0, final: bool = True) -> Verdict:
        now = time.monotonic()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) > self.REMEMBERED:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(limit.burst, now)
        tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.per_second) + bonus
        if now >= bucket.muted_until and tokens >= 1:
            bucket.tokens, bucket.updated = tokens - 1, now
            return Verdict(taken=True)
        if not final:
            return Verdict(taken=False)
        bucket.tokens, bucket.updated = tokens, now
        if now >= bucket.muted_until and limit.mute_seconds:
            bucket.muted_until = now + limit.mute_seconds
        wait = bucket.muted_until - now if now < bucket.muted_until else (1 - tokens) / limit.per_second
        notice = now - bucket.noticed_at >= limit.notice_every
        if notice:
            bucket.noticed_at = now
        return Verdict(taken=False, wait=wait, notice=notice)

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, b in self._buckets.items() if now - b.updated > IDLE_SECONDS and now >= b.muted_until]
        for user_id in idle:
            del self._buckets[user_id]


# The same rules as MemoryBuckets.take, on one hash per user, with Redis's clock. Returns {taken, wait, notice}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local burst, rate, mute, every = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local bonus, final, idle = tonumber(ARGV[5]), ARGV[6] == '1', tonumber(ARGV[7])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'muted_until', 'noticed_at')
local tokens = tonumber(b[1]) or burst
local updated = tonumber(b[2]) or now
local muted_until = tonumber(b[3]) or 0
local noticed_at = tonumber(b[4]) or -1e18
tokens = math.min(burst, tokens + (now - updated) * rate) + bonus
local function keep()
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now),
             'muted_until', tostring(muted_until), 'noticed_at', tostring(noticed_at))
  redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(muted_until - now, 0) + idle) * 1000))
end
if now >= muted_until and tokens >= 1 then
  tokens = tokens - 1
  keep()
  return {1, '0', 0}
end
if not final then return {0, '0', 0} end
if now >= muted_until and mute > 0 then muted_until = now + mute end
local wait
if now < muted_until then wait = muted_until - now else wait = (1 - tokens) / rate end
local notice = 0
if now - noticed_at >= every then noticed_at = now; notice = 1 end
keep()
return {0, tostring(wait), notice}
"""


class RedisBuckets:
    """Every process's buckets, in Redis."""

    def __init__(self, redis: Redis, prefix: str = "flood") -> None:
        self._take = redis.register_script(_TAKE)
        self.prefix = prefix

    async def take(self, user_id: int, limit: FloodLimit, *, bonus: float = 0, final: bool = True) -> Verdict:
        args = (limit.burst, limit.per_second, limit.mute_seconds, limit.notice_every, bonus, int(final), IDLE_SECONDS)
        taken, wait, notice = await self._take(keys=[f"{self.prefix}:{user_id}"], args=list(args))
        return Verdict(taken=bool(taken), wait=float(wait), notice=bool(notice))


@dataclass
class _Role:
    staff: bool = False
    checked_at: float = float("-inf")
    lookup: asyncio.Future[bool] | None = None


class ThrottleMiddleware(BaseMiddleware):
    """A token bucket per user, at a customer's pace or, for staff, a till's. No message is dropped without an
    answer saying it was not taken and when to send it again; staff hear it for every message, customers at most
    once every `notice_every` seconds, so a flood cannot make the bot flood back.

    It runs before the unit of work, so a flood costs no database write; the role is looked up (read-only, cached
    in this process for ROLE_TTL) only when a user's customer-sized bucket runs dry.
    """

    def __init__(
        self,
        texts: Texts,
        limit: FloodLimit,
        is_staff: IsStaff,
        buckets: Buckets | None = None,
        staff_limit: FloodLimit = TILL_PACE,
    ) -> None:
        self.texts = texts
        self.limit = limit
        # Staff never get less room than customers (tests run customers unlimited).
        self.staff_limit = FloodLimit(
            burst=max(staff_limit.burst, limit.burst),
            per_second=max(staff_limit.per_second, limit.per_second),
            mute_seconds=staff_limit.mute_seconds,
            notice_every=staff_limit.notice_every,
        )
        self.is_staff = is_staff
        self.buckets = buckets or MemoryBuckets()
        self._roles: dict[int, _Role] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        role = self._roles.get(user.id) or _Role()
        stale = role.lookup is not None or now - role.checked_at > ROLE_TTL
        verdict = await self.buckets.take(user.id, self._limit(role), final=not stale)
        if not verdict.taken and stale:
            promoted = await self._learn_role(user.id, now)
            role = self._roles[user.id]
            bonus = self.staff_limit.burst - self.limit.burst if promoted else 0
            verdict = await self.buckets.take(user.id, self._limit(role), bonus=bonus)
        if verdict.taken:
            return await handler(event, data)
        if verdict.notice:
            log.info("throttled user %s", user.id)
            seconds = max(1, math.ceil(verdict.wait))
            await self._not_taken(data["bot"], event, user, staff=role.staff, seconds=seconds)
        return None

    def _limit(self, role: _Role) -> FloodLimit:
        return self.staff_limit if role.staff else self.limit

    async def _learn_role(self, user_id: int, now: float) -> bool:
        """Look the user's role up (one lookup however many messages are waiting for it); whether this call found
        them newly staff (only one of the messages waiting gets the till's extra room for the bucket)."""
        role = self._roles.get(user_id)
        if role is None:
            if len(self._roles) > MemoryBuckets.REMEMBERED:
                self._roles.clear()  # a cache: what is forgotten is looked up again when needed
            role = self._roles[user_id] = _Role()
        if role.lookup is None:
            role.checked_at = now
            role.lookup = asyncio.ensure_future(self.is_staff(user_id))
        lookup = role.lookup
        try:
            staff_now = await asyncio.shield(lookup)
        finally:
            if role.lookup is lookup and lookup.done():
                role.lookup = None
        promoted = staff_now and not role.staff
        role.staff = staff_now
        return promoted

    async def _not_taken(self, bot: Bot, event: TelegramObject, user: User, *, staff: bool, seconds: int) -> None:
        """Tell the user this message was not taken and when to send it again (a pressed button: on the button)."""
        t = self.texts[registry.pick_language(user.language_code)]
        text = t("not-recorded" if staff else "slow-down", seconds=seconds)
        query = event.callback_query if isinstance(event, Update) else None
        try:
            if query is not None:
                await bot.answer_callback_query(query.id, text, show_alert=True)
            else:
                await bot.send_message(user.id, text)
        except TelegramAPIError as exc:  # blocked, or Telegram busy: the message is dropped all the same
            log.info("could not tell user %s their message was not taken: %s", user.id, type(exc).__name__)
