"""The next best offer: which catalogue offers suit a member, in what order, and one true sentence on why.

`rank_offers` is pure: member facts and the programme in, ranked offers out. The rules:

1. **Eligibility.** An offer is considered when it is open today (`available_from`/`available_until`); a birthday
   offer only in the member's birthday week (three days either side of the birthday); the member is in one of its
   `segments` and `tiers` (when it names any); the member is below its `per_member_limit`; the member has the
   points it costs; a collection is not yet complete. A **discount** is considered only where the data says
   nothing else will do: the member is slipping away (`at_risk`, `hibernating`, `lost`) and their past value is
   high (M score 4 or 5).
2. **Score** = ladder weight x fit. The ladder puts value before price: access 1.0, gift 0.9, collection 0.9,
   reward 0.8, discount 0.1 (so low that a discount ranks below every other offer that suits the member). Fit is
   how well the offer matches what the member buys: 1.0, 0.8, 0.6 when it covers their first, second, third
   favourite category, 0.5 when it is not tied to categories, 0.2 when it covers none of their favourites; a
   collection fits 0.4 + 0.6 x its progress; offers made for the member's segment or tier get 0.2 more. The
   birthday offer always comes first. Ties go to more value for the member per unit of cost to the business,
   then to catalogue order.
3. **Reason.** Built only from the member's own facts, most telling first: their birthday week; for a discount, how
   long since their last visit; a collection's progress; the favourite category the offer covers, with their
   rhythm when they have one ("you come for coffee on weekday mornings"); the points they hold; their tier; how
   often they have come; or that this would be their first visit.

The order depends only on `Fit`, a small summary of the facts, so ranking a million members (`Ranker`) computes
each distinct order once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.habits import Clock
from models.analytics.member_stats import MemberStats
from models.core.errors import NotAMember, OfferUnavailable, UnknownOffer
from models.core.programme import Offer, Programme
from models.core.uow import writing
from models.offers.collections import Progress, badges_of, progress_of
from models.offers.coupons import CouponView, Issued, issue_coupon, live_coupons
from models.offers.facts import MemberFacts, load_facts

LADDER = {"access": 1.0, "gift": 0.9, "collection": 0.9, "reward": 0.8, "discount": 0.1}
FAVOURITE_FIT = (1.0, 0.8, 0.6)
UNTIED_FIT = 0.5
OTHER_CATEGORY_FIT = 0.2
TARGETED_BONUS = 0.2
BIRTHDAY_SCORE = 100.0
SLIPPING = frozenset({"at_risk", "hibernating", "lost"})
HIGH_VALUE_SCORE = 4
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
# Day parts by the first hour of each three-hour slot (see models.analytics.member_stats).
PART_OF_SLOT = {6: "morning", 9: "morning", 12: "midday", 15: "afternoon", 18: "evening", 21: "evening"}
SHOWN = 3


@dataclass(frozen=True)
class Reason:
    """One line on why the offer is the member's: a text key and the facts it quotes."""

    key: str
    category: str | None = None
    days: str | None = None  # "weekdays" or "weekends"
    part: str | None = None  # "morning", "midday", "afternoon" or "evening"
    number: int | None = None
    total: int | None = None
    tier: str | None = None


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    score: float
    reason: Reason


@dataclass(frozen=True)
class Fit:
    """Everything the order of offers depends on (and nothing else), so that equal fits share one ranking."""

    today: date
    segment: str
    high_value: bool
    tier: str
    favourites: tuple[str, ...]
    birthday_week: bool
    affordable: frozenset[str] = field(default_factory=frozenset)
    exhausted: frozenset[str] = field(default_factory=frozenset)
    collections: tuple[tuple[str, int], ...] = ()
    badges: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, facts: MemberFacts, catalogue: Sequence[Offer]) -> Fit:
        return cls.build(
            catalogue,
            today=facts.today,
            segment=facts.segment,
            m=facts.m,
            tier=facts.tier,
            balance=facts.balance,
            favourites=facts.favourites,
            birthday_week=facts.birthday_week,
            collections=facts.collections,
            badges=facts.badges,
            uses=dict(facts.uses),
        )

    @classmethod
    def build(
        cls,
        catalogue: Sequence[Offer],
        *,
        today: date,
        segment: str,
        m: int,
        tier: str,
        balance: int,
        favourites: tuple[str, ...],
        birthday_week: bool,
        collections: tuple[tuple[str, int], ...],
        badges: frozenset[str],
        uses: dict[str, int],
    ) -> Fit:
        """From the facts the order depends on, however they were loaded."""
        return cls(
            today=today,
            segment=segment,
            high_value=m >= HIGH_VALUE_SCORE,
            tier=tier,
            favourites=favourites,
            birthday_week=birthday_week,
            affordable=frozenset(offer.id for offer in catalogue if balance >= offer.points_cost),
            exhausted=frozenset(offer.id for offer in catalogue if uses.get(offer.id, 0) >= offer.per_member_limit),
            collections=collections,
            badges=badges,
        )


