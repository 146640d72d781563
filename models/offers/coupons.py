"""Single-use coupons: an offer turned into a code with an expiry, used once at the till.

Issuing is idempotent by a business key and never gives a member two live coupons for one offer. An offer that
costs points takes them from the ledger at issue (key `coupon:<key>`); with `points_mode = "reserve"` a coupon that
expires unused gives them back (`release_expired`, nightly), each with the expiry of the lot it came from. Redemption
marks the row in the same statement that checks it is unused, so two cashiers cannot both use one code; a birthday
gift pays the programme's birthday points.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import clock, outbox
from models.core.base import Base
from models.core.clock import business_day, from_local
from models.core.errors import (
    CouponExpired,
    CouponForeign,
    CouponUnknown,
    CouponUsed,
    OfferLimitReached,
    OfferUnavailable,
    OwnMembership,
    UnknownOffer,
)
from models.core.programme import Offer, Programme
from models.core.uow import Checkpoint, no_checkpoint, writing
from models.members import lookup, numbers
from models.members.cards import CardSigner
from models.members.registry import lock_member
from models.points import ledger
from models.team import audit
from models.team.staff import Actor, place

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread at the till
CODE_LENGTH = 8
# How the key of a stamp card's reward coupon begins (`models.till.stamps`): such coupons count towards no limit.
EARNED_BY_STAMPS = "stamp:"


class Coupon(Base):
    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_nonnegative"),
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        CheckConstraint("redeemed_at IS NULL OR released_at IS NULL", name="used_or_released"),
        Index("ix_coupons_member_offer", "member_id", "offer_id"),
        Index("ix_coupons_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    offer_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # the offer's kind when issued: discount share is history
    points: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    redeemed_by: Mapped[int | None] = mapped_column(BigInteger)
    released_at: Mapped[datetime | None]


@dataclass(frozen=True)
class CouponView:
    code: str
    member_id: int
    offer_id: str
    kind: str
    points: int
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None

    @classmethod
    def of(cls, row: Coupon) -> CouponView:
        return cls(
            row.code, row.member_id, row.offer_id, row.kind, row.points, row.issued_at, row.expires_at, row.redeemed_at
        )

    @property
    def shown_code(self) -> str:
        return self.printed(self.code)

    @staticmethod
    def printed(code: str) -> str:
        """A code as printed: two groups of four, easier to read aloud."""
        return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class Issued:
    coupon: CouponView
    created: bool


@dataclass(frozen=True)
class Redeemed:
    coupon: CouponView
    offer: Offer | None  # None when the offer has since left the catalogue
    gift_points: int
    notices: tuple[ledger.Notice, ...]  # the gift's points, to announce to the member


def normalise_code(text: str) -> str | None:
    """The stored form of a typed or scanned code (any case, with or without the dash), or None if it cannot be one."""
    code = text.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def looks_like_code(text: str) -> bool:
    return normalise_code(text) is not None and not text.strip().isdecimal()


def is_live(now: datetime) -> object:
    """SQL: the coupon can still be used."""
    return (Coupon.redeemed_at.is_(None)) & (Coupon.released_at.is_(None)) & (Coupon.expires_at > now)


def _not_earned() -> object:
    return Coupon.key.not_like(f"{EARNED_BY_STAMPS}%")


def _used_or_live(now: datetime) -> object:
    return or_(Coupon.redeemed_at.is_not(None), is_live(now))  # type: ignore[arg-type]


def counts_towards_limit(offer: Offer, now: datetime) -> object:
    """SQL: coupons of the offer that count towards its per-member limit: used, or still usable, in its period; a
    stamp card's reward is not one (it was paid for by the purchases that filled the card)."""
    condition = (Coupon.offer_id == offer.id) & _used_or_live(now) & _not_earned()
    if offer.limit_days is not None:
        condition = condition & (Coupon.issued_at >= now - timedelta(days=offer.limit_days))
    return condition


