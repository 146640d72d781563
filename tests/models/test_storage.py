"""Storage guarantees that hold whatever code runs against the database."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, delete, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models.core.base import table_of
from models.core.db import checkpoint
from models.core.outbox import OutboxMessage
from models.core.programme import Programme
from models.core.sqlite_trips import write_later, write_with_next
from models.members.registry import Member
from models.points import ledger
from models.points.ledger import LedgerEntry
from models.till.limits import StaffDay
from tests.support.members import enrol_member

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def new_member(session: AsyncSession, programme: Programme) -> int:
    return await enrol_member(session, programme, 1, now=NOW)


class TestSqlitePragmas:
    async def test_wal_busy_timeout_and_foreign_keys(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite connection settings")
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 10_000
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1

    async def test_a_checkpoint_leaves_committed_work_in_the_database_file_itself(
        self, engine: AsyncEngine, session: AsyncSession, programme: Programme, tmp_path: Path
    ) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write-ahead log")
        await new_member(session, programme)
        await session.commit()
        database = Path(engine.url.database or "")

        def members_in_file_alone() -> int:
            copy = tmp_path / "copy.db"  # the file without its -wal companion, as a careless backup would take it
            shutil.copyfile(database, copy)
            with closing(sqlite3.connect(copy)) as db:
                return int(db.execute("SELECT count(*) FROM members").fetchone()[0])

        assert members_in_file_alone() == 0  # the new member is still only in the log
        await checkpoint(engine)
        assert members_in_file_alone() == 1


class Trips:
    """Counts the calls a session's connection sends to aiosqlite's thread while it is entered."""

    driver: Any  # aiosqlite's connection

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.count = 0

    async def __aenter__(self) -> Trips:
        self.driver = (await (await self.session.connection()).get_raw_connection()).driver_connection
        self.execute = self.driver._execute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await self.execute(*args, **kwargs)

        self.driver._execute = counted
        return self

    async def __aexit__(self, *_: object) -> None:
        self.driver._execute = self.execute


def sqlite_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("aiosqlite's thread")


class TestOneTripPerStatement:
    """On SQLite each statement goes to the driver's thread once (`models.core.sqlite_trips`), and reads as before."""

    async def test_each_statement_is_one_trip_to_the_drivers_thread(
        self, engine: AsyncEngine, session: AsyncSession, programme: Programme
    ) -> None:
        sqlite_only(engine)
        member_id = await new_member(session, programme)
        await session.commit()
        async with Trips(session) as trips:
            await session.execute(update(Member).where(Member.id == member_id).values(balance=5))
            assert (await session.execute(text("SELECT balance FROM members"))).scalar() == 5
            await session.execute(text("SELECT 1 WHERE 0"))
        assert trips.count == 3  # where a cursor opened, executed, fetched and closed took three or four each

    async def test_row_counts_returned_rows_and_errors_read_as_the_driver_gives_them(
        self, engine: AsyncEngine, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme)
        changed = await session.execute(update(Member).where(Member.id >= member_id).values(balance=7))
        assert getattr(changed, "rowcount", None) == 1
        rows = await session.execute(
            text("UPDATE members SET balance = balance + 1 WHERE id = :id RETURNING id, balance"), {"id": member_id}
        )
        assert [tuple(row) for row in rows] == [(member_id, 8)]
        with pytest.raises(IntegrityError):
            await session.execute(text("UPDATE members SET balance = -1 WHERE id = :id"), {"id": member_id})


# A write marked to travel with the next statement, as the batches of sales mark theirs.
SET_BALANCE = write_with_next(
    update(table_of(Member)).where(table_of(Member).c.id == bindparam("member")).values(balance=bindparam("balance"))
)
BALANCE = text("SELECT balance FROM members WHERE id = :member")


async def committed_balance(sessionmaker: async_sessionmaker[AsyncSession], member_id: int) -> int:
    """The member's balance as another connection reads it: what was committed."""
    async with sessionmaker() as other:
        return int((await other.execute(BALANCE, {"member": member_id})).scalar_one())


