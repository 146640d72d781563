"""Members and purchase histories for the analytics and offers tests, written straight into the tables."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.offers.facts import MemberFacts
from models.points.purchases import Purchase
from tests.support.members import enrol_member

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
CATEGORIES = ("coffee", "tea", "pastry", "breakfast", "seasonal", "beans")


async def new_member(
    session: AsyncSession, programme: Programme, telegram_id: int, joined: datetime = NOW - timedelta(days=400)
) -> int:
    return await enrol_member(session, programme, telegram_id, now=joined)


async def buy(
    session: AsyncSession,
    member_id: int,
    at: datetime,
    *,
    category: str | None = "coffee",
    cents: int = 25_000,
    refunded: bool = False,
) -> None:
    await session.execute(
        insert(Purchase).values(
            member_id=member_id,
            amount_cents=cents,
            category=category,
            created_at=at,
            refunded_at=at + timedelta(minutes=5) if refunded else None,
        )
    )


@dataclass(frozen=True)
class Habit:
    """A planted habit: the favourite category, the weekdays (0 = Monday) and the local hour a member comes at."""

    favourite: str
    weekdays: tuple[int, ...]
    hour: int


def planted_habits(count: int, seed: int = 11) -> list[Habit]:
    rng = random.Random(seed)
    patterns = ((0, 1, 2, 3, 4), (5, 6), (0, 2, 4), (1, 3))
    return [
        Habit(rng.choice(CATEGORIES), patterns[i % len(patterns)], rng.choice((7, 8, 12, 13, 18, 19)))
        for i in range(count)
    ]


async def plant(
    session: AsyncSession, member_id: int, habit: Habit, zone: ZoneInfo, rng: random.Random, purchases: int = 30
) -> None:
    """Purchases over half a year: 80% follow the habit exactly, the rest fall on any day, hour and category."""
    today = NOW.astimezone(zone).date()
    for _ in range(purchases):
        if rng.random() < 0.8:
            day = today - timedelta(days=rng.randrange(1, 180))
            while day.weekday() not in habit.weekdays:
                day -= timedelta(days=1)
            moment = datetime.combine(day, time(habit.hour, rng.randrange(60)), zone)
            category = habit.favourite
        else:
            day = today - timedelta(days=rng.randrange(1, 180))
            moment = datetime.combine(day, time(rng.randrange(8, 22), rng.randrange(60)), zone)
            category = rng.choice(CATEGORIES)
        await buy(session, member_id, moment.astimezone(UTC), category=category)


def facts_with(**changes: Any) -> MemberFacts:
    """A regular bronze member of the loyal segment with 300 points and no habits, changed as the test says."""
    facts = MemberFacts(
        member_id=1,
        today=NOW.date(),
        segment="loyal",
        r=4,
        f=3,
        m=3,
        recency_days=6,
        frequency=12,
        monetary_cents=4_200_00,
        tier="bronze",
        balance=300,
    )
    return replace(facts, **changes)
