"""The running bot: programme, database, Telegram client, dispatcher and scheduler, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation, MemoryStorage
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import console, webhook
from bot.dispatcher import build_dispatcher
from bot.health import Health, add_health_routes, schema_head
from bot.leadership import Leadership
from bot.metrics import LEADER
from bot.middlewares import SettleBeforeSending
from bot.settings import Settings
from bot.throttle import HUMAN_PACE, FloodLimit, MemoryBuckets, RedisBuckets
from handlers.commands import publish_customer_commands
from handlers.i18n import Texts
from handlers.staff.appointments import publish_all_staff_menus
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker, migrate
from models.core.programme import Programme, load_programme
from models.core.programme_versions import ProgrammeHolder, import_file
from models.core.programme_versions import current as current_version
from models.core.uow import UnitOfWork
from models.members.cards import CardSigner, signing_key
from scheduler.context import JobContext
from scheduler.outbox import OutboxSender
from scheduler.runner import ProcessJobs, Runs, build_scheduler, catch_up
from scheduler.timetable import SWEEP_JOB, SWEEP_SECONDS, CampaignRunner

log = logging.getLogger(__name__)
UPDATES_GRACE_SECONDS = 10
# A user's lock in Redis: freed after a minute if its holder died; a waiting update checks every 20 ms (a cashier's
# sales queue behind each other).
USER_LOCK = {"timeout": 60, "sleep": 0.02}


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(SettleBeforeSending())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def fsm_storage(redis: Redis | None) -> BaseStorage:
    """Dialogue state in Redis when several processes serve one bot, in memory otherwise."""
    return MemoryStorage() if redis is None else RedisStorage(redis)


def event_isolation(redis: Redis | None) -> BaseEventIsolation:
    """One user's updates are handled one at a time, across processes, when several serve the bot (a lock in Redis
    per chat and user); one process handles them as they come, as before."""
    return DisabledEventIsolation() if redis is None else RedisEventIsolation(redis, lock_kwargs=USER_LOCK)


def with_settings_zone(settings: Settings) -> Callable[[Programme], Programme]:
    """TIMEZONE, when set, overrides the programme's zone (and the programme's, when it names none, is TIMEZONE's
    default); applied to every version put in force."""

    def adjust(programme: Programme) -> Programme:
        if settings.timezone_set or "timezone" not in programme.model_fields_set:
            return programme.model_copy(update={"timezone": settings.timezone})
        return programme

    return adjust


async def _programme_versions(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> ProgrammeHolder:
    """The programme in force: the newest version, after importing the file if it changed since it was imported
    (two processes starting at once: one imports, the other finds the version taken and reads it)."""
    text = settings.programme_file.read_text(encoding="utf-8")
    try:
        async with UnitOfWork(sessionmaker) as unit:
            await import_file(unit.session, text, utcnow())
            await unit.commit()
    except IntegrityError:
        log.info("another process imported the programme file first")
    async with UnitOfWork(sessionmaker) as unit:
        found = await current_version(unit.session)
    assert found is not None  # imported above
    return ProgrammeHolder(found.programme, found.info.version, with_settings_zone(settings))


@dataclass
class App:
    settings: Settings
    programmes: ProgrammeHolder
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    texts: Texts
    bot: Bot
    cards: CardSigner
    flood: FloodLimit = HUMAN_PACE
    redis: Redis | None = None
    dispatcher: Dispatcher = field(init=False)
    scheduler: AsyncIOScheduler = field(init=False)
    campaigns: CampaignRunner = field(init=False)
    outbox: OutboxSender = field(init=False)
    outbox_bell: asyncio.Event = field(init=False, default_factory=asyncio.Event)  # one for the whole process
    leadership: Leadership = field(init=False)
    health: Health = field(init=False)
    leader_runs: Runs = field(init=False, default_factory=Runs)  # the leader's job runs in progress
    _shut_down: bool = field(init=False, default=False)
    process_jobs: ProcessJobs = field(init=False)  # what every process runs, leader or not
    web: web.Application = field(init=False)  # the console's routes (and the webhook's, in webhook mode)

    def __post_init__(self) -> None:
        self.outbox = OutboxSender(self.jobs)
        self.scheduler = build_scheduler(self.jobs, self.leader_runs)  # the leader's
        self.process_jobs = ProcessJobs(self.jobs)
        self.campaigns = CampaignRunner(self.jobs, self.scheduler)
        if self.redis is not None:  # several processes: the leader also picks up campaigns the others were given
            self.scheduler.add_job(self.campaigns.sweep, IntervalTrigger(seconds=SWEEP_SECONDS), **SWEEP_JOB)
        self.leadership = Leadership(self.engine, elected=self._lead, deposed=self._follow)
        self.health = Health(self.engine, self.sessionmaker, self.redis, schema_head())
        self.dispatcher = build_dispatcher(
            settings=self.settings,
            programmes=self.programmes,
            sessionmaker=self.sessionmaker,
            texts=self.texts,
            campaigns=self.campaigns,
            cards=self.cards,
            flood=self.flood,
            storage=fsm_storage(self.redis),
            buckets=MemoryBuckets() if self.redis is None else RedisBuckets(self.redis),
            isolation=event_isolation(self.redis),
            wake_outbox=self.outbox.wake,
        )
        self.web = web.Application()
        console.mount(
            self.web,
            settings=self.settings,
            bot=self.bot,
            texts=self.texts,
            programmes=self.programmes,
            sessionmaker=self.sessionmaker,
            cards=self.cards,
        )
        add_health_routes(self.web, self.health)
        self.dispatcher.startup.register(self._on_startup)
        self.dispatcher.shutdown.register(self._on_shutdown)

    @property
    def programme(self) -> Programme:
        """The programme version in force in this process."""
        return self.programmes.programme

    @property
    def jobs(self) -> JobContext:
        return JobContext(
            programmes=self.programmes,
            engine=self.engine,
            sessionmaker=self.sessionmaker,
            bot=self.bot,
            texts=self.texts,
            broadcast_rate=self.settings.broadcast_rate,
            owners=self.settings.admin_ids,
            redis=self.redis,
            outbox_bell=self.outbox_bell,
        )

    @classmethod
    async def create(cls, settings: Settings, flood: FloodLimit = HUMAN_PACE) -> App:
        """Load the programme file (failing loudly if it is wrong), bring the database schema up to date, import the
        file as a programme version if it changed, and read the card signing key (made on the first start)."""
        load_programme(settings.programme_file)
        engine = create_engine(settings.database_url)
        await migrate(engine)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker.begin() as session:
            cards = CardSigner(await signing_key(session))
        programmes = await _programme_versions(settings, sessionmaker)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        return cls(settings, programmes, engine, sessionmaker, Texts(), create_bot(settings), cards, flood, redis)

    async def _on_startup(self) -> None:
        await publish_customer_commands(self.bot, self.texts)
        await publish_all_staff_menus(
            self.bot, self.texts, self.sessionmaker, self.programme, self.settings.admin_ids, self.settings.console_url
        )
        self.outbox.start()  # first of all, what a stopped process left unsent (every process sends it)
        self.campaigns.join_running()  # every process sends a share of each running campaign
        self.process_jobs.start()
        self.campaigns.leading = False  # until elected: a follower leaves campaigns to the leader
        # Every process keeps the leader's timetable, paused until it leads: a follower elected after a job's time
        # (the leader died just before it) runs that job once on resuming (coalesced, within its misfire grace).
        self.scheduler.start(paused=True)
        await self.leadership.start()
        log.info("bot started")

    async def _lead(self) -> None:
        """Elected: run the scheduled jobs, resume or schedule every open campaign, and run once what was due while
        no process led."""
        LEADER.set(1)
        self.campaigns.leading = True
        self.scheduler.resume()
        await self.campaigns.start()
        self.leader_runs.start(catch_up, self.jobs)

    async def _follow(self) -> None:
        """No longer the leader: start no job; deliveries already under way finish their claimed rows."""
        LEADER.set(0)
        self.campaigns.leading = False
        self.scheduler.pause()

    async def _on_shutdown(self) -> None:
        """Stop everything that sends or schedules, once: `close` calls it too, for an app that never polled."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.scheduler.running:
            self.scheduler.pause()  # first, so that no job starts a delivery while they stop
        await self.leader_runs.finish()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.process_jobs.stop()
        await self.leadership.stop()
        await self.campaigns.stop()
        await self.outbox.stop()

    async def run(self) -> None:
        """Serve the webhook when WEBHOOK_URL is set, poll for updates otherwise; until cancelled. The console is
        served on WEBHOOK_HOST:WEBHOOK_PORT either way."""
        if self.settings.webhook_url:
            await webhook.serve(self.dispatcher, self.bot, self.settings, self.web)
        else:
            await self.run_polling()

    async def run_polling(self) -> None:
        """Poll for updates, serving the console (when it is on) meanwhile."""
        async with console.serving(self.web, self.settings):
            await self.bot.delete_webhook(drop_pending_updates=False)
            await self.dispatcher.start_polling(self.bot, handle_signals=False, close_bot_session=False)

    async def close(self) -> None:
        # aiogram's polling stops without waiting for updates still being handled; one that sends after the HTTP
        # session closed would open (and leak) a new one, so let them finish first.
        in_flight = set(self.dispatcher._handle_update_tasks)
        if in_flight:
            await asyncio.wait(in_flight, timeout=UPDATES_GRACE_SECONDS)
        # Updates fed to the dispatcher without polling (as tests do) may have started deliveries that no shutdown
        # stopped; a campaign's closing report sent after the session closed would leak a new one.
        await self._on_shutdown()
        await self.bot.session.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