def count_towards_limits(programme: Programme, now: datetime) -> object:
    """SQL: coupons of any offer that count towards its limit (an offer no longer in the programme has no period)."""
    limited = [offer for offer in programme.offers if offer.limit_days is not None]
    without_period = Coupon.offer_id.not_in([offer.id for offer in limited]) & _used_or_live(now) & _not_earned()
    return or_(without_period, *(counts_towards_limit(offer, now) for offer in limited))  # type: ignore[arg-type]


def available_on(offer: Offer, programme: Programme, now: datetime) -> bool:
    today = business_day(programme, now)
    opened = offer.available_from is None or offer.available_from <= today
    return opened and (offer.available_until is None or today <= offer.available_until)


def expiry_of(offer: Offer, programme: Programme, now: datetime) -> datetime:
    """When a coupon of the offer issued now expires: after its `valid_days`, and not after the offer closes."""
    expires = now + timedelta(days=offer.valid_days)
    if offer.available_until is not None:
        closing = from_local(programme, datetime.combine(offer.available_until + timedelta(days=1), time(0)))
        expires = min(expires, max(closing, now + timedelta(hours=1)))
    return expires


async def _new_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await session.scalar(select(Coupon.id).where(Coupon.code == code)) is None:
            return code


async def issue_coupon(
    session: AsyncSession, programme: Programme, member_id: int, offer_id: str, now: datetime, key: str
) -> Issued:
    """Give the member a coupon for the offer, charging its points; the same key, or a live coupon, is returned as is.

    Checks the catalogue's own limits (dates, per-member limit, points) but not who the offer suits: a campaign may
    give any offer to its audience. Does not commit: it is part of the caller's unit of work.
    """
    if (earlier := await session.scalar(select(Coupon).where(Coupon.key == key))) is not None:
        return Issued(CouponView.of(earlier), created=False)
    offer = programme.offer(offer_id)
    if offer is None:
        raise UnknownOffer(offer=offer_id)
    if offer.kind == "collection" or not available_on(offer, programme, now):
        raise OfferUnavailable()
    held = await lock_member(session, member_id)
    live = await session.scalar(
        select(Coupon).where(Coupon.member_id == member_id, Coupon.offer_id == offer_id, is_live(now))  # type: ignore[arg-type]
    )
    if live is not None:
        return Issued(CouponView.of(live), created=False)
    used = await session.scalar(
        select(func.count()).where(Coupon.member_id == member_id, counts_towards_limit(offer, now))  # type: ignore[arg-type]
    )
    if (used or 0) >= offer.per_member_limit:
        raise OfferLimitReached(limit=offer.per_member_limit)
    code = await _new_code(session)
    if offer.points_cost:
        await ledger.debit(
            session,
            member_id=member_id,
            points=offer.points_cost,
            kind="coupon",
            reason="",
            key=f"coupon:{key}",
            now=now,
            zone=clock.zone(programme),
            rule=f"offers.{offer.id}",
            held=held,
        )
    coupon = Coupon(
        code=code,
        key=key,
        member_id=member_id,
        offer_id=offer.id,
        kind=offer.kind,
        points=offer.points_cost,
        reserved=offer.points_cost > 0 and offer.points_mode == "reserve",
        issued_at=now,
        expires_at=expiry_of(offer, programme, now),
    )
    session.add(coupon)
    await session.flush()
    return Issued(CouponView.of(coupon), created=True)


async def _pay_birthday(
    session: AsyncSession, programme: Programme, coupon: Coupon, now: datetime
) -> ledger.Posted | None:
    points = programme.bonuses.birthday
    if not points:
        return None
    return await ledger.credit(
        session,
        member_id=coupon.member_id,
        points=points,
        kind="birthday",
        reason="",
        key=f"birthday:{coupon.member_id}:{coupon.issued_at.year}",
        now=now,
        zone=clock.zone(programme),
        expires_at=programme.expiry.of_points_earned(now),
        rule="bonuses.birthday",
    )


