"""Referral bonuses at the till: the invited member's first purchase of at least `bonuses.referral_min_purchase`
pays the inviter and the newcomer once each (keys `referral:<id>` and `referral:<id>:invitee`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists, SQLColumnExpression, String, cast, exists, literal, or_

from models.core.programme import Programme
from models.points import ledger
from models.till.sale_batch import Batch, ReadSale


def referral_paid(member: SQLColumnExpression[int]) -> Exists:
    """Whether the member's referral was paid: the inviter's bonus (`referral:<id>`) or their own (`:invitee`)."""
    key = literal("referral:").concat(cast(member, String))
    return exists().where(or_(ledger.ENTRIES.c.key == key, ledger.ENTRIES.c.key == key.concat(":invitee")))


@dataclass(frozen=True)
class Bonus:
    member_id: int
    amount: int
    reason: str
    key: str
    rule: str


def referral_due(programme: Programme, book: ledger.Book, sale: ReadSale, paid: set[str]) -> list[Bonus]:
    """What the invited member's first purchase of at least `bonuses.referral_min_purchase` pays: the inviter's bonus
    and the newcomer's, once (key `referral:<id>`); nothing for a smaller purchase or a referral paid before."""
    bonuses = programme.bonuses
    holder = book.holders[sale.member_id]
    key = f"referral:{holder.member_id}"
    if holder.referred_by_id in (None, holder.member_id) or key in paid:
        return []
    if sale.amount_cents < bonuses.referral_min_purchase * 100:
        return []
    due = []
    inviter = book.holders.get(holder.referred_by_id or 0)
    if inviter is not None and not inviter.forgotten and bonuses.referral_inviter:
        due.append(
            Bonus(inviter.member_id, bonuses.referral_inviter, str(holder.member_id), key, "bonuses.referral_inviter")
        )
    if bonuses.referral_invitee:
        due.append(
            Bonus(
                holder.member_id,
                bonuses.referral_invitee,
                str(holder.referred_by_id),
                f"{key}:invitee",
                "bonuses.referral_invitee",
            )
        )
    return due


def pay_referrals(
    book: ledger.Book, batch: Batch, sale: ReadSale, due: list[Bonus], paid: set[str], expires: datetime, now: datetime
) -> None:
    """Post the referral bonuses `referral_due` found, after the sale's own points."""
    for bonus in due:
        paid.add(bonus.key.removesuffix(":invitee"))
        book.post(
            member_id=bonus.member_id,
            amount=bonus.amount,
            kind="referral",
            reason=bonus.reason,
            key=bonus.key,
            now=now,
            rule=bonus.rule,
            expires_at=expires,
        )
        batch.owners.append((sale.index, "bonus"))
