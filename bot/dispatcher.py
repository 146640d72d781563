"""The dispatcher with its middlewares and every feature's router; a factory, so tests can build it afresh."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation, MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import UpdateMetrics
from bot.middlewares import ContextMiddleware, CurrentProgramme, PrivateChatsOnly, UnitOfWorkMiddleware
from bot.settings import Settings
from bot.throttle import HUMAN_PACE, Buckets, FloodLimit, IsStaff, ThrottleMiddleware
from handlers import build_router
from handlers.i18n import Texts
from handlers.ports import CampaignTimetable
from models.core.programme_versions import ProgrammeHolder
from models.core.uow import UnitOfWork
from models.members.cards import CardSigner
from models.team import staff
from models.till.desk import SalesDesk


def staff_check(sessionmaker: async_sessionmaker[AsyncSession], owners: frozenset[int]) -> IsStaff:
    """Whether a user is staff, read in a unit of its own (the throttle runs before the update's unit)."""

    async def is_staff(user_id: int) -> bool:
        async with UnitOfWork(sessionmaker) as unit:
            return await staff.role_of(unit.session, user_id, owners) is not None

    return is_staff


def build_dispatcher(
    *,
    settings: Settings,
    programmes: ProgrammeHolder,
    sessionmaker: async_sessionmaker[AsyncSession],
    texts: Texts,
    campaigns: CampaignTimetable,
    cards: CardSigner,
    storage: BaseStorage | None = None,
    isolation: BaseEventIsolation | None = None,
    flood: FloodLimit = HUMAN_PACE,
    buckets: Buckets | None = None,
    wake_outbox: Callable[[], None] = lambda: None,
) -> Dispatcher:
    """Everything a handler may ask for by name is put into the dispatcher's workflow data here (and `programme`,
    the version in force, into each update's data by `CurrentProgramme`)."""
    sales_desk = SalesDesk(sessionmaker, programmes, cards)
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        events_isolation=isolation or DisabledEventIsolation(),
        owners=settings.admin_ids,  # handlers get the owners' ids, not the whole configuration
        sessionmaker=sessionmaker,
        texts=texts,
        campaigns=campaigns,  # handlers schedule and cancel campaigns through it, typed by the port they declare
        cards=cards,
        sales_desk=sales_desk,
        console_url=settings.console_url,  # None while the console is off
    )
    dispatcher.shutdown.register(sales_desk.close)
    # Outermost, so that every update is counted and timed, whatever the next ones make of it.
    dispatcher.update.outer_middleware(UpdateMetrics())
    # Before anything reads or writes: groups and channels see nothing, and nothing of theirs is recorded.
    dispatcher.update.outer_middleware(CurrentProgramme(programmes))
    dispatcher.update.outer_middleware(PrivateChatsOnly(texts))
    is_staff = staff_check(sessionmaker, settings.admin_ids)
    dispatcher.update.outer_middleware(ThrottleMiddleware(texts, flood, is_staff, buckets))
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(sessionmaker, wake_outbox))
    dispatcher.update.outer_middleware(ContextMiddleware(texts, settings.admin_ids))
    dispatcher.include_router(build_router(texts))
    return dispatcher
