"""The delivery engine: every running campaign's messages go out through one shared pace (see `scheduler.ratelimit`).

For each campaign, a loop claims the next chunk of due rows in id order under this process's lease (committed before any
of their messages leaves), a chunk ahead of the sending, so that the sending never waits for the database; rows another
process is claiming at that moment are passed over, so processes claiming together never collide; a dispatcher hands
each claimed row to a fixed pool of sender coroutines once a slot and the pace allow (no task per message: at the
highest rates the engine's own work per message must stay small beside aiogram's). Outcomes are written back in
batches by a flusher, which also renews the lease. Several processes may deliver one campaign at once: each claims its
own rows, and they share the pace through Redis.

Each message, and how Telegram's answer decides its row, is `scheduler.sending`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from models.campaigns import audience, marketing_rules, queue
from models.campaigns.planning import get_campaign
from models.campaigns.queue import Claimed, Lease, Outcome
from models.campaigns.records import CampaignStatus, CampaignView, RecipientStatus
from models.core.base import utcnow
from models.core.uow import transaction
from scheduler.context import JobContext
from scheduler.metrics import CAMPAIGN_SENDS
from scheduler.ratelimit import LocalPace, Pace
from scheduler.sending import CampaignSender, report_to_author
from scheduler.shared_pace import SharedPace

log = logging.getLogger(__name__)
T = TypeVar("T")
ANSWERED = (RecipientStatus.SENT, RecipientStatus.BLOCKED, RecipientStatus.FAILED, RecipientStatus.UNKNOWN)
_SENDS = {status: CAMPAIGN_SENDS.labels(status.value) for status in ANSWERED}  # looked up once, not per send

MAX_CLAIM = 250  # rows claimed in one transaction at the highest rates (a tenth of a second's worth up to 2,500
# msg/s: one process unlimited sends 2,000 a second, and a claim, a few round trips to aiosqlite's thread through a busy
# event loop, took 40-60 ms: claims of 100 could not keep up; BENCHMARKS.md, issue 13)
IN_FLIGHT = 64  # messages waiting for Telegram's answer at once, all campaigns together, at the highest rates
IN_FLIGHT_SECONDS = 0.1  # below that, a tenth of a second's worth: enough to keep the pace (which counts what is on
# the way against the rate itself, so that a stall at Telegram's end never lets a second hold more)
MAX_GRANT = 16  # sends asked of the pace at once: one decision for several, in a burst small enough
AHEAD = 1  # claims kept ready ahead of the sending, so that it never waits for the database
AHEAD_AT_HIGH_RATES = 2  # the same where claims hold 100 rows or more (rates of 1,000 and up): there a claim is a
# tenth of a second of the whole rate, but several processes each send only their share of it, and a claim on a loaded
# PostgreSQL takes about 0.3 s, so one claim ahead ran dry (BENCHMARKS.md, issue 13); a crash leaves a claim's worth
# more rows unknown
HIGH_RATE_CLAIM = 100
LEASE = timedelta(seconds=30)  # how long a claim holds if its process stops renewing it (it died)
RENEW_EVERY = 10.0  # seconds between renewals of the lease on the rows being sent
FLUSH_EVERY = 0.2  # seconds between writes of outcomes (what a crash can leave unknown)
FLUSH_AT = 500  # outcomes that trigger a write at once (above 2,500 msg/s: below, FLUSH_EVERY comes first; each write
# holds SQLite's one writer for 60-70 ms, which at 200 outcomes a write left claims too little of it at 2,000 msg/s)
DRAIN_TIMEOUT = 10.0  # seconds a stopping campaign waits for its messages in flight
IDLE_RECHECK = 60.0  # longest sleep before the queue is looked at again
FINISH_POLL = 0.5  # seconds between looks at a campaign whose last rows other processes are sending


def _recheck_in(state: queue.QueueState) -> float:
    """Seconds until a delivery with nothing left to claim looks at its campaign again. While rows are being sent
    elsewhere, soon: another process is about to answer them and finish the campaign (or hand rows back), and a
    process that died has its rows taken over when their lease runs out, at a later look."""
    if state.sending or state.next_due is None:  # due rows that another process's claim held at that moment
        return FINISH_POLL
    return min(max((state.next_due - utcnow()).total_seconds(), 0.05), IDLE_RECHECK)


class _Stopped(Exception):
    """The delivery was asked to stop; raised at the next point where stopping is safe."""


def process_name() -> str:
    """This process among the bot's: host, pid and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def pace_for(context: JobContext) -> Pace:
    """One pace for the whole bot: in Redis when several processes share it, in this process otherwise."""
    if context.redis is not None:
        return SharedPace(context.broadcast_rate, context.redis)
    return LocalPace(context.broadcast_rate)


