"""Webhook updates: each is handled once, unless handling failed or was abandoned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import updates
from models.core.updates import Claim, ProcessedUpdate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class TestClaim:
    async def test_a_new_update_is_claimed_and_a_finished_one_is_skipped(self, session: AsyncSession) -> None:
        assert await updates.claim(session, 1, NOW) is Claim.NEW
        await updates.finish(session, 1, NOW)
        assert await updates.claim(session, 1, NOW + timedelta(seconds=5)) is Claim.DONE

    async def test_an_update_being_handled_is_busy_until_its_lease_runs_out(self, session: AsyncSession) -> None:
        assert await updates.claim(session, 1, NOW) is Claim.NEW
        assert await updates.claim(session, 1, NOW + timedelta(seconds=30)) is Claim.BUSY
        assert await updates.claim(session, 1, NOW + updates.LEASE + timedelta(seconds=1)) is Claim.NEW

    async def test_a_released_update_is_handled_afresh(self, session: AsyncSession) -> None:
        await updates.claim(session, 1, NOW)
        await updates.release(session, 1)
        assert await updates.claim(session, 1, NOW) is Claim.NEW

    async def test_releasing_never_forgets_a_finished_update(self, session: AsyncSession) -> None:
        await updates.claim(session, 1, NOW)
        await updates.finish(session, 1, NOW)
        await updates.release(session, 1)
        assert await updates.claim(session, 1, NOW) is Claim.DONE

    async def test_purge_forgets_only_old_updates(self, session: AsyncSession) -> None:
        await updates.claim(session, 1, NOW - updates.KEEP - timedelta(hours=1))
        await updates.claim(session, 2, NOW)
        await updates.purge(session, NOW)
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
