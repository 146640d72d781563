"""One trip to aiosqlite's thread per statement.

aiosqlite runs every call on a connection in a thread of its own, and SQLAlchemy's adapter goes there for each step
of a statement: open a cursor, execute, fetch the rows, close it (three or four trips). Each trip is a hand-off
between the event loop's thread and the driver's, and costs more CPU than most of our statements take to run: a
batch of the till's group commit made about 34 of them. `OneTripCursor` does every step of a statement in one trip
and keeps what SQLAlchemy asks afterwards (the rows, their description, the row count, the last row id).

Server-side cursors (results streamed as they are read) keep SQLAlchemy's own cursor, which must stay open.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor

_Outcome = tuple[Any, int, int | None, list[Any]]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In the driver's thread: the statement from cursor to close, and what SQLAlchemy reads of it."""
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with no driver cursor kept open between statements."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False  # nothing is left open to close

    def __init__(self, adapt_connection: Any) -> None:
        super().__init__(adapt_connection)
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

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
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await driver._execute(_run, driver._conn, operation, parameters, many)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, whose cursors are `OneTripCursor`s (its layout is its parent's)."""

    __slots__ = ()
    _cursor_cls = OneTripCursor