def suits(offer: Offer, fit: Fit) -> bool:
    """Rule 1: may this offer be shown to this member today?"""
    open_today = (offer.available_from is None or offer.available_from <= fit.today) and (
        offer.available_until is None or fit.today <= offer.available_until
    )
    checks = (
        open_today,
        offer.occasion != "birthday" or fit.birthday_week,
        not offer.segments or fit.segment in offer.segments,
        not offer.tiers or fit.tier in offer.tiers,
        offer.id not in fit.exhausted,
        offer.id in fit.affordable,
        offer.kind != "collection" or (offer.id not in fit.badges and _share(offer, fit) < 1),
        offer.kind != "discount" or (fit.segment in SLIPPING and fit.high_value),
    )
    return all(checks)


def _share(offer: Offer, fit: Fit) -> float:
    return min(1.0, dict(fit.collections).get(offer.id, 0) / len(offer.collection_items))


def _category_fit(categories: Sequence[str], favourites: Sequence[str]) -> float:
    ranks = [favourites.index(c) for c in categories if c in favourites[: len(FAVOURITE_FIT)]]
    return FAVOURITE_FIT[min(ranks)] if ranks else OTHER_CATEGORY_FIT


def score(offer: Offer, fit: Fit) -> float:
    """Rule 2: ladder weight x fit."""
    if offer.occasion == "birthday":
        return BIRTHDAY_SCORE
    if offer.kind == "collection":
        match = 0.4 + 0.6 * _share(offer, fit)
    elif offer.categories:
        match = _category_fit(offer.categories, fit.favourites)
    else:
        match = UNTIED_FIT
    if offer.segments or offer.tiers:
        match += TARGETED_BONUS
    return LADDER[offer.kind] * match


def _value_per_cost(offer: Offer) -> float:
    return float(offer.value) / (float(offer.business_cost) + 1)


def order(fit: Fit, catalogue: Sequence[Offer]) -> list[tuple[Offer, float]]:
    scored = [(offer, score(offer, fit), position) for position, offer in enumerate(catalogue) if suits(offer, fit)]
    scored.sort(key=lambda item: (-item[1], -_value_per_cost(item[0]), item[2]))
    return [(offer, points) for offer, points, _ in scored]


def rhythm(facts: MemberFacts) -> tuple[str | None, str | None]:
    """The member's usual days ("weekdays"/"weekends") and part of the day, where their rhythm says so."""
    days = set(facts.usual_weekdays)
    when = "weekdays" if days and days <= WEEKDAYS else "weekends" if days and days <= WEEKEND else None
    parts = {PART_OF_SLOT.get(hour) for hour in facts.usual_hours}
    part = parts.pop() if len(parts) == 1 else None
    return when, part


def reason(offer: Offer, facts: MemberFacts) -> Reason:
    """Rule 3: the most telling true fact about this member for this offer."""
    if offer.occasion == "birthday" and facts.birthday_week:
        return Reason("birthday")
    if offer.kind == "discount" and facts.recency_days is not None:
        return Reason("missed", number=facts.recency_days)
    if offer.kind == "collection" and (done := facts.progress(offer.id)):
        return Reason("collection", number=done, total=len(offer.collection_items))
    covered = offer.collection_items if offer.kind == "collection" else offer.categories
    liked = next((category for category in facts.favourites if category in covered), None)
    if liked is not None:
        days, part = rhythm(facts)
        if days or part:
            return Reason("rhythm", category=liked, days=days, part=part)
        return Reason("favourite", category=liked)
    if offer.points_cost:
        return Reason("points", number=facts.balance, total=offer.points_cost)
    if offer.tiers and facts.tier in offer.tiers:
        return Reason("tier", tier=facts.tier)
    if facts.frequency:
        return Reason("visits", number=facts.frequency)
    return Reason("first")


