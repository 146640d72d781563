"""Automated campaigns (birthday, expiring points, win-back): one daily job each, at the programme's time.

A job makes the day's campaign (once: its key is the kind and the business day) and hands it to the delivery
engine like any other. At start-up an automation whose time has passed today runs at once, so a bot that was
down at that moment still greets today's birthdays; running it again the same day changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from models.campaigns.automations import todays_campaign
from models.core import clock
from models.core.base import utcnow
from models.core.programme import Automation
from models.core.uow import transaction
from scheduler.broadcast import DeliveryEngine
from scheduler.context import JobContext

log = logging.getLogger(__name__)


def job_id(automation: Automation) -> str:
    return f"automation:{automation.kind}"


class Automations:
    def __init__(self, context: JobContext, scheduler: AsyncIOScheduler, delivery: DeliveryEngine) -> None:
        self.context = context
        self.scheduler = scheduler
        self.delivery = delivery
        self.zone = clock.zone(context.programme)
        self._catching_up: set[asyncio.Task[int]] = set()

    async def start(self) -> None:
        local_now = utcnow().astimezone(self.zone)
        for automation in self.context.programme.automations:
            self.scheduler.add_job(
                self.run,
                CronTrigger(hour=automation.at.hour, minute=automation.at.minute, timezone=self.zone),
                id=job_id(automation),
                args=[automation],
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=3600,
                max_instances=1,
            )
            if local_now.time() >= automation.at:
                task = asyncio.create_task(self.run(automation))
                self._catching_up.add(task)
                task.add_done_callback(self._catching_up.discard)

    async def run(self, automation: Automation, now: datetime | None = None) -> int:
        """Make today's campaign of this automation and start delivering it; returns the campaign's id."""
        async with transaction(self.context.sessionmaker) as session:
            campaign = await todays_campaign(session, self.context.programme, automation, now or utcnow())
        log.info("automation %s: campaign %s", automation.kind, campaign.id)
        self.delivery.start(campaign.id)
        return campaign.id
