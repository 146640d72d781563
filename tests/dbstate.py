"""The whole database as plain rows: to prove that a refused request changed nothing, or that erased data is gone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

Dump = dict[str, list[tuple[Any, ...]]]
# Tables that change with every update however it is answered: the record that it was handled, and the messages
# waiting to be sent (drained at its own pace). What a request changed is read from the others, and what it sent
# from the fake Bot API server.
BOOKKEEPING = frozenset({"handled_updates", "outbox"})


async def reflect(engine: AsyncEngine) -> MetaData:
    """The tables as the database has them (not only the ones the code knows of)."""
    metadata = MetaData()
    async with engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
    return metadata


async def dump(engine: AsyncEngine, metadata: MetaData | None = None, skip: frozenset[str] = BOOKKEEPING) -> Dump:
    """Every row of every table but `skip`, in primary key order."""
    metadata = metadata or await reflect(engine)
    result: Dump = {}
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = await connection.execute(select(table).order_by(*order))
            result[table.name] = [tuple(row) for row in rows]
    return result


def _contains(value: object, needle: str | int | date) -> bool:
    if isinstance(needle, str):
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, list | dict) else None
        return text is not None and needle.casefold() in text.casefold()
    if isinstance(needle, date):
        return value == needle or (isinstance(value, str) and needle.isoformat() in value)
    return value == needle and not isinstance(value, bool)


async def find_values(engine: AsyncEngine, needles: Iterable[str | int | date]) -> list[str]:
    """Where any of the values occurs: `table.column = value` for every hit in every column of every table."""
    wanted = list(needles)
    metadata = await reflect(engine)
    rows = await dump(engine, metadata, skip=frozenset())
    found: list[str] = []
    for table in metadata.sorted_tables:
        columns = [column.name for column in table.columns]
        for row in rows[table.name]:
            for column, value in zip(columns, row, strict=True):
                found += [f"{table.name}.{column} = {value!r}" for needle in wanted if _contains(value, needle)]
    return found


def without_members(metadata: MetaData, rows: Dump, member_ids: set[int]) -> Dump:
    """The dump less the rows that belong to the given members, following foreign keys from `members` outwards."""
    owned: dict[str, set[Any]] = {"members": set(member_ids)}
    result: Dump = {}
    for table in metadata.sorted_tables:
        if table.name not in rows:
            continue
        names = [column.name for column in table.columns]
        keys = [names.index(column.name) for column in table.primary_key.columns]
        links = [
            (names.index(fk.parent.name), fk.column.table.name)
            for fk in table.foreign_keys
            if fk.constraint is not None and len(fk.constraint.columns) == 1 and fk.column.table.name != table.name
        ]
        mine = owned.setdefault(table.name, set())
        kept = []
        for row in rows.get(table.name, []):
            key = row[keys[0]] if len(keys) == 1 else tuple(row[i] for i in keys)
            if key in mine or any(row[i] in owned.get(parent, ()) for i, parent in links):
                mine.add(key)
            else:
                kept.append(row)
        result[table.name] = kept
    return result


async def settled_dump(engine: AsyncEngine, quiet: float = 0.3) -> Dump:
    """The dump once background jobs (a campaign resuming at start-up, say) have stopped changing anything."""
    metadata = await reflect(engine)
    current = await dump(engine, metadata)
    while True:
        await asyncio.sleep(quiet)
        latest = await dump(engine, metadata)
        if latest == current:
            return latest
        current = latest
