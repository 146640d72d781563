"""Programme versions: the file seeds the first and is imported again only when it changes, a version written as
TOML loads back to the same programme, and a process's holder follows the newest version."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core import programme_versions as versions
from models.core.programme import Programme
from models.core.uow import UnitOfWork, transaction
from tests.support.paths import SAMPLE_PROGRAMME

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FILE = SAMPLE_PROGRAMME.read_text(encoding="utf-8")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100_000), places=2)


class TestImportingTheFile:
    async def test_the_first_start_seeds_version_one_and_the_same_file_adds_nothing(
        self, session: AsyncSession
    ) -> None:
        assert await versions.import_file(session, FILE, NOW) == 1
        assert await versions.import_file(session, FILE, NOW) == 0
        assert [v.version for v in await versions.versions(session)] == [1]

    async def test_a_changed_file_is_a_new_version_and_console_edits_survive_an_unchanged_file(
        self, session: AsyncSession
    ) -> None:
        await versions.import_file(session, FILE, NOW)
        edited = versions.parse_toml(FILE).model_copy(update={"name": "Edited in the console"})
        await versions.add(session, versions.to_toml(edited), by=42, now=NOW)
        assert await versions.import_file(session, FILE, NOW) == 0  # a restart keeps the console's version
        found = await versions.current(session)
        assert found is not None
        assert found.programme.name == "Edited in the console"
        assert await versions.import_file(session, FILE.replace("Bean & Leaf", "Bean & Leaf II"), NOW) == 3
        found = await versions.current(session)
        assert found is not None
        assert (found.programme.name, found.info.created_by) == ("Bean & Leaf II", None)


class TestToml:
    @given(rate=money, multiplier=money, max_sale=money)
    def test_a_programme_written_as_toml_loads_back_the_same(
        self, programme: Programme, rate: Decimal, multiplier: Decimal, max_sale: Decimal
    ) -> None:
        levels = list(programme.tiers.levels)
        levels[1] = levels[1].model_copy(update={"multiplier": multiplier})
        changed = programme.model_copy(
            update={
                "earning": programme.earning.model_copy(update={"points_per_100": rate, "max_sale": max_sale}),
                "tiers": programme.tiers.model_copy(update={"levels": levels}),
            }
        )
        assert versions.parse_toml(versions.to_toml(changed)) == changed


class TestHolder:
    async def test_the_holder_follows_the_newest_version(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with transaction(sessionmaker) as session:
            await versions.import_file(session, FILE, NOW)
        holder = versions.ProgrammeHolder(versions.parse_toml(FILE), 1, lambda same: same)
        async with UnitOfWork(sessionmaker) as unit:
            assert not await holder.refresh(unit.session)
        renamed = holder.programme.model_copy(update={"name": "Renamed"})
        async with transaction(sessionmaker) as session:
            await versions.add(session, versions.to_toml(renamed), by=42, now=NOW)
        async with UnitOfWork(sessionmaker) as unit:
            assert await holder.refresh(unit.session)
        assert (holder.version, holder().name) == (2, "Renamed")
        holder.hold(versions.parse_toml(FILE), 1)  # an older version never displaces a newer one
        assert holder.programme.name == "Renamed"
