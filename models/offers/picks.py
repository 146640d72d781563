"""Best offers for many members at once: the nightly ranking of everyone, and the store of each member's pick."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, case, cast, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.analytics.habits import Batch, Clock
from models.analytics.member_stats import MemberStats
from models.core.base import table_of
from models.core.programme import Programme
from models.members.registry import Member
from models.offers.facts import badges_in, birthday_month_days, coupon_uses
from models.offers.ranking import HIGH_VALUE_SCORE, Fit, Ranker


async def store_best_offers(session: AsyncSession, picks: dict[int, str | None]) -> None:
    """Write best offers; straight on the connection, since the session's bulk update costs far more per row."""
    stats = table_of(MemberStats)
    changes = [{"who": member_id, "offer": offer_id} for member_id, offer_id in picks.items()]
    if changes:
        connection = await session.connection()
        await connection.execute(
            update(stats).where(stats.c.member_id == bindparam("who")).values(best_offer=bindparam("offer")), changes
        )


@dataclass(frozen=True)
class Lean:
    rows: list[tuple[int, str | None, str]]  # member id, stored best offer, ranking key
    uses: dict[int, dict[str, int]]
    badges: dict[int, frozenset[str]]


class BestOffers:
    """Best offers for batches of members: members whose ranking key is equal share one ranking.

    The key, built in SQL, holds what the order of offers depends on (see `models.offers.ranking.Fit`): segment, high
    value, tier, which points costs the balance covers, the birthday week, collections progress and favourites;
    coupon uses and badges, which few members have, are added in Python.
    """

    def __init__(self, programme: Programme, clock: Clock) -> None:
        self.ranker = Ranker(programme)
        self.clock = clock
        self.costs = sorted({offer.points_cost for offer in programme.offers})
        self.known: dict[object, str | None] = {}

    def _key(self) -> ColumnElement[str]:
        s, today = MemberStats, self.clock.today
        birthday_days = sorted(birthday_month_days(today))
        month_day = func.substr(cast(Member.birthday, String), 6, 5)
        level: ColumnElement[str] = literal("0", String)
        for position, cost in enumerate(self.costs[1:], start=1):
            level = case((Member.balance >= cost, literal(str(position), String)), else_=level)
        parts: list[Any] = [
            case((s.m_score >= HIGH_VALUE_SCORE, "1"), else_="0"),
            Member.tier,
            level,
            case((month_day.in_(birthday_days), "1"), else_="0"),
            cast(s.collections, String),
            s.favourites,
        ]
        key: ColumnElement[str] = cast(s.segment, String)
        for part in parts:
            key = key + literal("|", String) + part
        return key

    async def load(self, session: AsyncSession, programme: Programme, batch: Batch) -> Lean:
        """What the ranking needs of each member in the batch, as plain rows."""
        uses = await coupon_uses(session, programme, batch.first_id, batch.last_id, self.clock.now)
        badges = await badges_in(session, batch.first_id, batch.last_id)
        s = MemberStats
        rows = await session.execute(
            select(s.member_id, s.best_offer, self._key())
            .join(Member, Member.id == s.member_id)
            .where(batch.holds(s.member_id))
        )
        return Lean([(member_id, best, key) for member_id, best, key in rows], uses, badges)

    def _rank(self, key: str, uses: dict[str, int], badges: frozenset[str]) -> str | None:
        segment, high, tier, level, birthday, done, favourites = key.split("|")
        fit = Fit.build(
            self.ranker.catalogue,
            today=self.clock.today,
            segment=segment,
            m=HIGH_VALUE_SCORE if high == "1" else 0,
            tier=tier,
            balance=self.costs[int(level)],
            favourites=tuple(favourites.split(",")) if favourites else (),
            birthday_week=birthday == "1",
            collections=tuple(sorted(json.loads(done).items())),
            badges=badges,
            uses=uses,
        )
        chosen = self.ranker.best(fit, costs_no_points=True)
        return chosen.id if chosen else None

    def choose(self, lean: Lean) -> dict[int, str | None]:
        """The best offer of each member whose best offer changed."""
        uses, badges, known = lean.uses, lean.badges, self.known
        picks = {}
        for member_id, before, key in lean.rows:
            member_uses, member_badges = uses.get(member_id), badges.get(member_id)
            if member_uses or member_badges:
                extra = (tuple(sorted((member_uses or {}).items())), member_badges or frozenset())
                full_key: object = (key, extra)
                if full_key not in known:
                    known[full_key] = self._rank(key, dict(member_uses or {}), member_badges or frozenset())
                best = known[full_key]
            elif key in known:
                best = known[key]
            else:
                best = known[key] = self._rank(key, {}, frozenset())
            if best != before:
                picks[member_id] = best
        return picks
