"""Tiers end to end over the fake Bot API: a member moves up at a sale and hears the new perks, /balance lists
them and what the next tier adds; once their spend leaves the window the nightly run warns them before the grace
ends, and drops them after it, each announced once however often the run is repeated.

Time travels by moving the member's history back (the purchase, the night the watch began), as a past would be."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.uow import transaction
from models.members.numbers import shown
from models.points.purchases import Purchase
from models.points.tiers import TierWatch
from scheduler.nightly_tiers import review
from scheduler.runner import DAILY_JOBS
from tests.journeys import join, send
from tests.support.app import OWNER, bot_settings, sample_without_automations, start_app, stop_app
from tests.test_till_e2e import ANNA

RULES = "window_days = 365\ngrace_days = 30 "
SHORT = "window_days = 30\ngrace_days = 10 "  # and warn_days stays 7


@pytest.fixture
async def short_window(telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """The sample programme with a 30-day window and 10 days of grace, warned 7 days before a drop."""
    sample = sample_without_automations().read_text(encoding="utf-8")
    assert RULES in sample
    programme = tmp_path / "programme.toml"
    programme.write_text(sample.replace(RULES, SHORT), encoding="utf-8")
    app, task = await start_app(bot_settings(telegram, database_url, programme_file=programme))
    yield app
    await stop_app(app, task)


async def back_in_time(app: App, *, purchases: int = 0, watch: int = 0) -> None:
    """Move the purchases, and the night the watch began, this many days into the past."""
    async with transaction(app.sessionmaker) as session:
        for purchase in await session.scalars(select(Purchase)):
            purchase.created_at -= timedelta(days=purchases)
        for watched in await session.scalars(select(TierWatch)):
            watched.below_since -= timedelta(days=watch)


async def nightly_run_tells_nothing(app: App, telegram: FakeTelegram) -> None:
    before = len(telegram.messages_to(ANNA.id))
    await review(app.jobs)
    await telegram.wait_idle()
    assert len(telegram.messages_to(ANNA.id)) == before


class TestTiersMoveBothWays:
    async def test_up_at_a_sale_then_warned_and_down_after_the_grace(
        self, short_window: App, telegram: FakeTelegram
    ) -> None:
        app = short_window
        assert "tiers" in {job.id for job in DAILY_JOBS}
        anna = await join(telegram, ANNA)
        recorded = await send(telegram, OWNER, f"/sale {shown(anna)} 10000", expect="recorded")
        assert "The member moved up to Silver" in (recorded.text or "")
        promoted = await telegram.wait_for(ANNA.id, contains="You have reached Silver")
        assert "Your perks: Birthday gift, Early access to the seasonal menu" in (promoted.text or "")
        balance = (await send(telegram, ANNA, "/balance", expect="Tier:")).text or ""
        assert "Your perks: Birthday gift, Early access to the seasonal menu" in balance
        assert "Gold adds: Invitations to tastings" in balance

        await back_in_time(app, purchases=31)  # the sale has left the 30-day window
        await nightly_run_tells_nothing(app, telegram)  # the grace begins tonight: 10 days, warned in the last 7
        await back_in_time(app, watch=3)
        await review(app.jobs)
        drop_day = business_day(app.jobs.programme, utcnow() + timedelta(days=7))
        warning = await telegram.wait_for(ANNA.id, contains="⏳")
        assert f"Your Silver tier ends on {drop_day:%-d %b %Y} unless you spend 10 000 RUB more" in (warning.text or "")
        await nightly_run_tells_nothing(app, telegram)  # warned once
        assert "Tier: Silver" in ((await send(telegram, ANNA, "/balance", expect="Tier:")).text or "")

        await back_in_time(app, watch=7)  # the grace is over
        await review(app.jobs)
        dropped = await telegram.wait_for(ANNA.id, contains="Your tier is now Bronze")
        assert "the last 30 days is below Silver" in (dropped.text or "")
        assert "Your perks: Birthday gift" in (dropped.text or "")
        await nightly_run_tells_nothing(app, telegram)  # dropped once
        balance = (await send(telegram, ANNA, "/balance", expect="Tier:")).text or ""
        assert "Tier: Bronze" in balance
        assert "Silver adds: Early access to the seasonal menu" in balance
