"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL says so), the sample
programme, and the real bot polling the fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import gc
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from models.core.db import create_engine, create_sessionmaker
from models.core.programme import Programme, load_programme
from tests.support.app import bot_settings, start_app, stop_app
from tests.support.console import RunningConsole, running_console
from tests.support.databases import DatabaseTemplate, database_copy, migrate_url, pg_admin
from tests.support.paths import SAMPLE_PROGRAMME
from tests.support.redis import redis_server

# Property tests: a few random examples at each run on a developer's machine; in CI (env CI set) the same examples
# every run, so that a red build is reproducible; `make test-deep` (--hypothesis-profile=deep) searches much longer.
# A failure prints the blob that replays it (@reproduce_failure). Tests that set their own values keep them.
settings.register_profile("dev", max_examples=40, deadline=None, print_blob=True)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True, database=None)
settings.register_profile("deep", settings.get_profile("dev"), max_examples=2_000)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(migrate_url(f"sqlite+aiosqlite:///{path}"))
        yield DatabaseTemplate("sqlite", str(path))
        return
    name = f"loyalty_tpl_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg_admin(url, f'CREATE DATABASE "{name}"'))
    template_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(migrate_url(template_url))
    yield DatabaseTemplate("postgresql", template_url)
    asyncio.run(pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(db_template: DatabaseTemplate, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    async with database_copy(db_template, tmp_path) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def programme() -> Programme:
    return load_programme(SAMPLE_PROGRAMME)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def app(telegram: FakeTelegram, database_url: str) -> AsyncIterator[App]:
    """The real bot, polling the fake Bot API server, on this test's own database."""
    app, task = await start_app(bot_settings(telegram, database_url))
    yield app
    await stop_app(app, task)


@pytest.fixture
async def console(telegram: FakeTelegram, database_url: str) -> AsyncIterator[RunningConsole]:
    """The real bot with its console served on a free local port (`console.url`), polling the fake Bot API."""
    async with running_console(telegram, database_url) as running:
        yield running


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server of this test session's own (the distribution's redis-server, which .ci/run installs)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(autouse=True)
def _garbage_of_each_test_collected_in_it() -> Iterator[None]:
    """What a test leaves unclosed warns (and fails) in that test, not in whichever test the collector runs next."""
    yield
    gc.collect()
