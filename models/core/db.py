"""Engines, sessions and migrations; the one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from models.core.sqlite_trips import OneTripConnection, begin_with_next_statement, mark_written_with_next

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
SQLITE_BUSY_MS = 10_000
POOL_SIZE = 10
POOL_OVERFLOW = 40
# SQLite copies its write-ahead log into the database file when the log passes this many pages, inside the commit
# that crossed the mark (about 10 ms with its fsync). `checkpoint`, run every second by the scheduler, keeps the
# log well below it, so that this stays a safety net and commits at the till do not pay for copying.
WAL_AUTOCHECKPOINT_PAGES = 10_000
# How a transaction begins on SQLite, as an execution option: IMMEDIATE (the default) takes the write lock up front,
# so that a writer waits its turn instead of failing mid-way; DEFERRED, for reading, takes no lock at all.
SQLITE_BEGIN = "sqlite_begin"
IMMEDIATE = "IMMEDIATE"
DEFERRED = "DEFERRED"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine tuned for its backend: SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE (unless the
    execution option SQLITE_BEGIN says DEFERRED)."""
    # Database errors end up in logs, and the values bound to a statement may be names or phone numbers.
    kwargs.setdefault("hide_parameters", True)
    # Every update in flight holds a connection for its unit of work, and the sales desk needs one more to write a
    # batch: the pool must cover a busy till (30 cashiers at once) without making anyone wait for a connection.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    # aiosqlite's debug log repeats every statement with its values: not even at DEBUG may a phone reach the logs.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger("aiosqlite").level))
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Statements in one trip each to the driver's thread (see `models.core.sqlite_trips`).
        assert type(dbapi_connection) is AsyncAdapt_aiosqlite_connection
        dbapi_connection.__class__ = OneTripConnection
        # Take transaction control from the driver so that a transaction can start as IMMEDIATE (see SQLITE_BEGIN).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        begin = f"BEGIN {connection.get_execution_options().get(SQLITE_BEGIN, IMMEDIATE)}"
        # Sent with the transaction's first statement: a trip to the driver's thread of its own would cost about
        # as much as the statement (a batch of sales makes six or seven trips in all).
        driver = connection.connection.dbapi_connection
        assert isinstance(driver, OneTripConnection)
        begin_with_next_statement(driver, begin)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on_statement(_c: Connection, cursor: Any, _s: str, _p: Any, context: Any, _many: bool) -> None:
        mark_written_with_next(cursor, context)  # a write that can wait for the next statement's trip

    return engine


async def checkpoint(engine: AsyncEngine) -> None:
    """Copy SQLite's write-ahead log into the database file without holding up readers or writers (PASSIVE).

    Runs on a connection outside any transaction: ours begin IMMEDIATE, which would take the write lock for nothing.
    Other databases keep their own logs; for them this does nothing.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection  # aiosqlite's own connection
        cursor = await driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
        await cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# PostgreSQL advisory lock keys (one number space per database): who migrates, and who leads (`bot.leadership`).
MIGRATION_LOCK = 0x4C6F79616C01
LEADER_LOCK = 0x4C6F79616C02


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date over the engine's own connection (the database may be a fresh file). On
    PostgreSQL several processes may start at once: one migrates while the others wait on a lock held to the end of
    its transaction, then find the schema current."""

    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.run_sync(upgrade)
