"""RFM scores and segments: the boundaries from window functions, the rules as one table for SQL and for Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Subquery, case, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.analytics.member_stats import RfmCutoff
from models.core.programme import RFM_SEGMENTS

SCORES = range(2, 6)  # the boundaries kept: score 1 is whatever falls below the boundary of 2
NEW_DAYS = 30


@dataclass(frozen=True)
class SegmentRule:
    """A segment holds members whose R and FM scores fall in the ranges (and, if set, who started recently)."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]
    within_days: int | None = None


# First match wins; the last rule catches everyone left.
SEGMENT_RULES = (
    SegmentRule("new", (0, 5), (0, 5), within_days=NEW_DAYS),
    SegmentRule("champions", (4, 5), (4, 5)),
    SegmentRule("loyal", (3, 5), (3, 5)),
    SegmentRule("promising", (3, 5), (0, 5)),
    SegmentRule("at_risk", (1, 2), (3, 5)),
    SegmentRule("hibernating", (2, 2), (0, 5)),
    SegmentRule("lost", (0, 5), (0, 5)),
)
assert {rule.name for rule in SEGMENT_RULES} == set(RFM_SEGMENTS), "every segment has exactly one rule"


@dataclass(frozen=True)
class Cutoffs:
    """For each score 2-5: the most days (recency) or the least purchases and spend that still earn it."""

    recency_days: dict[int, int]
    frequency: dict[int, int]
    monetary_cents: dict[int, int]


def fm_score(f: int, m: int) -> int:
    return (f + m + 1) // 2


def segment_of(r: int, f: int, m: int, tenure_days: int) -> str:
    """The segment for scores and the days since the first purchase (or joining): the rules, in Python."""
    fm = fm_score(f, m)
    for rule in SEGMENT_RULES:
        recent_enough = rule.within_days is None or tenure_days <= rule.within_days
        if rule.r[0] <= r <= rule.r[1] and rule.fm[0] <= fm <= rule.fm[1] and recent_enough:
            return rule.name
    raise AssertionError("the last rule matches everyone")


def segment_sql(
    r: ColumnElement[int], f: ColumnElement[int], m: ColumnElement[int], tenure_days: ColumnElement[int]
) -> ColumnElement[str]:
    """The same rules as `segment_of`, as one CASE expression."""
    fm = (f + m + 1) // 2
    whens = []
    for rule in SEGMENT_RULES[:-1]:
        condition = r.between(*rule.r) & fm.between(*rule.fm)
        if rule.within_days is not None:
            condition = condition & (tenure_days <= rule.within_days)
        whens.append((condition, literal(rule.name, String)))
    return case(*whens, else_=literal(SEGMENT_RULES[-1].name, String))


def _higher_is_better(value: ColumnElement[int], bounds: dict[int, int]) -> ColumnElement[int]:
    whens = [(value >= bounds[score], literal(score, Integer)) for score in reversed(SCORES)]
    return case(*whens, else_=literal(1, Integer))


def scores_sql(
    cutoffs: Cutoffs | None,
    recency_days: ColumnElement[int],
    frequency: ColumnElement[int],
    monetary_cents: ColumnElement[int],
) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """R, F and M as SQL; 0 for members without purchases, and for everyone before the first nightly run."""
    if cutoffs is None:
        zero = literal(0, Integer)
        return zero, zero, zero
    bought = frequency > 0
    recent = [(recency_days <= cutoffs.recency_days[score], literal(score, Integer)) for score in reversed(SCORES)]
    r = case((bought, case(*recent, else_=literal(1, Integer))), else_=literal(0, Integer))
    f = case((bought, _higher_is_better(frequency, cutoffs.frequency)), else_=literal(0, Integer))
    m = case((bought, _higher_is_better(monetary_cents, cutoffs.monetary_cents)), else_=literal(0, Integer))
    return r, f, m


async def load_cutoffs(session: AsyncSession) -> Cutoffs | None:
    rows = (await session.scalars(select(RfmCutoff))).all()
    if len(rows) != len(SCORES):
        return None
    return Cutoffs(
        {row.score: row.recency_days for row in rows},
        {row.score: row.frequency for row in rows},
        {row.score: row.monetary_cents for row in rows},
    )


async def _bounds(session: AsyncSession, buyers: Subquery, name: str, *, fewer_is_better: bool) -> dict[int, int]:
    """Quintile scores by cumulative count, then the boundary value of each score.

    Read from the distinct values and how many buyers hold each (a few hundred to some ten thousand rows) rather
    than by ranking every buyer with a window function: 2 s instead of 7.5 s for a million buyers.
    """
    value = buyers.c[name]
    order = value.desc() if fewer_is_better else value
    counts = (await session.execute(select(value, func.count()).group_by(value).order_by(order))).all()
    total = sum(count for _, count in counts)
    per_score: dict[int, int] = {}  # score -> its first value in the order: the worst value that still earns it
    so_far = 0
    for bound, count in counts:
        so_far += count
        per_score.setdefault((so_far * 5 + total - 1) // total, int(bound))
    pick = max if fewer_is_better else min
    return {score: pick(bound for earned, bound in per_score.items() if earned >= score) for score in SCORES}


async def compute_cutoffs(session: AsyncSession, buyers: Subquery, now: datetime) -> Cutoffs | None:
    """Score boundaries over every buyer (`recency_days`, `frequency`, `monetary_cents` of each), stored; None
    when nobody has bought anything yet."""
    if not await session.scalar(select(func.count()).select_from(buyers)):
        return None
    cutoffs = Cutoffs(
        await _bounds(session, buyers, "recency_days", fewer_is_better=True),
        await _bounds(session, buyers, "frequency", fewer_is_better=False),
        await _bounds(session, buyers, "monetary_cents", fewer_is_better=False),
    )
    await session.execute(delete(RfmCutoff))
    session.add_all(
        RfmCutoff(
            score=score,
            recency_days=cutoffs.recency_days[score],
            frequency=cutoffs.frequency[score],
            monetary_cents=cutoffs.monetary_cents[score],
            computed_at=now,
        )
        for score in SCORES
    )
    await session.flush()
    return cutoffs
