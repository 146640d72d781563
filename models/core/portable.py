"""The few SQL functions SQLite and PostgreSQL spell differently, as constructs that compile for either backend.

Analytics run in the database on both, so time arithmetic is done on whole seconds since the epoch: a timestamp is
turned into epoch seconds once, shifted into the business time zone by a CASE over that zone's offset changes, and
divided into days, weekdays and hours with integer arithmetic that both backends agree on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, Integer, String, Table, case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON

EPOCH_DAY = date(1970, 1, 1)
DAY = 86_400
ZONE_HISTORY = timedelta(days=3 * 366)  # older purchases use the oldest offset in this span: habits are recent


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a stored timestamp."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"unixepoch({compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class day_to_date(FunctionElement[date]):
    """The date of a day number (days since 1970-01-01)."""

    type = Date()
    inherit_cache = True
    name = "day_to_date"


@compiles(day_to_date, "sqlite")
def _date_sqlite(element: day_to_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date(({compiler.process(element.clauses, **kw)}) * {DAY}, 'unixepoch')"


@compiles(day_to_date, "postgresql")
def _date_postgresql(element: day_to_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(DATE '1970-01-01' + CAST({compiler.process(element.clauses, **kw)} AS INTEGER))"


class date_to_day(FunctionElement[int]):
    """The day number (days since 1970-01-01) of a date."""

    type = Integer()
    inherit_cache = True
    name = "date_to_day"


@compiles(date_to_day, "sqlite")
def _day_sqlite(element: date_to_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(date_to_day, "postgresql")
def _day_postgresql(element: date_to_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


class bit(FunctionElement[int]):
    """2 to the power n as a 64-bit integer (PostgreSQL shifts a BIGINT only by an INTEGER; SQLite needs no casts)."""

    type = BigInteger()
    inherit_cache = True
    name = "bit"


@compiles(bit, "sqlite")
def _bit_sqlite(element: bit, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(1 << ({compiler.process(element.clauses, **kw)}))"


@compiles(bit, "postgresql")
def _bit_postgresql(element: bit, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(CAST(1 AS BIGINT) << CAST({compiler.process(element.clauses, **kw)} AS INTEGER))"


class json_text(FunctionElement[Any]):
    """A JSON document built as text, stored in a JSON column (SQLite keeps the text; PostgreSQL needs the cast)."""

    type = JSON()
    inherit_cache = True
    name = "json_text"


@compiles(json_text, "sqlite")
def _json_sqlite(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(json_text, "postgresql")
def _json_postgresql(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS JSON)"


class iso_instant(FunctionElement[str]):
    """A stored timestamp as ISO 8601 text in UTC to the second (`2026-11-30T09:15:00Z`), formatted by the database
    so that an export of millions of rows does not build a datetime for each."""

    type = String()
    inherit_cache = True
    name = "iso_instant"


@compiles(iso_instant, "sqlite")
def _iso_sqlite(element: iso_instant, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(iso_instant, "postgresql")
def _iso_postgresql(element: iso_instant, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


class money_text(FunctionElement[str]):
    """Whole cents as text in currency units with two decimals (`1250` -> `12.50`), formatted by the database for
    the same reason as `iso_instant`."""

    type = String()
    inherit_cache = True
    name = "money_text"


@compiles(money_text, "sqlite")
def _money_sqlite(element: money_text, compiler: SQLCompiler, **kw: Any) -> str:
    # A whole number of cents over 100 is within far less than half a cent of the double printed, so `%.2f` gives
    # the cents back exactly.
    return f"printf('%.2f', {compiler.process(element.clauses, **kw)} / 100.0)"


@compiles(money_text, "postgresql")
def _money_postgresql(element: money_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} / 100.0, 'FM999999999999990.00')"


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def offset_changes(zone: ZoneInfo, now: datetime) -> list[tuple[int, int]]:
    """(epoch second from which it holds, UTC offset in seconds) for the zone, oldest first, over ZONE_HISTORY."""

    def offset(at: datetime) -> int:
        shift = at.astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift else 0

    start = (now - ZONE_HISTORY).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    changes = [(int(start.timestamp()), offset(start))]
    day = start
    while day < now + timedelta(days=1):
        following = day + timedelta(days=1)
        if offset(following) != changes[-1][1]:
            hour = day
            while offset(hour) == changes[-1][1]:
                hour += timedelta(hours=1)
            changes.append((int(hour.timestamp()), offset(hour)))
        day = following
    return changes


def local_seconds(epoch: ColumnElement[int], zone: ZoneInfo, now: datetime) -> ColumnElement[int]:
    """Epoch seconds moved into the business zone, so that `// DAY` is the local day and the rest the local time."""
    changes = offset_changes(zone, now)
    if len(changes) == 1:
        return epoch + changes[0][1]
    newest_first = [(epoch >= since, literal(shift, Integer)) for since, shift in reversed(changes[1:])]
    return epoch + case(*newest_first, else_=literal(changes[0][1], Integer))


def dialect_of(session: AsyncSession) -> str:
    """The name of the session's database dialect: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


def upsert_into(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the dialect of the session's database (both spell it the same)."""
    return dialect_insert(dialect_of(session), table)


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT in the named dialect, for a statement built once per database kind."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
