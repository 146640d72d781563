"""Campaign scheduling: the database says what is due, APScheduler wakes the delivery engine at the right time.

At start-up every open campaign is read back: running ones resume at once (rows caught mid-send by a process that
died become `unknown` first), scheduled ones get a job with an explicit id, so a restart neither loses nor repeats
anything.

With several processes, campaign start times are the leader's (see `bot.leadership`): a campaign a manager creates
on another process is left in the database, and the leader's sweep picks it up within `SWEEP_SECONDS`. Delivering
is everyone's: every process keeps looking for running campaigns it is not delivering (started by the leader, or
stopped here by an error) and joins them, so that each sends its share at the one shared pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from models.campaigns.planning import open_campaigns, running_campaigns
from models.campaigns.queue import recover_interrupted
from models.campaigns.records import CampaignStatus, CampaignView, RecipientStatus
from models.core.base import utcnow
from models.core.uow import transaction
from scheduler.broadcast import DeliveryEngine
from scheduler.context import JobContext
from scheduler.daily_campaigns import Automations
from scheduler.metrics import CAMPAIGN_SENDS

log = logging.getLogger(__name__)

# A campaign this close to its time is started at once rather than through the scheduler.
DUE_MARGIN = timedelta(seconds=1)
JOIN_EVERY = 2.0  # seconds between looks for running campaigns this process does not deliver
SWEEP_SECONDS = 2
SWEEP_JOB = {"id": "campaign-sweep", "replace_existing": True, "coalesce": True, "max_instances": 1}


def job_id(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


class CampaignRunner:
    """The one object handlers and start-up talk to about campaigns' timing; handlers know it as
    `handlers.ports.CampaignTimetable`."""

    def __init__(self, context: JobContext, scheduler: AsyncIOScheduler) -> None:
        self.context = context
        self.scheduler = scheduler
        self.delivery = DeliveryEngine(context)
        self.automations = Automations(context, scheduler, self.delivery)
        self.leading = True  # a lone process leads; `bot.app` says otherwise while it follows
        self._joining: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Pick up where the last run stopped (the leader does, once elected): recover sends interrupted by a process
        that died, resume and schedule open campaigns."""
        async with transaction(self.context.sessionmaker) as session:
            unknown = await recover_interrupted(session, utcnow())
            campaigns = await open_campaigns(session)
        if unknown:
            CAMPAIGN_SENDS.labels(RecipientStatus.UNKNOWN.value).inc(unknown)
            log.warning("%s campaign messages were being sent when a process stopped; marked unknown", unknown)
        for campaign in campaigns:
            self.schedule(campaign)
        await self.automations.start()

    def join_running(self) -> None:
        """Every process, leader or not: deliver a share of each running campaign, from now until `stop`."""
        if self._joining is None:
            self._joining = asyncio.create_task(self._join_running(), name="join-running-campaigns")

    async def _join_running(self) -> None:
        while True:
            await asyncio.sleep(JOIN_EVERY)
            try:
                async with transaction(self.context.sessionmaker) as session:
                    running = await running_campaigns(session)
            except Exception:
                log.exception("could not look for running campaigns; trying again")
                continue
            for campaign_id in set(running) - set(self.delivery.running()):
                self.delivery.start(campaign_id)

    async def sweep(self) -> None:
        """Schedule every open campaign: those created on other processes since the last sweep start here."""
        async with transaction(self.context.sessionmaker) as session:
            campaigns = await open_campaigns(session)
        for campaign in campaigns:
            self.schedule(campaign)

    def schedule(self, campaign: CampaignView) -> None:
        """Deliver now if due (or already running), else at its time; calling again for a campaign is harmless. A
        follower does neither: the leader's sweep finds the campaign in the database."""
        if not self.leading or campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING):
            return
        if campaign.status == CampaignStatus.RUNNING or campaign.send_at <= utcnow() + DUE_MARGIN:
            self._forget_job(campaign.id)
            self.delivery.start(campaign.id)
            return
        self.scheduler.add_job(
            self._fire,
            DateTrigger(run_date=campaign.send_at),
            id=job_id(campaign.id),
            args=[campaign.id],
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never: a campaign missed while down goes at start-up
        )

    async def _fire(self, campaign_id: int) -> None:
        self.delivery.start(campaign_id)

    async def cancel(self, campaign_id: int) -> None:
        """A campaign was cancelled in the database: drop its job and stop its delivery."""
        self._forget_job(campaign_id)
        await self.delivery.cancel(campaign_id)

    def scheduled_at(self, campaign_id: int) -> datetime | None:
        job = self.scheduler.get_job(job_id(campaign_id))
        return None if job is None else job.next_run_time

    async def stop(self) -> None:
        if self._joining is not None:
            self._joining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._joining
        await self.delivery.stop()

    def _forget_job(self, campaign_id: int) -> None:
        if self.scheduler.get_job(job_id(campaign_id)) is not None:
            self.scheduler.remove_job(job_id(campaign_id))
