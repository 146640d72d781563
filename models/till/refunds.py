"""Refunds: a sale reversed by its receipt, its points taken back without ever making a balance negative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.amounts import parse_receipt
from models.core.errors import UnknownReceipt
from models.core.programme import Programme
from models.core.uow import writing
from models.members.registry import lock_member
from models.points import ledger
from models.points.standing import tier_for
from models.till import audit
from models.till.purchases import Purchase, spend_in_window
from models.till.staff import Actor


@dataclass(frozen=True)
class RefundResult:
    created: bool
    member_id: int
    receipt: str
    amount_cents: int
    points_back: int
    unrecovered: int
    balance: int
    notices: tuple[ledger.Notice, ...]


async def refund(
    session: AsyncSession, programme: Programme, actor: Actor, *, receipt: str, now: datetime
) -> RefundResult:
    """Mark the receipt's purchase refunded and take its points back (see `ledger.reverse`); once.

    Points the member already spent are not clawed back below zero: `unrecovered` says how many, and the
    cashier is told. A referral bonus the sale triggered stays paid. The tier is recomputed (it may drop).
    """
    await writing(session)
    number = parse_receipt(receipt)
    purchase = await session.scalar(select(Purchase).where(Purchase.receipt == number))
    if purchase is None:
        raise UnknownReceipt(receipt=number)
    row = await lock_member(session, purchase.member_id)
    await session.refresh(purchase)
    if purchase.refunded_at is not None:
        done = await ledger.find(session, f"refund:{number}")
        back = 0 if done is None else -done.amount
        return RefundResult(False, row.id, number, purchase.amount_cents, back, 0, row.balance, ())
    purchase.refunded_at = now
    reversal = ledger.Reversal(None, 0)
    if purchase.key is not None and await ledger.find(session, purchase.key) is not None:
        reversal = await ledger.reverse(
            session,
            entry_key=purchase.key,
            key=f"refund:{number}",
            kind="refund",
            reason=f"#{number}",
            now=now,
            actor_id=actor.telegram_id,
        )
    await session.flush()
    spend = await spend_in_window(session, row.id, days=programme.tiers.window_days, now=now)
    row.tier = tier_for(programme, spend).name
    back = 0 if reversal.posted is None else -reversal.posted.amount
    detail = f"amount_cents={purchase.amount_cents} points_back={back} unrecovered={reversal.unrecovered}"
    await audit.record(session, actor, "refund", now=now, member_id=row.id, subject=f"refund:{number}", detail=detail)
    await session.refresh(row, ["balance"])
    news = None if reversal.posted is None else await ledger.announce(session, reversal.posted)
    return RefundResult(
        True,
        row.id,
        number,
        purchase.amount_cents,
        back,
        reversal.unrecovered,
        row.balance,
        () if news is None else (news,),
    )
