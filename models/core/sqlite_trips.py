"""One trip to aiosqlite's thread per statement.

aiosqlite runs every call on a connection in a thread of its own, and SQLAlchemy's adapter goes there for each step
of a statement: open a cursor, execute, fetch the rows, close it (three or four trips). Each trip is a hand-off
between the event loop's thread and the driver's, and costs more CPU than most of our statements take to run: a
batch of the till's group commit made about 34 of them. `OneTripCursor` does every step of a statement in one trip
and keeps what SQLAlchemy asks afterwards (the rows, their description, the row count, the last row id).

What a statement owes before it runs travels with it (`_Owed`). A transaction's BEGIN is sent with its first
statement (`begin_with_next_statement`): a transaction that never runs one never begins, and its COMMIT or ROLLBACK
has nothing to do. A write marked `WRITE_WITH_NEXT` is sent with the next statement, which therefore reads it, or
with the COMMIT: a batch of sales writes its purchases, audit lines, messages and counters in the COMMIT's trip.
Such a write has no answer of its own (no rows returned, no row count) and fails, when it does, at that next
statement or at the COMMIT, in the same transaction: mark only writes whose caller needs neither on the spot (a
savepoint's insert, whose clash is caught where it runs, is not marked).

Rows of a marked write given to `write_later` skip SQLAlchemy's execution altogether: the statement is compiled once
for the keys the rows carry, and each row is bound by position with the columns' own processing, straight onto what is
owed. SQLAlchemy's execution of a batch costs more per row than SQLite's insert of it; a sale with its stamp cards
and points paid writes about nine rows.

Server-side cursors (results streamed as they are read) keep SQLAlchemy's own cursor, which must stay open; what is
owed goes to the driver's thread on its own before one. Other databases are untouched: on them the mark means nothing,
and `write_later` executes as usual.
"""

from __future__ import annotations

import collections
import sqlite3
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Dialect, Executable, Insert, Update
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any]]
_Statement = TypeVar("_Statement", bound=Executable)

WRITE_WITH_NEXT = "write_with_next"  # the execution option that marks a write to send with the next statement


def write_with_next(statement: _Statement) -> _Statement:
    """`statement`, marked to travel with the next statement on SQLite (see the module)."""
    return statement.execution_options(**{WRITE_WITH_NEXT: True})


@dataclass
class _Owed:
    """What runs before the next statement on a connection: the BEGIN not sent yet, and the writes marked since."""

    begin: str | None = None
    writes: list[tuple[str, Any, bool]] = field(default_factory=list)  # statement, parameters, many

    def settle(self, connection: sqlite3.Connection) -> None:
        """In the driver's thread."""
        if self.begin is not None:
            connection.execute(self.begin)
        for operation, parameters, many in self.writes:
            if many:
                connection.executemany(operation, parameters)
            else:
                connection.execute(operation, () if parameters is None else parameters)


# By aiosqlite connection (SQLAlchemy's adapters are slotted and take no attributes): what is owed, and whether a
# BEGIN has gone to the driver's thread since the last COMMIT or ROLLBACK (kept here, in the order the calls are
# queued, rather than asked of SQLite, whose answer a call still running would make stale).
_OWED: weakref.WeakKeyDictionary[object, _Owed] = weakref.WeakKeyDictionary()
_BEGUN: weakref.WeakSet[object] = weakref.WeakSet()


def _take_owed(driver: object) -> _Owed | None:
    """What is owed on this connection, to send now."""
    owed = _OWED.pop(driver, None)
    if owed is not None and owed.begin is not None:
        _BEGUN.add(driver)
    return owed


def begin_with_next_statement(adapted: AsyncAdapt_aiosqlite_connection, begin: str) -> None:
    """Open the transaction with `begin` in the trip of its first statement rather than in a trip of its own."""
    _OWED[adapted._connection] = _Owed(begin)


def mark_written_with_next(cursor: Any, context: ExecutionContext) -> None:
    """Before each statement (an engine event): whether it is a write marked `WRITE_WITH_NEXT`."""
    if isinstance(cursor, OneTripCursor) and context.execution_options.get(WRITE_WITH_NEXT):
        _must_return_nothing(context.compiled)
        cursor._later = True


def _must_return_nothing(compiled: Any) -> None:
    """A marked write has no answer of its own: only an INSERT or UPDATE that returns nothing may be one."""
    if compiled is None or not (compiled.isinsert or compiled.isupdate) or compiled.effective_returning:
        raise ValueError("only an INSERT or UPDATE that returns nothing can wait for the next statement")


