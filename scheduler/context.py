"""What every scheduled job is given: the same services the handlers use, and the plain settings jobs need.

`bot` builds it from its validated `Settings`; jobs never read configuration themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.i18n import Texts
from models.core.programme import Programme


@dataclass(frozen=True)
class JobContext:
    programme: Programme
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    texts: Texts
    broadcast_rate: float  # campaign messages per second, at most
    owners: frozenset[int]  # the Telegram ids of the programme's owners, who hear of cashiers' refused attempts
