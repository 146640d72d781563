"""The schema comes only from migrations, and the migrations build exactly what the models declare."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import models  # noqa: F401 - every table
from models.core.base import Base
from models.core.db import alembic_config


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


class TestMigrations:
    def test_one_line_of_history(self) -> None:
        assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1

    async def test_migrated_schema_matches_the_models(self, engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []

    async def test_downgrade_to_nothing_and_up_again(self, engine: AsyncEngine) -> None:
        def down_and_up(connection: Connection) -> list[object]:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            command.upgrade(config, "head")
            return differences(connection)

        async with engine.begin() as connection:
            assert await connection.run_sync(down_and_up) == []
