"""Spending points at the till: oldest lots first, never below zero, once per Telegram update, audited."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.amounts import parse_points
from models.core.errors import DomainError, LimitExceeded
from models.core.programme import Programme
from models.members import lookup
from models.members.cards import CardSigner
from models.members.registry import lock_member
from models.points import ledger
from models.till import audit
from models.till.limits import Tally
from models.till.staff import Actor

T = TypeVar("T")


async def settle(session: AsyncSession, actor: Actor, now: datetime, work: Awaitable[T]) -> T:
    """Commit the work of one staff action, or roll it back on a refusal; a limit breach is kept in the audit trail."""
    try:
        result = await work
    except LimitExceeded as breach:
        await session.rollback()
        detail = " ".join(f"{name}={value}" for name, value in breach.details.items())
        await audit.record(session, actor, "limit.breach", now=now, detail=detail[:200])
        await session.commit()
        raise
    except DomainError:
        await session.rollback()
        raise
    await session.commit()
    return result


@dataclass(frozen=True)
class Redemption:
    created: bool
    member_id: int
    points: int
    balance: int
    notices: tuple[ledger.Notice, ...]


async def _redeem(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    points: str,
    update_id: int,
    now: datetime,
) -> Redemption:
    amount = parse_points(points)
    member_id = await lookup.member_id(session, member, cards, now)
    row = await lock_member(session, member_id, member)
    key = f"redeem:upd:{update_id}"
    if (earlier := await ledger.find(session, key)) is not None:
        return Redemption(False, earlier.member_id, -earlier.amount, row.balance, ())
    tally = await Tally.load(session, programme, [actor], now)
    tally.check(actor, points=amount)
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
        actor_id=actor.telegram_id,
        held=row,
    )
    await audit.record(session, actor, "redeem", now=now, member_id=member_id, subject=key, detail=f"points={amount}")
    news = await ledger.notice(session, posted)
    return Redemption(True, member_id, amount, posted.balance, () if news is None else (news,))


async def redeem_points(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    points: str,
    update_id: int,
    now: datetime,
) -> Redemption:
    """Spend the member's points at the till; a replayed update spends nothing more; commits."""
    work = _redeem(session, programme, cards, actor, member=member, points=points, update_id=update_id, now=now)
    return await settle(session, actor, now, work)
