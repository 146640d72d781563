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


def _spelled(function: type[FunctionElement[Any]], *, sqlite: str, postgresql: str) -> None:
    """Compile `function` in each backend's spelling: its argument stands for `{}` in the template."""
    for dialect, template in (("sqlite", sqlite), ("postgresql", postgresql)):

        def spell(element: FunctionElement[Any], compiler: SQLCompiler, _template: str = template, **kw: Any) -> str:
            return _template.format(compiler.process(element.clauses, **kw))

        compiles(function, dialect)(spell)


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a stored timestamp."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


_spelled(epoch_seconds, sqlite="unixepoch({})", postgresql="CAST(FLOOR(EXTRACT(EPOCH FROM {})) AS BIGINT)")


class day_to_date(FunctionElement[date]):
    """The date of a day number (days since 1970-01-01)."""

    type = Date()
    inherit_cache = True
    name = "day_to_date"


_spelled(
    day_to_date, sqlite=f"date(({{}}) * {DAY}, 'unixepoch')", postgresql="(DATE '1970-01-01' + CAST({} AS INTEGER))"
)


class date_to_day(FunctionElement[int]):
    """The day number (days since 1970-01-01) of a date."""

    type = Integer()
    inherit_cache = True
    name = "date_to_day"


_spelled(date_to_day, sqlite="CAST(julianday({}) - 2440587.5 AS INTEGER)", postgresql="({} - DATE '1970-01-01')")


class bit(FunctionElement[int]):
    """2 to the power n as a 64-bit integer (PostgreSQL shifts a BIGINT only by an INTEGER; SQLite needs no casts)."""

    type = BigInteger()
    inherit_cache = True
    name = "bit"


_spelled(bit, sqlite="(1 << ({}))", postgresql="(CAST(1 AS BIGINT) << CAST({} AS INTEGER))")


class json_text(FunctionElement[Any]):
    """A JSON document built as text, stored in a JSON column (SQLite keeps the text; PostgreSQL needs the cast)."""

    type = JSON()
    inherit_cache = True
    name = "json_text"


_spelled(json_text, sqlite="{}", postgresql="CAST({} AS JSON)")


class iso_instant(FunctionElement[str]):
    """A stored timestamp as ISO 8601 text in UTC to the second (`2026-11-30T09:15:00Z`), formatted by the database
    so that an export of millions of rows does not build a datetime for each."""

    type = String()
    inherit_cache = True
    name = "iso_instant"


_spelled(
    iso_instant,
    sqlite="strftime('%Y-%m-%dT%H:%M:%SZ', {})",
    postgresql="""to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""",
)


class money_text(FunctionElement[str]):
    """Whole cents as text in currency units with two decimals (`1250` -> `12.50`), formatted by the database for
    the same reason as `iso_instant`."""

    type = String()
    inherit_cache = True
    name = "money_text"


# On SQLite, a whole number of cents over 100 is within far less than half a cent of the double printed, so `%.2f`
# gives the cents back exactly.
_spelled(money_text, sqlite="printf('%.2f', {} / 100.0)", postgresql="to_char({} / 100.0, 'FM999999999999990.00')")


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
