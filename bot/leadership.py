"""One leader among the bot's processes: the one that runs the scheduled jobs.

On PostgreSQL the leader is whoever holds a session-level advisory lock, taken on a connection kept for that alone
(in autocommit, so it never holds a transaction open). The lock lives as long as that connection: when the leader
dies, PostgreSQL sees its socket close and frees the lock, and a follower, trying every `RETRY_SECONDS`, takes over
well within 30 s. A leader that loses its connection (the database restarted) steps down and tries again like any
follower. SQLite is one process's database: that process simply leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.core.db import LEADER_LOCK

RETRY_SECONDS = 3.0  # how often a follower tries the lock, and a leader checks it still holds it
CHECK_SECONDS = 5.0  # how long one try or check may take
log = logging.getLogger(__name__)

Transition = Callable[[], Awaitable[None]]


class Leadership:
    def __init__(self, engine: AsyncEngine, *, elected: Transition, deposed: Transition) -> None:
        self.engine = engine
        self.elected = elected
        self.deposed = deposed
        self.leading = False
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try once now (so that a lone process leads before it serves anything), then keep trying, or keep
        checking, in the background."""
        await self._step()
        self._task = asyncio.create_task(self._watch(), name="leadership")

    async def stop(self) -> None:
        """Give the lock up (by closing its connection), so that another process takes over at its next try."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=CHECK_SECONDS)
        await self._release()
        self.leading = False

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            try:
                await self._step()
            except Exception:
                log.exception("leadership: a step failed; trying again shortly")

    async def _step(self) -> None:
        holds = await self._holds_lock()
        if holds and not self.leading:
            self.leading = True
            log.info("leading: this process runs the scheduled jobs")
            await self.elected()
        elif not holds and self.leading:
            self.leading = False
            log.warning("no longer leading: lost the connection that held the leader's lock")
            await self.deposed()

    async def _holds_lock(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                if self._connection is None:
                    connection = await self.engine.connect()
                    self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                if self.leading:
                    await self._connection.execute(text("SELECT 1"))
                    return True
                taken = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK})
                return bool(taken)
        except Exception as exc:  # the database is away: nobody can be sure of leading, least of all us
            log.info("leadership: database unavailable (%s)", type(exc).__name__)
            await self._release()
            return False

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # not back to the pool: the lock must go with the socket
                await connection.close()