class TestWritesTravelWithTheNextStatement:
    """On SQLite a transaction's BEGIN, and the writes marked `write_with_next`, go to the driver's thread with the
    next statement or with the COMMIT; what the transaction reads and what it commits are as if each had gone alone."""

    @pytest.fixture
    async def member_id(self, engine: AsyncEngine, session: AsyncSession, programme: Programme) -> int:
        """A member with their starting balance, committed; the session is then between transactions."""
        sqlite_only(engine)
        member_id = await new_member(session, programme)
        await session.commit()
        return member_id

    async def test_a_marked_write_waits_and_the_next_statement_reads_it(
        self, session: AsyncSession, member_id: int
    ) -> None:
        async with Trips(session) as trips:
            await session.execute(SET_BALANCE, {"member": member_id, "balance": 5})
            assert trips.count == 0
            assert (await session.execute(BALANCE, {"member": member_id})).scalar() == 5
            assert trips.count == 1  # the BEGIN, the write and the read

    async def test_marked_writes_go_with_the_commit_and_are_committed(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, member_id: int
    ) -> None:
        async with Trips(session) as trips:
            await session.execute(SET_BALANCE, [{"member": member_id, "balance": 7}])
            await session.execute(SET_BALANCE, {"member": member_id, "balance": 9})
            await session.commit()
        assert trips.count == 1
        assert await committed_balance(sessionmaker, member_id) == 9

    async def test_a_marked_write_that_breaks_a_rule_fails_the_commit_and_nothing_stays(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, member_id: int
    ) -> None:
        before = await committed_balance(sessionmaker, member_id)
        await session.execute(SET_BALANCE, {"member": member_id, "balance": 11})
        await session.execute(SET_BALANCE, {"member": member_id, "balance": -1})  # a balance is never negative
        with pytest.raises(IntegrityError):
            await session.commit()
        await session.rollback()
        assert await committed_balance(sessionmaker, member_id) == before

    async def test_a_rollback_drops_the_marked_writes_without_a_trip(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, member_id: int
    ) -> None:
        before = await committed_balance(sessionmaker, member_id)
        async with Trips(session) as trips:
            await session.execute(SET_BALANCE, {"member": member_id, "balance": 13})
            await session.rollback()
        assert trips.count == 0  # nothing had begun
        assert (await session.execute(BALANCE, {"member": member_id})).scalar() == before

    async def test_a_transaction_that_runs_nothing_makes_no_trip(self, session: AsyncSession, member_id: int) -> None:
        async with Trips(session) as trips:
            await session.commit()
        assert trips.count == 0

    async def test_a_streamed_read_sees_the_writes_marked_before_it(
        self, session: AsyncSession, member_id: int
    ) -> None:
        await session.execute(SET_BALANCE, {"member": member_id, "balance": 17})
        streamed = await session.stream(BALANCE, {"member": member_id})
        assert [row async for row in streamed.scalars()] == [17]

    async def test_only_a_write_that_returns_nothing_may_wait(self, session: AsyncSession, member_id: int) -> None:
        members = table_of(Member)
        with pytest.raises(ValueError, match="returns nothing"):
            await session.execute(write_with_next(select(members.c.balance)))
        returning = update(members).where(members.c.id == member_id).values(balance=3).returning(members.c.balance)
        with pytest.raises(ValueError, match="returns nothing"):
            await session.execute(write_with_next(returning))

    async def test_elsewhere_a_marked_write_runs_at_once(
        self, engine: AsyncEngine, session: AsyncSession, programme: Programme
    ) -> None:
        if engine.dialect.name == "sqlite":
            pytest.skip("the mark is for SQLite's driver")
        member_id = await new_member(session, programme)
        await session.commit()
        with pytest.raises(IntegrityError):  # at the statement itself, not at the commit
            await session.execute(SET_BALANCE, {"member": member_id, "balance": -1})


# Rows of every kind a column here takes: a JSON document, an instant, a date, text, integers and nothing.
MESSAGES = table_of(OutboxMessage)
ADD_MESSAGES = write_with_next(insert(MESSAGES))
DAYS = table_of(StaffDay)
ADD_DAYS = write_with_next(insert(DAYS))


def message(chat_id: int | None, **more: object) -> dict[str, object]:
    row = {"chat_id": chat_id, "kind": "notice", "payload": {"points": 5, "text": "Привет"}, "created_at": NOW}
    return {**row, **more}


async def stored(session: AsyncSession, query: str) -> list[tuple[Any, ...]]:
    """Rows as the database keeps them (SQLite: the very text of an instant or a document), not as SQLAlchemy
    reads them back: what other statements compare with."""
    return [tuple(row) for row in await session.execute(text(query))]


