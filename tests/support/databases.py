"""Test databases: a schema migrated once per test run (SQLite file or PostgreSQL template database), and fresh
copies of it for a test or a module."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from models.core.db import create_engine, migrate


@dataclass(frozen=True)
class DatabaseTemplate:
    """A schema migrated once per test run; each test gets its own copy of it."""

    backend: str
    source: str  # the SQLite file, or the PostgreSQL template database's URL

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"


def pg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def migrate_url(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()


async def pg_admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(pg_dsn(url, "postgres"))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def database_copy(db_template: DatabaseTemplate, directory: Path) -> AsyncIterator[str]:
    """A fresh, migrated database (a copy of the template), dropped on exit."""
    if not db_template.is_postgres:
        target = directory / "loyalty.db"
        shutil.copyfile(db_template.source, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template = make_url(db_template.source)
    name = f"loyalty_t_{uuid.uuid4().hex[:12]}"
    await pg_admin(db_template.source, f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    yield template.set(database=name).render_as_string(hide_password=False)
    await pg_admin(db_template.source, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
