"""The unit of work: one transaction, opened in one place and ended once by whoever opened it.

Domain functions take its session and never commit or roll back. A unit opened for reading starts a DEFERRED
transaction on SQLite, which takes no lock, so that reading never waits for the till; the first domain function that
writes calls `writing(session)`, which turns it into a writing one: on SQLite the reads are ended (they changed
nothing) and an IMMEDIATE transaction takes the write lock up front, so that writers queue instead of failing
mid-way. On PostgreSQL the same code keeps one transaction throughout. The owner (an update's middleware, a job's
step, the sales desk) commits; leaving without a commit rolls everything back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core.db import DEFERRED, IMMEDIATE, SQLITE_BEGIN

# Long runs (the nightly analytics, an audience frozen chunk by chunk) take a checkpoint from their runner and call
# it between steps, so that their runner can commit there and the till never waits for the whole run.
Checkpoint = Callable[[], Awaitable[None]]


async def no_checkpoint() -> None:
    """For a run that is one transaction from start to end (tests, small runs)."""


_READING = "uow.reading"  # session.info flags: the unit began reading, and has turned to writing since
_WRITING = "uow.writing"


async def writing(session: AsyncSession) -> None:
    """Make the session's transaction one that may write; every domain function that writes calls it first."""
    if session.info.get(_WRITING):
        return
    session.info[_WRITING] = True
    if not session.info.get(_READING):
        return  # a session that began as a writer (jobs, tests, the sales desk)
    if session.in_transaction():
        await session.rollback()  # the reads so far changed nothing; the writer must start from the lock
    await session.connection(execution_options={SQLITE_BEGIN: IMMEDIATE})


class UnitOfWork:
    """One session whose transaction begins reading and turns to writing when a domain function says so."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.session = sessionmaker(execution_options={SQLITE_BEGIN: DEFERRED})
        self.session.info[_READING] = True
        self._after_commit: list[Callable[[], Awaitable[None] | None]] = []

    @property
    def wrote(self) -> bool:
        """Whether a writing transaction is open (and not yet committed)."""
        return bool(self.session.info.get(_WRITING))

    def after_commit(self, callback: Callable[[], Awaitable[None] | None]) -> None:
        """Run `callback` (awaiting it if it is a coroutine function) once the next commit has succeeded: for whoever
        acts on what was written, such as the campaign timetable."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        await self.session.commit()
        self.session.info[_WRITING] = False  # whatever comes next reads again until told otherwise
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            if (pending := callback()) is not None:
                await pending

    async def pause(self) -> None:
        """End a transaction that only read, handing its connection back while the caller waits on another writer
        (the sales desk); the next statement begins afresh."""
        if self.wrote:
            raise RuntimeError("a unit that wrote cannot pause: its writes would be lost")
        await self.session.rollback()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.session.info[_WRITING] = False
        self._after_commit = []

    async def close(self) -> None:
        """End the unit; whatever was not committed is rolled back."""
        await self.session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


@asynccontextmanager
async def transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One writing unit of work for a job's step (or a test's): committed when the block ends, rolled back if it
    raises."""
    async with sessionmaker() as session:
        yield session
        await session.commit()