class TestWriteLater:
    """`write_later` adds rows with a marked write; on SQLite it binds them itself, and what it stores must be what
    SQLAlchemy's own execution would have stored."""

    @pytest.fixture
    async def member_id(self, session: AsyncSession, programme: Programme) -> int:
        """A member, committed; the session is then between transactions."""
        member_id = await new_member(session, programme)
        await session.commit()
        return member_id

    async def test_rows_are_stored_as_an_ordinary_insert_stores_them(self, session: AsyncSession) -> None:
        day = NOW.date()
        await write_later(session, ADD_MESSAGES, [message(1, attempts=0), message(None, attempts=0)])
        await session.execute(insert(MESSAGES), [message(3), message(None)])
        await write_later(session, ADD_DAYS, [{"staff_id": 7, "day": day, "points": 10}])
        await session.execute(insert(DAYS), [{"staff_id": 8, "day": day, "points": 10}])
        await session.commit()
        messages = await stored(session, "SELECT chat_id, kind, payload, created_at, attempts FROM outbox ORDER BY id")
        later, ordinary = messages[:2], messages[2:]
        assert [row[1:] for row in later] == [row[1:] for row in ordinary]
        assert [row[0] for row in later] == [1, None]
        days = await stored(session, "SELECT day, points FROM staff_days ORDER BY staff_id")
        assert days[0] == days[1]

    async def test_a_marked_update_takes_its_rows_values(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
    ) -> None:
        first, second = await new_member(session, programme), await enrol_member(session, programme, 2, now=NOW)
        await session.commit()
        rows = [{"member": first, "balance": 21}, {"member": second, "balance": 22}]
        await write_later(session, SET_BALANCE, rows)
        await session.commit()
        assert await committed_balance(sessionmaker, first) == 21
        assert await committed_balance(sessionmaker, second) == 22

    async def test_on_sqlite_the_rows_skip_sqlalchemys_execution(
        self, engine: AsyncEngine, session: AsyncSession, member_id: int
    ) -> None:
        sqlite_only(engine)
        executed: list[str] = []

        def noted(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            executed.append(statement.split(" (")[0])

        event.listen(engine.sync_engine, "before_cursor_execute", noted)
        try:
            await write_later(session, SET_BALANCE, [{"member": member_id, "balance": 5}])
            await write_later(session, ADD_MESSAGES, [message(1)])  # a default left out: SQLAlchemy fills it in
            await session.commit()
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", noted)
        assert executed == ["INSERT INTO outbox"]  # the update went straight to the driver

    async def test_on_sqlite_the_rows_wait_for_the_next_statement(
        self, engine: AsyncEngine, session: AsyncSession, member_id: int
    ) -> None:
        sqlite_only(engine)
        async with Trips(session) as trips:
            await write_later(session, SET_BALANCE, [{"member": member_id, "balance": 5}])
            assert trips.count == 0
            assert (await session.execute(BALANCE, {"member": member_id})).scalar() == 5
            assert trips.count == 1

    async def test_a_row_that_breaks_a_rule_fails_the_commit_and_nothing_stays(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, member_id: int
    ) -> None:
        before = await committed_balance(sessionmaker, member_id)

        async def write_and_commit() -> None:
            await write_later(session, SET_BALANCE, [{"member": member_id, "balance": -1}])
            await session.commit()

        with pytest.raises(IntegrityError):  # at the commit on SQLite, at once elsewhere
            await write_and_commit()
        await session.rollback()
        assert await committed_balance(sessionmaker, member_id) == before

    async def test_a_column_default_left_out_is_still_filled(self, session: AsyncSession) -> None:
        await write_later(session, ADD_MESSAGES, [message(1)])  # no `attempts`: the column's default, 0
        await session.commit()
        assert await stored(session, "SELECT chat_id, attempts FROM outbox") == [(1, 0)]

    async def test_only_a_marked_write_is_taken(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="write_with_next"):
            await write_later(session, insert(MESSAGES), [message(1)])


class TestLedgerIsAppendOnly:
    async def test_an_entry_cannot_be_edited(self, session: AsyncSession, programme: Programme) -> None:
        await new_member(session, programme)
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(update(LedgerEntry).values(amount=1_000_000))
        await session.rollback()

    async def test_an_entry_cannot_be_deleted(self, session: AsyncSession, programme: Programme) -> None:
        await new_member(session, programme)
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(delete(LedgerEntry))
        await session.rollback()

    async def test_balance_cannot_go_negative_even_bypassing_the_domain(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme)
        with pytest.raises(IntegrityError):
            await session.execute(update(Member).where(Member.id == member_id).values(balance=-1))
        await session.rollback()

    async def test_foreign_keys_are_enforced(self, session: AsyncSession) -> None:
        with pytest.raises(IntegrityError):
            await session.execute(
                text(
                    "INSERT INTO consent_events (member_id, purpose, version, granted, at) "
                    "VALUES (424242, 'terms', '1', true, CURRENT_TIMESTAMP)"
                )
            )
        await session.rollback()


class TestLedgerPrimitives:
    async def test_same_key_credits_once(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme)
        expires = NOW + timedelta(days=30)
        first = await ledger.credit(
            session,
            member_id=member_id,
            points=50,
            kind="bonus",
            reason="r",
            key="k1",
            now=NOW,
            zone=UTC,
            expires_at=expires,
        )
        again = await ledger.credit(
            session,
            member_id=member_id,
            points=50,
            kind="bonus",
            reason="r",
            key="k1",
            now=NOW,
            zone=UTC,
            expires_at=expires,
        )
        await session.commit()
        assert first.created
        assert not again.created
        assert again.entry_id == first.entry_id
        assert await ledger.entries_sum(session, member_id) == programme.bonuses.welcome + 50

    async def test_debit_spends_oldest_lots_first(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme)  # welcome lot expires in a year
        await ledger.credit(
            session,
            member_id=member_id,
            points=40,
            kind="bonus",
            reason="r",
            key="soon",
            now=NOW,
            zone=UTC,
            expires_at=NOW + timedelta(days=10),
        )
        await ledger.debit(
            session, member_id=member_id, points=60, kind="redeem", reason="r", key="d1", now=NOW, zone=UTC
        )
        lots = await ledger.live_lots(session, member_id, NOW)
        assert [(lot.remaining, lot.expires_at) for lot in lots] == [
            (programme.bonuses.welcome - 20, NOW + timedelta(days=programme.expiry.days))
        ]