class Ranker:
    """Ranks members against one programme's catalogue, computing each distinct `Fit`'s order once."""

    def __init__(self, programme: Programme) -> None:
        self.catalogue = tuple(programme.offers)
        self._orders: dict[Fit, list[tuple[Offer, float]]] = {}

    def order(self, fit: Fit) -> list[tuple[Offer, float]]:
        found = self._orders.get(fit)
        if found is None:
            found = self._orders[fit] = order(fit, self.catalogue)
        return found

    def rank(self, facts: MemberFacts, limit: int | None = None) -> list[RankedOffer]:
        chosen = self.order(Fit.of(facts, self.catalogue))[:limit]
        return [RankedOffer(offer, points, reason(offer, facts)) for offer, points in chosen]

    def best(self, fit: Fit, *, costs_no_points: bool = False) -> Offer | None:
        """The top offer; `costs_no_points` skips offers paid with points (a campaign gives, it never spends)."""
        return next((offer for offer, _ in self.order(fit) if not (costs_no_points and offer.points_cost)), None)


def rank_offers(facts: MemberFacts, programme: Programme, limit: int | None = None) -> list[RankedOffer]:
    """The offers that suit the member, best first, each with its reason (the pure function the rules describe)."""
    return Ranker(programme).rank(facts, limit)


@dataclass(frozen=True)
class OffersPage:
    """What /offers shows: the best offers with reasons, live coupons, collections progress and badges."""

    offers: tuple[RankedOffer, ...]
    coupons: tuple[CouponView, ...]
    progress: tuple[Progress, ...]
    badges: tuple[str, ...]

    def coupon_for(self, offer_id: str) -> CouponView | None:
        return next((coupon for coupon in self.coupons if coupon.offer_id == offer_id), None)


async def member_facts(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> MemberFacts:
    today = Clock.of(programme, now).today
    facts = await load_facts(session, programme, member_id, member_id, today, now)
    if member_id not in facts:
        raise NotAMember()
    return facts[member_id]


async def offers_page(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> OffersPage:
    """The member's best offers (SHOWN of them), each with its reason, and what they have collected."""
    facts = await member_facts(session, programme, member_id, now)
    return OffersPage(
        offers=tuple(rank_offers(facts, programme, SHOWN)),
        coupons=tuple(await live_coupons(session, member_id, now)),
        progress=tuple(progress_of(programme, dict(facts.collections))),
        badges=tuple(await badges_of(session, member_id)),
    )


async def best_offer(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Offer | None:
    """The member's best offer that costs them no points: what a campaign gives each recipient (`issue_coupon`).

    This is the pick stored by the last ranking of the member (nightly, and after each of their sales), one index
    look-up, so that a campaign to a large audience keeps its pace; members never ranked are ranked now.
    """
    stored = (
        await session.execute(select(MemberStats.best_offer).where(MemberStats.member_id == member_id))
    ).one_or_none()
    if stored is not None:
        return programme.offer(stored.best_offer) if stored.best_offer else None
    facts = await member_facts(session, programme, member_id, now)
    return Ranker(programme).best(Fit.of(facts, programme.offers), costs_no_points=True)


async def activate_offer(
    session: AsyncSession, programme: Programme, member_id: int, offer_id: str, now: datetime, key: str
) -> Issued:
    """Turn one of the member's offers into a coupon (or show the live one again)."""
    await writing(session)
    offer = programme.offer(offer_id)
    if offer is None:
        raise UnknownOffer(offer=offer_id)
    facts = await member_facts(session, programme, member_id, now)
    live = next((coupon for coupon in await live_coupons(session, member_id, now) if coupon.offer_id == offer_id), None)
    if live is not None:
        return Issued(live, created=False)
    if not suits(offer, Fit.of(facts, programme.offers)):
        raise OfferUnavailable()
    try:
        issued = await issue_coupon(session, programme, member_id, offer_id, now, key)
    except BaseException:
        raise
    return issued
