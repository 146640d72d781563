"""Group commit for sales: sales arriving together share one transaction, and each caller hears its own outcome.

A busy shop has many tills; on SQLite every transaction takes the one write lock, and each statement through the
async driver costs a hop to its thread, so a transaction per sale spends most of its time waiting and hopping.
The desk queues sales while a batch is being written and writes the next batch (everything queued, up to
`max_batch`) with `record_sales`: a fixed number of statements and one commit for the whole batch. A caller's
`record` returns only after the commit that holds its sale, so a returned sale is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.programme import Programme
from models.core.uow import transaction
from models.members.cards import CardSigner
from models.till.sales import SaleRequest, SaleResult, record_sales

log = logging.getLogger(__name__)
MAX_BATCH = 256

_Waiting = tuple[SaleRequest, "asyncio.Future[SaleResult]"]


class SalesDesk:
    """Records sales through group commit; one desk per process, shared by every handler."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        programme: Callable[[], Programme],
        cards: CardSigner,
        *,
        max_batch: int = MAX_BATCH,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.programme = programme
        self.cards = cards
        self.max_batch = max_batch
        self.clock = clock
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, request: SaleRequest) -> SaleResult:
        """The sale's outcome once it is committed; a refusal is raised as its DomainError."""
        future: asyncio.Future[SaleResult] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # A caller that gives up (its future cancelled) does not stop the batch: its sale is recorded all the same.
        return await future

    async def close(self) -> None:
        """Wait for the sales already handed in."""
        if self._writer is not None:
            await self._writer

    async def _write_all(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            await self._write(batch)

    async def _write(self, batch: list[_Waiting], retry: bool = True) -> None:
        try:
            async with transaction(self.sessionmaker) as session:
                outcomes = await record_sales(
                    session, self.programme(), self.cards, [request for request, _ in batch], self.clock()
                )
        except Exception as exc:  # a key taken by another process meanwhile, a lost connection...
            if len(batch) > 1 or retry:
                # One by one (or once more): a failure then touches only its own sale, and a key taken
                # meanwhile is found on the second try and answered as "already recorded".
                log.warning("sales batch of %d failed (%s); writing them one by one", len(batch), exc)
                for waiting in batch:
                    await self._write([waiting], retry=len(batch) > 1)
                return
            if not batch[0][1].cancelled():
                batch[0][1].set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.cancelled():
                continue
            if isinstance(outcome, DomainError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
