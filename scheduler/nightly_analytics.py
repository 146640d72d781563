"""The nightly analytics run: every member's RFM, segment, rhythm and best offer; unused reserved points go back."""

from __future__ import annotations

import logging

from models.core.base import utcnow
from models.core.uow import transaction
from models.offers.coupons import release_expired
from models.offers.recompute import recompute_all
from scheduler.context import JobContext

log = logging.getLogger(__name__)


async def nightly_analytics(context: JobContext) -> None:
    async with transaction(context.sessionmaker) as session:
        released = await release_expired(session, context.programme, utcnow(), checkpoint=session.commit)
        report = await recompute_all(session, context.programme, utcnow(), checkpoint=session.commit)
    context.outbox_bell.set()  # collections completed overnight are announced
    log.info(
        "analytics: %d members in %.1f s; %d expired coupons gave points back", report.members, report.seconds, released
    )