@dataclass(frozen=True)
class _Plan:
    """A marked write compiled for SQLite, and how a row given by keys becomes its positional parameters."""

    sql: str
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # each parameter's key and the column's processing

    def bind(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        columns = self.columns
        return [tuple([row[key] if process is None else process(row[key]) for key, process in columns]) for row in rows]


_PLANS: weakref.WeakKeyDictionary[Insert | Update, dict[tuple[str, ...], _Plan | None]] = weakref.WeakKeyDictionary()


def _plan(statement: Insert | Update, keys: tuple[str, ...], dialect: Dialect) -> _Plan | None:
    """The statement compiled for rows with these keys; None when it binds anything else (a value written in the
    statement, a column default), which SQLAlchemy's execution then handles."""
    plans = _PLANS.setdefault(statement, {})
    if keys not in plans:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
        _must_return_nothing(compiled)
        names = compiled.positiontup
        plans[keys] = (
            _Plan(
                compiled.string,
                tuple(
                    (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
                ),
            )
            if not compiled.escaped_bind_names and set(names) <= set(keys)
            else None
        )
    return plans[keys]


async def write_later(session: AsyncSession, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add these rows with a marked write (`write_with_next`), every row with the same keys: on SQLite they go with
    the next statement (see the module), elsewhere they run now. `statement` is built once (a module's constant):
    its compiled form is kept for as long as it lives."""
    if not rows:
        return
    if not statement.get_execution_options().get(WRITE_WITH_NEXT):
        raise ValueError("write_later takes a statement marked by write_with_next")
    driver, dialect = await _driver_of(session)
    plan = None if driver is None else _plan(statement, tuple(rows[0]), dialect)
    if driver is None or plan is None:
        await session.execute(statement, rows)
        return
    _OWED.setdefault(driver, _Owed()).writes.append((plan.sql, plan.bind(rows), True))


_DRIVER = "sqlite_trips.driver"  # in `Session.info`: the transaction, its aiosqlite connection, its dialect


async def _driver_of(session: AsyncSession) -> tuple[object | None, Dialect]:
    """The aiosqlite connection of the session's transaction (begun, if it was not), None on other databases; and
    the dialect. Asked of SQLAlchemy once per transaction: asking costs more than binding a row."""
    found = session.info.get(_DRIVER)
    if found is None or found[0] is not session.sync_session.get_transaction():
        connection = await session.connection()
        adapted = (await connection.get_raw_connection()).dbapi_connection
        driver = adapted._connection if isinstance(adapted, OneTripConnection) else None
        found = session.info[_DRIVER] = (session.sync_session.get_transaction(), driver, connection.dialect)
    return found[1], found[2]


def _run(connection: sqlite3.Connection, owed: _Owed | None, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In the driver's thread: what is owed, then the statement from cursor to close, and what SQLAlchemy reads."""
    if owed is not None:
        owed.settle(connection)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _settle_and_commit(connection: sqlite3.Connection, owed: _Owed) -> None:
    owed.settle(connection)
    connection.commit()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with no driver cursor kept open between statements."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_later", "_rowcount")
    _awaitable_cursor_close = False  # nothing is left open to close

    def __init__(self, adapt_connection: Any) -> None:
        super().__init__(adapt_connection)
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1
        self._later = False  # set per statement by `mark_written_with_next`

    def _make_new_cursor(self, connection: Any) -> Any:
        return None  # each statement opens (and closes) its own, in the driver's thread

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        driver = self._connection  # aiosqlite's connection; `_execute` queues a call for its thread
        if self._later:
            _OWED.setdefault(driver, _Owed()).writes.append((operation, parameters, many))
            self._description, self._rowcount, self._lastrowid, self._rows = None, -1, None, collections.deque()
            return
        async with self._adapt_connection._execute_mutex:
            owed = _take_owed(driver)
            outcome: _Outcome = await driver._execute(_run, driver._conn, owed, operation, parameters, many)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


class SettleFirstCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's server-side cursor, sending what is owed (see `_Owed`) first."""

    __slots__ = ()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        driver = self._adapt_connection._connection
        if (owed := _take_owed(driver)) is not None:
            await driver._execute(owed.settle, driver._conn)
        return await super()._execute_async(operation, parameters)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, whose cursors are `OneTripCursor`s (its layout is its parent's)."""

    __slots__ = ()
    _cursor_cls = OneTripCursor
    _ss_cursor_cls = SettleFirstCursor

    def commit(self) -> None:
        driver = self._connection
        owed = _OWED.pop(driver, None)
        if owed is not None and owed.writes:
            if owed.begin is not None:
                _BEGUN.add(driver)
            try:
                await_(driver._execute(_settle_and_commit, driver._conn, owed))
            except Exception as error:
                self._handle_exception(error)  # the transaction stays open, for the rollback to come
        elif driver in _BEGUN:
            super().commit()
        else:
            return  # its BEGIN was never sent: nothing began, nothing to end
        _BEGUN.discard(driver)

    def rollback(self) -> None:
        driver = self._connection
        _OWED.pop(driver, None)  # writes owed are dropped with the transaction
        if driver in _BEGUN:  # else nothing began (the pool's rollback after a COMMIT, for one): no trip
            try:
                super().rollback()
            finally:
                _BEGUN.discard(driver)