async def redeem_coupon(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    code: str,
    *,
    now: datetime,
    member: str | None = None,
) -> Redeemed:
    """Use a coupon at the till, once; `member` names the member at the till, if the cashier said. Audited."""
    member_id = None if member is None else await lookup.member_id(session, member, cards, now)
    return await _redeem(session, programme, actor, code, now=now, member_id=member_id)


async def _redeem(
    session: AsyncSession, programme: Programme, actor: Actor, code: str, *, now: datetime, member_id: int | None
) -> Redeemed:
    await writing(session)
    stored = normalise_code(code)
    coupon = None if stored is None else await session.scalar(select(Coupon).where(Coupon.code == stored))
    if coupon is None:
        raise CouponUnknown(code=code)
    if member_id is not None and coupon.member_id != member_id:
        raise CouponForeign(code=code, member=numbers.shown(member_id))
    if coupon.redeemed_at is not None:
        raise CouponUsed(code=code, date=business_day(programme, coupon.redeemed_at).isoformat())
    if coupon.released_at is not None or coupon.expires_at <= now:
        raise CouponExpired(code=code, date=business_day(programme, coupon.expires_at).isoformat())
    member = await lock_member(session, coupon.member_id)
    if member.telegram_id == actor.telegram_id:
        raise OwnMembership()
    marked = await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.redeemed_at.is_(None), Coupon.released_at.is_(None))
        .values(redeemed_at=now, redeemed_by=actor.telegram_id)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise CouponUsed(code=code, date=business_day(programme, now).isoformat())
    await session.refresh(coupon)
    actor = await place(session, programme, actor)  # the audit line records the branch
    offer = programme.offer(coupon.offer_id)
    gift = await _pay_birthday(session, programme, coupon, now) if offer and offer.occasion == "birthday" else None
    notice = None if gift is None else await ledger.announce(session, gift)
    await audit.record(
        session,
        actor,
        "coupon.redeem",
        now=now,
        member_id=coupon.member_id,
        subject=coupon.code,
        detail=coupon.offer_id,
    )
    view = CouponView.of(coupon)
    if member.telegram_id is not None:
        payload = {"code": view.shown_code, "offer": coupon.offer_id, "language": member.language}
        await outbox.post(session, [outbox.Message(member.telegram_id, outbox.COUPON_USED, payload)], now)
    return Redeemed(
        view, offer, gift.amount if gift is not None and gift.created else 0, () if notice is None else (notice,)
    )


async def live_coupons(session: AsyncSession, member_id: int, now: datetime) -> list[CouponView]:
    """The member's coupons that can still be used, soonest to expire first."""
    rows = await session.scalars(
        select(Coupon).where(Coupon.member_id == member_id, is_live(now)).order_by(Coupon.expires_at)  # type: ignore[arg-type]
    )
    return [CouponView.of(row) for row in rows]


async def release_expired(
    session: AsyncSession,
    programme: Programme,
    now: datetime,
    batch: int = 500,
    checkpoint: Checkpoint = no_checkpoint,
) -> int:
    """Give back the points of reserved coupons that expired unused, `batch` at a time with a `checkpoint` after
    each; how many. The points keep the expiry of the lots they were reserved from (`ledger.restore`)."""
    await writing(session)
    released = 0
    while True:
        rows = (
            await session.scalars(
                select(Coupon)
                .where(
                    Coupon.reserved,
                    Coupon.redeemed_at.is_(None),
                    Coupon.released_at.is_(None),
                    Coupon.expires_at <= now,
                )
                .order_by(Coupon.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            return released
        for coupon in rows:
            await ledger.restore(
                session,
                debit_key=f"coupon:{coupon.key}",
                key=f"coupon-release:{coupon.key}",
                kind="coupon",
                reason="",
                now=now,
                zone=clock.zone(programme),
                rule=f"offers.{coupon.offer_id}",
            )
            coupon.released_at = now
        released += len(rows)
        await checkpoint()
