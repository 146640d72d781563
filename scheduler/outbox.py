"""Sending the outbox: messages about committed effects go out after the commit, and at start-up whatever a
stopped process left unsent. The same idea as `models.core.outbox`, at the layer that talks to Telegram.

Messages are claimed a chunk at a time and deleted once the chunk is sent, so a process killed mid-chunk sends at
most that chunk again after a restart (and each message at most `outbox.MAX_ATTEMPTS` times in all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from handlers.notices import render, tell
from models.core import outbox
from models.core.base import utcnow
from models.core.uow import transaction
from models.team.staff import languages
from scheduler.context import JobContext

log = logging.getLogger(__name__)
CHUNK = 20
# Wakes come after every commit that may have left messages; this is the safety net for any that did not.
POLL_SECONDS = 5.0
STOP_SECONDS = 5.0


class OutboxSender:
    """One per process: drains the outbox when woken, and every few seconds."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self.context.outbox_bell.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Stop sending; what is left waits in the database for the next start. Never holds up a shutdown: the
        task gets a few seconds to end, and the caller's own cancellation is not swallowed."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_SECONDS)

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("sending the outbox failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.context.outbox_bell.wait(), POLL_SECONDS)
            self.context.outbox_bell.clear()

    async def drain(self) -> int:
        """Send everything waiting; the number of messages sent."""
        sent = 0
        while True:
            async with transaction(self.context.sessionmaker) as session:
                chunk = await outbox.claim(session, utcnow(), CHUNK)
                owners = await languages(session, self.context.owners) if chunk else {}
            if not chunk:
                return sent
            await asyncio.gather(*(self._send(pending.message, owners) for pending in chunk))
            async with transaction(self.context.sessionmaker) as session:
                await outbox.sent(session, [pending.id for pending in chunk])
            sent += len(chunk)

    async def _send(self, message: outbox.Message, owners: dict[int, str]) -> None:
        if message.chat_id is None:  # outbox.OWNERS
            recipients = list(owners.items())
        else:
            recipients = [(message.chat_id, message.payload.get("language", "en"))]
        for chat_id, language in recipients:
            text, markup = render(self.context.texts, self.context.programme, message, language)
            await tell(self.context.bot, chat_id, text, markup)