class DeliveryEngine:
    """Runs one delivery per running campaign; they share the pace and the cap on messages in flight."""

    def __init__(self, context: JobContext, *, in_flight: int | None = None, pace: Pace | None = None) -> None:
        self.context = context
        rate = context.broadcast_rate
        self.pace = pace or pace_for(context)
        self.owner = process_name()
        if in_flight is None:
            in_flight = max(4, min(IN_FLIGHT, math.ceil(rate * IN_FLIGHT_SECONDS)))
        self.in_flight = in_flight
        self.slots = asyncio.Semaphore(in_flight)
        # At low rates a crash leaves at most a message or two claimed but unsent; at high rates claims are batched.
        self.claim_size = max(1, min(MAX_CLAIM, int(rate / 10)))
        self.ready_rows = (AHEAD_AT_HIGH_RATES if self.claim_size >= HIGH_RATE_CLAIM else AHEAD) * self.claim_size
        # SQLite has one writer at a time, and a transaction finding the lock taken polls it from SQLite's busy
        # handler, sleeping up to 100 ms between looks: the claims and the outcome writes of this process queue
        # here instead, and each gets the lock the moment the other is done (on PostgreSQL they never wait).
        self.writer: contextlib.AbstractAsyncContextManager[object] = contextlib.nullcontext()
        if context.engine.dialect.name == "sqlite":
            self.writer = asyncio.Lock()
        self._deliveries: dict[int, CampaignDelivery] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._closed = False

    def start(self, campaign_id: int) -> None:
        """Deliver the campaign unless it is being delivered already or the bot is shutting down."""
        if self._closed or campaign_id in self._tasks:
            # After shutdown began, a late start (an automation catching up, a job firing) would send through a
            # closed bot; the campaign stays in the database and resumes at the next start.
            return
        run = CampaignDelivery(self, campaign_id)
        task = asyncio.create_task(self._run(run), name=f"campaign-{campaign_id}")
        self._deliveries[campaign_id] = run
        self._tasks[campaign_id] = task

    async def _run(self, run: CampaignDelivery) -> None:
        try:
            await run.run()
        except Exception:
            log.exception("campaign %s: delivery stopped by an error; it resumes at the next start", run.campaign_id)
        finally:
            self._deliveries.pop(run.campaign_id, None)
            self._tasks.pop(run.campaign_id, None)

    def running(self) -> list[int]:
        return list(self._tasks)

    async def cancel(self, campaign_id: int) -> None:
        """Stop a cancelled campaign's delivery: unsent claims are cancelled, messages in flight are recorded."""
        await self._stop(campaign_id, RecipientStatus.CANCELLED)

    async def stop(self) -> None:
        """Stop every delivery for shutdown: unsent claims go back to the queue for the next start."""
        self._closed = True
        await asyncio.gather(*(self._stop(campaign_id, RecipientStatus.PENDING) for campaign_id in list(self._tasks)))
        try:
            await self.pace.flush()
        except Exception:  # the other processes' pace only holds back more than it must, until the lease ends
            log.exception("could not report the last answers to the shared pace")

    def lease(self) -> Lease:
        """A claim by this process, from now."""
        return Lease(self.owner, utcnow() + LEASE)

    async def _stop(self, campaign_id: int, release_as: RecipientStatus) -> None:
        task, run = self._tasks.get(campaign_id), self._deliveries.get(campaign_id)
        if task is None or run is None:
            return
        run.stop(release_as)
        with contextlib.suppress(asyncio.CancelledError):
            await task


