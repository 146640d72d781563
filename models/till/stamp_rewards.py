"""The coupons that reward completed stamp cards (`models.till.stamps`): offers' coupons, issued and withdrawn in a
batch's statements.

A card's reward is the catalogue offer it names, earned by stamps rather than chosen: it is issued free of points,
whatever the offer's own limits, and a member may hold several at once. A refund that undoes a completion withdraws
the coupon if it is still unused (marked released, as a lapsed coupon is).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.offers.coupons import CODE_ALPHABET, CODE_LENGTH, Coupon, CouponView, expiry_of, is_live
from models.till.stamps import Reward, RewardCoupons

_ADD = insert(Coupon)


async def _fresh_codes(session: AsyncSession, count: int) -> list[str]:
    """`count` new codes, none of them taken (checked in one query, drawn again on the rare clash)."""
    codes: list[str] = []
    while len(codes) < count:
        drawn = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count - len(codes))}
        taken = set(await session.scalars(select(Coupon.code).where(Coupon.code.in_(drawn))))
        codes += sorted(drawn - taken - set(codes))
    return codes


class StampRewardCoupons:
    """`RewardCoupons` with the offers' coupons."""

    async def issue(
        self, session: AsyncSession, programme: Programme, rewards: Sequence[Reward], now: datetime
    ) -> dict[str, str]:
        codes = await _fresh_codes(session, len(rewards))
        rows: list[dict[str, object]] = []
        for reward, code in zip(rewards, codes, strict=True):
            offer = programme.offer(reward.offer_id)
            assert offer is not None  # the programme checks every card's reward at start
            rows.append(
                {
                    "code": code,
                    "key": reward.key,
                    "member_id": reward.member_id,
                    "offer_id": offer.id,
                    "kind": offer.kind,
                    "points": 0,
                    "reserved": False,
                    "issued_at": now,
                    "expires_at": expiry_of(offer, programme, now),
                }
            )
        await session.execute(_ADD, rows)
        return {reward.key: CouponView.printed(code) for reward, code in zip(rewards, codes, strict=True)}

    async def withdraw(self, session: AsyncSession, keys: Sequence[str], at_most: int, now: datetime) -> list[str]:
        if not keys or at_most <= 0:
            return []
        live = select(Coupon.key).where(Coupon.key.in_(keys), is_live(now)).with_for_update()  # type: ignore[arg-type]
        unused = set(await session.scalars(live))  # held: a cashier cannot use one while it is withdrawn
        chosen = [key for key in keys if key in unused][:at_most]
        if chosen:
            await session.execute(update(Coupon).where(Coupon.key.in_(chosen)).values(released_at=now))
        return chosen


COUPONS: RewardCoupons = StampRewardCoupons()
