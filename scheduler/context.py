"""What every scheduled job is given: the same services the handlers use, and the plain settings jobs need.

`bot` builds it from its validated `Settings`; jobs never read configuration themselves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiogram import Bot
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.i18n import Texts
from models.core.programme import Programme
from models.core.programme_versions import ProgrammeHolder


@dataclass(frozen=True)
class JobContext:
    programmes: ProgrammeHolder  # jobs read `programme`, the version in force when they look
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    texts: Texts
    broadcast_rate: float  # campaign messages per second, at most
    owners: frozenset[int]  # the Telegram ids of the programme's owners, who hear of cashiers' refused attempts
    redis: Redis | None = None  # what the processes of one bot share (their campaign pace), when there are several
    # Rung after a commit that may have left messages in the outbox, so that its sender goes to work at once.
    outbox_bell: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def programme(self) -> Programme:
        return self.programmes.programme