class CampaignDelivery:
    """One campaign's way through its queue.

    Stopping is cooperative: a delivery is interrupted only while it waits (for the rate limit, a slot, quiet hours,
    the next row due), never in the middle of a database transaction, so it can still store what happened.
    """

    def __init__(self, engine: DeliveryEngine, campaign_id: int) -> None:
        self.engine = engine
        self.campaign_id = campaign_id
        self.release_as = RecipientStatus.PENDING
        self._stopping = False
        self._waiting: set[asyncio.Task[object]] = set()
        self._undispatched: deque[Claimed] = deque()
        self._claimed = asyncio.Event()  # rows were added to `_undispatched`
        self._dispatched = asyncio.Event()  # rows were taken from it
        # Rows the pace granted, each holding a slot, for the senders: never more than the senders, so none waits.
        self._granted: asyncio.Queue[Claimed] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self._outcomes: list[Outcome] = []
        self._flush_now = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._closed = False

    def stop(self, release_as: RecipientStatus) -> None:
        self.release_as = release_as
        self._stopping = True
        for waiting in self._waiting:
            waiting.cancel()

    async def _wait(self, awaitable: Awaitable[T]) -> T:
        """Await something that only waits (no database work), giving up if the delivery is asked to stop."""
        if self._stopping:
            if inspect.iscoroutine(awaitable):
                awaitable.close()  # never started: close it, so that it is not reported as never awaited
            raise _Stopped
        waiting: asyncio.Task[T] = asyncio.ensure_future(awaitable)
        self._waiting.add(cast("asyncio.Task[object]", waiting))
        try:
            return await waiting
        except asyncio.CancelledError:
            if self._stopping and waiting.cancelled():
                raise _Stopped from None
            raise
        finally:
            self._waiting.discard(cast("asyncio.Task[object]", waiting))

    async def run(self) -> None:
        try:
            campaign = await self._begin()
        except _Stopped:
            return
        if campaign is None:
            return
        flusher = asyncio.create_task(self._flush_periodically())
        messages = CampaignSender(self.engine.context, campaign, self.engine.pace)
        self._senders = [asyncio.create_task(self._sender(messages)) for _ in range(self.engine.in_flight)]
        dispatcher = asyncio.create_task(self._dispatch(campaign))
        dispatcher.add_done_callback(self._stop_if_failed)
        finished_here = False
        try:
            finished_here = await self._deliver(campaign)
        except _Stopped:
            log.info("campaign %s: delivery stopped", self.campaign_id)
        finally:
            # Whether finished or stopped: unsent claims are handed back, answers awaited, everything stored.
            dispatcher.cancel()
            failure: Exception | None = None
            try:
                await dispatcher
            except (asyncio.CancelledError, _Stopped):
                pass
            except Exception as error:  # the pace's Redis unreachable, say: raised once everything is stored
                failure = error
            self._outcomes.extend(Outcome(row.id, row.member_id, self.release_as) for row in self._undispatched)
            self._undispatched.clear()
            await self._drain()
            for sender in self._senders:  # idle now, or abandoned by the drain
                sender.cancel()
            await asyncio.gather(*self._senders, return_exceptions=True)
            self._closed = True
            self._flush_now.set()
            await flusher
            await self._flush()
            if failure is not None:
                raise failure
        if finished_here:
            await report_to_author(self.engine.context, campaign)

    def _stop_if_failed(self, dispatcher: asyncio.Task[None]) -> None:
        """The dispatcher failed (the pace's Redis did not answer): stop claiming; the rest resumes later."""
        if not dispatcher.cancelled() and dispatcher.exception() is not None:
            self.stop(RecipientStatus.PENDING)

    async def _begin(self) -> CampaignView | None:
        """Start the campaign if its time came, and freeze its audience (resuming a freeze cut short)."""
        context = self.engine.context
        async with transaction(context.sessionmaker) as session:
            campaign = await get_campaign(session, self.campaign_id)
            if campaign.status == CampaignStatus.SCHEDULED:
                started = await audience.start_campaign(session, self.campaign_id, utcnow())
                if started is None:
                    return None
                campaign = started
        if campaign.status != CampaignStatus.RUNNING:
            return None
        while True:
            async with transaction(context.sessionmaker) as session:
                frozen = await audience.freeze_chunk(session, context.programme, campaign)
            if frozen:
                break
            await self._wait(asyncio.sleep(0))  # a stop between chunks leaves a freeze that resumes later
        async with transaction(context.sessionmaker) as session:
            size = await audience.audience_size(session, campaign.id)
        log.info("campaign %s: delivering to an audience of %s", self.campaign_id, size)
        return campaign

    async def _deliver(self, campaign: CampaignView) -> bool:
        """Claim the queue chunk by chunk, a chunk ahead of the dispatcher, until nobody is left waiting; whether
        this delivery was the one to finish the campaign (others may be delivering it too)."""
        context, engine = self.engine.context, self.engine
        after = 0
        while True:
            await self._until(lambda: len(self._undispatched) < engine.ready_rows)
            await self._wait(engine.pace.wait_unpaused())
            await self._wait_for_quiet_hours()
            async with engine.writer, transaction(context.sessionmaker) as session:
                claimed, last = await queue.claim_next(
                    session,
                    context.programme,
                    campaign,
                    after=after,
                    now=utcnow(),
                    limit=engine.claim_size,
                    lease=engine.lease(),
                )
            if last is not None:
                after = last
                self._undispatched.extend(claimed)
                self._claimed.set()
                continue
            if after:
                after = 0  # one more pass from the start picks up rows held back or handed back meanwhile
                continue
            await self._until(lambda: not self._undispatched)
            await self._drain()
            await self._flush()
            async with transaction(context.sessionmaker) as session:
                state = await queue.queue_state(session, self.campaign_id, utcnow())
            if state.finished:
                return state.finished_here
            await self._wait(asyncio.sleep(_recheck_in(state)))

    async def _until(self, condition: Callable[[], bool]) -> None:
        """Wait until the dispatcher has taken enough claimed rows for `condition` to hold."""
        while not condition():
            self._dispatched.clear()
            await self._wait(self._dispatched.wait())

    async def _dispatch(self, campaign: CampaignView) -> None:
        """Hand claimed rows to the senders as soon as slots and the pace allow; until cancelled."""
        engine = self.engine
        while True:
            while not self._undispatched:
                self._claimed.clear()
                await self._wait(self._claimed.wait())
            # The waits are wrapped (interruptible) only when they would really wait: at high rates they rarely do.
            if engine.slots.locked():
                await self._wait(engine.slots.acquire())
            else:
                await engine.slots.acquire()
            slots = 1
            while slots < min(len(self._undispatched), MAX_GRANT) and not engine.slots.locked():
                await engine.slots.acquire()  # free: returns at once
                slots += 1
            try:
                granted = engine.pace.try_acquire(slots) or await self._wait(engine.pace.acquire(slots))
            except BaseException:
                for _ in range(slots):
                    engine.slots.release()
                raise
            for _ in range(slots - granted):
                engine.slots.release()
            for _ in range(granted):
                self._granted.put_nowait(self._undispatched.popleft())
            self._dispatched.set()

    async def _sender(self, messages: CampaignSender) -> None:
        """Send granted rows one after the other, until cancelled (the delivery's end, or a drain giving up on the
        message in hand, which then stays `sending`)."""
        while True:
            row = await self._granted.get()
            try:
                outcome = await messages.send(row, self.release_as)
            except Exception:  # not an answer of Telegram's: whether the message went out is not known
                log.exception("campaign %s: unexpected error sending to member %s", self.campaign_id, row.member_id)
                outcome = Outcome(row.id, row.member_id, RecipientStatus.UNKNOWN, error="unexpected error")
            finally:
                self.engine.slots.release()
                self._granted.task_done()
            if outcome.status in _SENDS:  # not a row handed back unsent
                _SENDS[outcome.status].inc()
            self._outcomes.append(outcome)
            if len(self._outcomes) >= FLUSH_AT:
                self._flush_now.set()

    async def _wait_for_quiet_hours(self) -> None:
        programme = self.engine.context.programme
        until = marketing_rules.quiet_until(programme.marketing, programme.timezone, utcnow())
        if until is not None:
            log.info("campaign %s: quiet hours, holding messages until %s", self.campaign_id, until)
            await self._flush()
            await self._wait(asyncio.sleep((until - utcnow()).total_seconds()))

    async def _drain(self) -> None:
        """Wait for the messages in flight (each has its own request timeout). When stopping, those still unanswered
        after DRAIN_TIMEOUT are abandoned (their senders cancelled): they stay `sending`, and become unknown when
        their lease runs out."""
        try:
            await asyncio.wait_for(self._granted.join(), DRAIN_TIMEOUT if self._stopping else None)
        except TimeoutError:
            for sender in self._senders:
                sender.cancel()

    async def _flush_periodically(self) -> None:
        """Store outcomes every FLUSH_EVERY seconds or FLUSH_AT outcomes, and renew the lease on the rows being
        sent every RENEW_EVERY seconds, until the delivery closes."""
        renewed = asyncio.get_running_loop().time()
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_now.wait(), FLUSH_EVERY)
            self._flush_now.clear()
            await self._flush()
            if asyncio.get_running_loop().time() - renewed >= RENEW_EVERY:
                renewed = asyncio.get_running_loop().time()
                await self._renew()

    async def _renew(self) -> None:
        try:
            async with transaction(self.engine.context.sessionmaker) as session:
                await queue.renew_lease(session, self.campaign_id, self.engine.lease())
        except Exception:
            log.exception("campaign %s: could not renew the lease on the messages being sent", self.campaign_id)

    async def _flush(self) -> None:
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            if not outcomes:
                return
            try:
                async with self.engine.writer, transaction(self.engine.context.sessionmaker) as session:
                    await queue.record(session, outcomes)
            except Exception:
                log.exception("campaign %s: could not store %s outcomes; retrying", self.campaign_id, len(outcomes))
                self._outcomes[:0] = outcomes
