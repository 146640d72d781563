"""The unit of work: an update's effects commit with the record that it was handled, or not at all; messages about
them wait in the outbox until sent; readers never wait for writers on SQLite."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core import outbox, updates
from models.core.programme import Programme
from models.core.uow import UnitOfWork, transaction, writing
from models.core.updates import HandledUpdate, UpdateWork
from models.members.registry import Member
from tests.support.members import enrol_member

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
# The unit of work itself, and the SQLite driver's adapter that carries out what SQLAlchemy asks of the connection;
# nothing else in the domain or the interface ends a transaction.
UNITS = {Path("models/core/uow.py"), Path("models/core/updates.py"), Path("models/core/sqlite_trips.py")}


def transaction_ends(path: Path) -> list[str]:
    """Every `<anything>.commit()` or `.rollback()` call in a module, as `file:line`."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


class TestOnePlaceEndsTransactions:
    def test_no_domain_module_or_handler_commits_or_rolls_back(self) -> None:
        modules = [*(ROOT / "models").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]
        found = [end for path in modules if path.relative_to(ROOT) not in UNITS for end in transaction_ends(path)]
        assert found == [], f"transactions end only in the unit of work (models.core.uow): {found}"

    def test_the_check_finds_a_commit(self) -> None:
        sample = ROOT / "models" / "core" / "uow.py"
        assert transaction_ends(sample), "the unit of work commits, so the check must see it"


async def count(sessionmaker: async_sessionmaker[AsyncSession], table: type[HandledUpdate] | type[Member]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


class TestUpdateWork:
    async def test_effects_and_the_record_commit_together(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async with UpdateWork(sessionmaker, 7) as work:
            assert not await work.handled_before()
            await enrol_member(work.session, programme, 1, now=NOW)
            await work.settle(NOW)
        assert await count(sessionmaker, Member) == 1
        async with UpdateWork(sessionmaker, 7) as again:
            assert await again.handled_before()

    async def test_an_update_left_unsettled_changes_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async with UpdateWork(sessionmaker, 8) as work:
            await enrol_member(work.session, programme, 1, now=NOW)
        assert await count(sessionmaker, Member) == 0
        assert await count(sessionmaker, HandledUpdate) == 0

    async def test_effects_written_after_settling_are_not_lost(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async with UpdateWork(sessionmaker, 9) as work:
            await work.settle(NOW)
            await enrol_member(work.session, programme, 1, now=NOW)
            await work.settle(NOW)
        assert await count(sessionmaker, Member) == 1
        assert await count(sessionmaker, HandledUpdate) == 1

    async def test_follow_ups_run_after_the_update_in_units_of_their_own(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async def someone_joins(session: AsyncSession) -> None:
            await enrol_member(session, programme, 2, now=NOW)

        async with UpdateWork(sessionmaker, 10) as work:
            work.follow_up(someone_joins)
            await work.settle(NOW)
        await work.run_follow_ups()
        assert await count(sessionmaker, Member) == 1

    async def test_purge_forgets_only_old_updates(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with transaction(sessionmaker) as session:
            await session.execute(insert(HandledUpdate), [updates.record(1, NOW - updates.KEEP - timedelta(hours=1))])
            await session.execute(insert(HandledUpdate), [updates.record(2, NOW)])
            await updates.purge(session, NOW)
        assert await count(sessionmaker, HandledUpdate) == 1


class TestReadingAndWriting:
    async def test_a_reader_does_not_wait_for_a_writer(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async with transaction(sessionmaker) as session:
            await enrol_member(session, programme, 1, now=NOW)
        async with sessionmaker() as writer:
            await writing(writer)
            await writer.execute(select(Member.id).with_for_update())  # holds the write lock (SQLite: IMMEDIATE)
            async with UnitOfWork(sessionmaker) as reader, asyncio.timeout(2):
                assert await reader.session.scalar(select(func.count()).select_from(Member)) == 1

    async def test_turning_to_writing_keeps_nothing_half_done(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        async with UnitOfWork(sessionmaker) as unit:
            assert await unit.session.scalar(select(func.count()).select_from(Member)) == 0
            await writing(unit.session)
            await enrol_member(unit.session, programme, 1, now=NOW)
            assert unit.wrote
            await unit.commit()
            assert not unit.wrote
        assert await count(sessionmaker, Member) == 1


class TestOutbox:
    async def test_a_message_is_tried_at_most_twice(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        message = outbox.Message(5, outbox.ENTRY, {"language": "en"})
        async with transaction(sessionmaker) as session:
            await outbox.post(session, [message], NOW)
        tries = []
        for minute in range(4):  # each claim abandoned, as by a sender that died mid-send
            async with transaction(sessionmaker) as session:
                tries.extend(await outbox.claim(session, NOW + minute * (outbox.LEASE + timedelta(seconds=1))))
        assert [pending.message for pending in tries] == [message, message]

    async def test_a_live_claim_is_not_taken_twice(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with transaction(sessionmaker) as session:
            await outbox.post(session, [outbox.Message(None, outbox.LIMIT_BREACH, {"cashier": 1})], NOW)
        async with transaction(sessionmaker) as session:
            first = await outbox.claim(session, NOW)
        async with transaction(sessionmaker) as session:
            assert await outbox.claim(session, NOW + timedelta(seconds=5)) == []
            await outbox.sent(session, [pending.id for pending in first])
            assert await outbox.depth(session) == 0
