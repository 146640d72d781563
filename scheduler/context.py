"""What every scheduled job is given: the same services the handlers use."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers.i18n import Texts
from models.core.programme import Programme


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    programme: Programme
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    texts: Texts
