"""Delivering a campaign: claims before sending, and outcomes (the audience is frozen into recipient rows first,
`models.campaigns.audience`; the marketing rules each claim applies are `models.campaigns.marketing_rules`).

The rules that keep "nothing lost, nothing doubled" live here, in the database:
- a row is claimed (`pending` -> `sending`, committed) before its message is handed to Telegram, by one process
  (its owner) under a lease that the owner renews while it lives; a row still `sending` once its lease ran out (its
  process died) is marked `unknown`, never sent again, and rows of live processes are never touched;
- members who may no longer be messaged are skipped at their turn, checked in the very statement that claims their
  row; quiet hours and the frequency cap hold rows back (`not_before`) instead of dropping them.
Every function pages by id or works on a bounded list of rows, so memory does not grow with the audience.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.campaigns.marketing_rules import held_by_cap, skip_refused
from models.campaigns.planning import PERSONAL, may_be_marketed
from models.campaigns.records import Campaign, CampaignRecipient, CampaignStatus, CampaignView, RecipientStatus
from models.core.base import table_of
from models.core.errors import DomainError
from models.core.programme import Offer, Programme
from models.core.uow import writing
from models.members.registry import Member
from models.offers.coupons import CouponView, issue_coupon
from models.offers.ranking import best_offer

log = logging.getLogger(__name__)

# The recipients table itself, for executemany updates that need no ORM bookkeeping.
ROWS = table_of(CampaignRecipient)
ERROR_LENGTH = 200


# One of each of the next three exists per recipient at a time, for every message: plain named tuples, the cheapest
# records Python makes (the delivery's own work per message must stay small beside sending it).


class Queued(NamedTuple):
    """A pending recipient with what their turn depends on."""

    id: int
    member_id: int
    telegram_id: int | None
    language: str


class Claimed(NamedTuple):
    """A recipient whose message may now be sent, exactly once."""

    id: int
    member_id: int
    telegram_id: int
    language: str
    offer_id: str | None = None
    coupon: CouponView | None = None


class Outcome(NamedTuple):
    """What Telegram said about one message; `PENDING` hands an unsent claim back to the queue."""

    recipient_id: int
    member_id: int
    status: RecipientStatus
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Lease:
    """Who claims rows (one process of the bot) and until when the claim holds unless renewed."""

    owner: str
    until: datetime


@dataclass(frozen=True)
class QueueState:
    """After a pass over the queue: finished (and whether this call finished it), or when the next row held back
    or claimed by another process may need this one (None: due now), and whether rows are being sent (by another
    process, or by one that died, until their lease runs out)."""

    finished: bool
    next_due: datetime | None = None
    finished_here: bool = False
    sending: bool = False


async def due_page(
    session: AsyncSession, campaign_id: int, *, after: int, now: datetime, limit: int, lock: bool = False
) -> list[Queued]:
    """The next pending recipients after row `after` whose turn has come, in id order. Whether each may still be
    messaged is decided by `claim`, at the moment their row is taken. With `lock` (inside a writing transaction),
    the rows are locked for this transaction and rows another transaction holds are passed over (PostgreSQL's
    SKIP LOCKED; SQLite has one writer at a time anyway), so that processes claiming together take different rows."""
    query = (
        select(CampaignRecipient.id, CampaignRecipient.member_id, Member.telegram_id, Member.language)
        .join(Member, Member.id == CampaignRecipient.member_id)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.status == RecipientStatus.PENDING,
            CampaignRecipient.id > after,
            or_(CampaignRecipient.not_before.is_(None), CampaignRecipient.not_before <= now),
        )
        .order_by(CampaignRecipient.id)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True, of=CampaignRecipient)
    rows = await session.execute(query)
    return [Queued(row_id, member_id, telegram_id, language) for row_id, member_id, telegram_id, language in rows]


async def claim_next(
    session: AsyncSession,
    programme: Programme,
    campaign: CampaignView,
    *,
    after: int,
    now: datetime,
    limit: int,
    lease: Lease,
) -> tuple[list[Claimed], int | None]:
    """Claim (see `claim`) among the next `limit` due rows after row `after` that no other process is claiming at
    this moment, in one transaction; what was claimed and the last row looked at (None: no due row is left after
    `after`). Several processes claiming from the same place thus never spend a claim on rows another just took."""
    await writing(session)
    rows = await due_page(session, campaign.id, after=after, now=now, limit=limit, lock=True)
    if not rows:
        return [], None
    return await claim(session, programme, campaign, rows, now, lease), rows[-1].id


async def claim(
    session: AsyncSession,
    programme: Programme,
    campaign: CampaignView,
    rows: Sequence[Queued],
    now: datetime,
    lease: Lease,
) -> list[Claimed]:
    """Take rows for sending under `lease`: hold back those over the frequency cap, and mark the rest `sending` in
    one statement that also checks, at that moment, that their member may still be messaged (a row is never claimed
    twice, and an opt-out committed before the claim is never overtaken by a page read earlier); those who may not
    are skipped. Rows another process is claiming at the same moment are passed over, not waited for."""
    await writing(session)
    held = await held_by_cap(session, programme.marketing, [row.member_id for row in rows], now)
    if held:
        await session.execute(
            sql_update(ROWS).where(ROWS.c.id == bindparam("row_id")).values(not_before=bindparam("until")),
            [{"row_id": row.id, "until": held[row.member_id]} for row in rows if row.member_id in held],
        )
    wanted = {row.id: row for row in rows if row.member_id not in held}
    taken: Sequence[int] = []
    if wanted:
        still_marketable = exists().where(Member.id == CampaignRecipient.member_id, may_be_marketed(programme))
        free = (
            select(CampaignRecipient.id)
            .where(CampaignRecipient.id.in_(list(wanted)), CampaignRecipient.status == RecipientStatus.PENDING)
            .with_for_update(skip_locked=True)  # PostgreSQL: another process's claim in progress is passed over
        )
        result = await session.execute(
            sql_update(CampaignRecipient)
            .where(
                CampaignRecipient.id.in_(free.scalar_subquery()), CampaignRecipient.status == RecipientStatus.PENDING
            )
            .where(still_marketable)
            .values(status=RecipientStatus.SENDING, claimed_at=now, claimed_by=lease.owner, lease_until=lease.until)
            .returning(CampaignRecipient.id)
        )
        taken = sorted(result.scalars())
        if refused := set(wanted) - set(taken):
            await skip_refused(session, programme, sorted(refused))
    claimed = [
        Claimed(row_id, wanted[row_id].member_id, wanted[row_id].telegram_id or 0, wanted[row_id].language)
        for row_id in taken
    ]
    if campaign.offer is not None:
        claimed = await _with_offers(session, programme, campaign, claimed, now)
    return claimed


def couponed(offer: Offer) -> bool:
    """Whether a campaign hands out a coupon for the offer: not for points (spent by choice) nor a collection."""
    return offer.points_cost == 0 and offer.kind != "collection"


def coupon_key(campaign_id: int, member_id: int) -> str:
    """One coupon per recipient and campaign, however often their claim is retried."""
    return f"campaign:{campaign_id}:{member_id}"


async def _with_offers(
    session: AsyncSession, programme: Programme, campaign: CampaignView, rows: list[Claimed], now: datetime
) -> list[Claimed]:
    """The offer each recipient gets (the campaign's, or their own best one) and its coupon, recorded on their row
    before the message goes; an offer without a coupon (see `couponed`) is only announced."""
    given: list[Claimed] = []
    for row in rows:
        if campaign.offer == PERSONAL:
            offer = await best_offer(session, programme, row.member_id, now)
        else:
            offer = programme.offer(campaign.offer or "")
        if offer is None:
            given.append(row)
            continue
        row = row._replace(offer_id=offer.id)
        if couponed(offer):
            try:
                issued = await issue_coupon(
                    session, programme, row.member_id, offer.id, now, coupon_key(campaign.id, row.member_id)
                )
            except DomainError as refused:  # the member used up the offer, or it closed: the message goes without
                log.info("campaign %s: no coupon for member %s: %s", campaign.id, row.member_id, refused.code)
                row = row._replace(offer_id=None)
            else:
                row = row._replace(coupon=issued.coupon)
        given.append(row)
    offered = [row for row in given if row.offer_id is not None]
    if offered:
        await session.execute(
            sql_update(ROWS)
            .where(ROWS.c.id == bindparam("row_id"))
            .values(offer_id=bindparam("offer"), coupon_code=bindparam("code")),
            [{"row_id": row.id, "offer": row.offer_id, "code": row.coupon and row.coupon.code} for row in offered],
        )
    return given


async def record(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
    """Store what happened to each message; members who blocked the bot are marked unreachable, and those a
    message reached are reachable again."""
    await writing(session)
    if not outcomes:
        return
    await session.execute(
        sql_update(ROWS)
        .where(ROWS.c.id == bindparam("row_id"))
        .values(
            status=bindparam("new_status"),
            telegram_message_id=bindparam("message_id"),
            error=bindparam("new_error"),
        ),
        [
            {
                "row_id": outcome.recipient_id,
                "new_status": outcome.status.value,
                "message_id": outcome.message_id,
                "new_error": outcome.error[:ERROR_LENGTH] if outcome.error else None,
            }
            for outcome in outcomes
        ],
    )
    released = [outcome.recipient_id for outcome in outcomes if outcome.status == RecipientStatus.PENDING]
    if released:
        await session.execute(
            sql_update(CampaignRecipient)
            .where(CampaignRecipient.id.in_(released))
            .values(claimed_at=None, claimed_by=None, lease_until=None)
        )
    blocked = [outcome.member_id for outcome in outcomes if outcome.status == RecipientStatus.BLOCKED]
    if blocked:
        await session.execute(sql_update(Member).where(Member.id.in_(blocked)).values(reachable=False))
    reached = [outcome.member_id for outcome in outcomes if outcome.status == RecipientStatus.SENT]
    if reached:  # a message that went through proves the member reachable, whatever an earlier 403 said
        await session.execute(
            sql_update(Member).where(Member.id.in_(reached), Member.reachable.is_(False)).values(reachable=True)
        )


async def renew_lease(session: AsyncSession, campaign_id: int, lease: Lease) -> None:
    """Extend the lease on the rows this owner is sending, so that nobody takes them for lost while it lives."""
    await writing(session)
    await session.execute(
        sql_update(CampaignRecipient)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.status == RecipientStatus.SENDING,
            CampaignRecipient.claimed_by == lease.owner,
        )
        .values(lease_until=lease.until)
    )


async def queue_state(session: AsyncSession, campaign_id: int, now: datetime) -> QueueState:
    """Finish the campaign if no recipient is left waiting (rows whose lease ran out become `unknown` first);
    otherwise say when the next one is due: a row held back, or one another process is sending whose lease ends."""
    await writing(session)
    status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    if status != CampaignStatus.RUNNING:
        return QueueState(finished=True)
    await recover_interrupted(session, now, campaign_id=campaign_id)
    rows = CampaignRecipient.campaign_id == campaign_id
    pending = select(func.count(), func.min(CampaignRecipient.not_before), func.count(CampaignRecipient.not_before))
    count, next_due, held = (await session.execute(pending.where(rows, _is(RecipientStatus.PENDING)))).one()
    sending = select(func.count(), func.min(CampaignRecipient.lease_until))
    in_flight, lease_ends = (await session.execute(sending.where(rows, _is(RecipientStatus.SENDING)))).one()
    if count > held:
        return QueueState(finished=False, sending=bool(in_flight))
    if count or in_flight:
        next_due = min(moment for moment in (next_due, lease_ends) if moment)
        return QueueState(finished=False, next_due=next_due, sending=bool(in_flight))
    finished = await session.execute(
        sql_update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.RUNNING)
        .values(status=CampaignStatus.DONE, finished_at=now)
    )
    return QueueState(finished=True, finished_here=bool(finished.rowcount))  # type: ignore[attr-defined]


def _is(status: RecipientStatus) -> ColumnElement[bool]:
    return CampaignRecipient.status == status


async def recover_interrupted(session: AsyncSession, now: datetime, *, campaign_id: int | None = None) -> int:
    """Rows whose lease ran out while `sending` (their process died mid-send, or was stopped before leases existed)
    may or may not have reached the member: they become `unknown`. Rows of a live process are left alone."""
    await writing(session)
    campaigns: ColumnElement[bool]
    if campaign_id is None:
        started = select(Campaign.id).where(Campaign.started_at.is_not(None), Campaign.status != CampaignStatus.DONE)
        campaigns = CampaignRecipient.campaign_id.in_(started.scalar_subquery())
    else:
        campaigns = CampaignRecipient.campaign_id == campaign_id
    result = await session.execute(
        sql_update(CampaignRecipient)
        .where(campaigns, _is(RecipientStatus.SENDING))
        .where(or_(CampaignRecipient.lease_until.is_(None), CampaignRecipient.lease_until < now))
        .values(status=RecipientStatus.UNKNOWN, error="interrupted while sending")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
