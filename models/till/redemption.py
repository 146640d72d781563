"""Spending points at the till: oldest lots first, never below zero, once per request (its source), audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.core import clock
from models.core.amounts import parse_points
from models.core.errors import LimitExceeded, OwnMembership
from models.core.programme import Programme
from models.core.uow import writing
from models.members import lookup
from models.members.cards import CardSigner
from models.members.registry import lock_member
from models.points import ledger
from models.team import audit
from models.team.staff import Actor, place
from models.till.limits import Tally, keep_breach


@dataclass(frozen=True)
class Redemption:
    created: bool
    member_id: int
    points: int
    balance: int
    notices: tuple[ledger.Notice, ...]


async def redeem_points(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    points: str,
    source: str,
    now: datetime,
) -> Redemption:
    """Spend the member's points at the till, once per `source` (`models.till.sales.source_of`: the message or the
    question answered), so that a replay or a second answer spends nothing more. A limit breach is refused and
    leaves its trail (audit line, owners' alert)."""
    await writing(session)
    amount = parse_points(points)
    member_id = await lookup.member_id(session, member, cards, now)
    row = await lock_member(session, member_id, member)
    key = f"redeem:{source}"
    if (earlier := await ledger.find(session, key)) is not None:
        return Redemption(False, earlier.member_id, -earlier.amount, row.balance, ())
    if row.telegram_id == actor.telegram_id:
        raise OwnMembership()
    actor = await place(session, programme, actor)
    tally = await Tally.load(session, programme, [actor], now)
    try:
        tally.check(actor, points=amount)
    except LimitExceeded as breach:
        raise keep_breach(breach, actor, now) from None
    tally.add(actor, amount)
    await tally.write(session)
    posted = await ledger.debit(
        session,
        member_id=member_id,
        points=amount,
        kind="redeem",
        reason="",
        key=key,
        now=now,
        zone=clock.zone(programme),
        actor_id=actor.telegram_id,
        held=row,
        branch=actor.branch,
    )
    await audit.record(session, actor, "redeem", now=now, member_id=member_id, subject=key, detail=f"points={amount}")
    news = await ledger.announce(session, posted)
    return Redemption(True, member_id, amount, posted.balance, () if news is None else (news,))
