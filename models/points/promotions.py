"""Earning promotions: extra points for a category, for happy hours, for a few days, for a segment or a tier.

Combining rule: a sale's points are its money part x `earning.points_per_100` / 100 x the tier's multiplier x the
multiplier of the one promotion that applies, rounded once at the end. Promotions do not stack with each other: among
several that match a sale, the one with the largest multiplier applies (the first listed, on a tie), and it is the
one the member's notice names. A promotion matches when every condition it gives holds at the sale, read on the
business's wall clock: its category, weekday, hours, dates (both ends included), the member's segment and tier (the
tier held before the sale, the one whose multiplier applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from models.core.clock import local
from models.core.programme import WEEKDAYS, Programme, Promotion


@dataclass(frozen=True)
class Until:
    """When an applied promotion ends, as the notice says it: at a time today, on a weekday this week, on a date."""

    kind: str  # "time", "weekday", "date"
    value: str  # "10:00", "sun", "2026-12-31"


def matches(promotion: Promotion, *, category: str | None, tier: str, segment: str | None, wall: datetime) -> bool:
    today = wall.date()
    return (
        (promotion.category is None or promotion.category == category)
        and (not promotion.weekdays or WEEKDAYS[today.weekday()] in promotion.weekdays)
        and (promotion.hours is None or promotion.hours.start <= wall.time() < promotion.hours.end)
        and (promotion.starts is None or promotion.starts <= today)
        and (promotion.ends is None or today <= promotion.ends)
        and (promotion.segment is None or promotion.segment == segment)
        and (promotion.tier is None or promotion.tier == tier)
    )


def best(
    programme: Programme, *, category: str | None, tier: str, segment: str | None, now: datetime
) -> Promotion | None:
    """The promotion that applies to a sale at `now` (see the module for the rule), or None."""
    if not programme.promotions:
        return None  # asked for every sale of a batch: spare the clock
    wall = local(programme, now)
    found = [p for p in programme.promotions if matches(p, category=category, tier=tier, segment=segment, wall=wall)]
    return max(found, key=lambda promotion: promotion.multiplier, default=None)


def _last_day_this_week(promotion: Promotion, today: date) -> date | None:
    """The last day of the promotion's current run of weekdays, when it ends within the week."""
    if not promotion.weekdays or len(promotion.weekdays) == len(WEEKDAYS):
        return None
    day = today
    while WEEKDAYS[(day + timedelta(days=1)).weekday()] in promotion.weekdays:
        day += timedelta(days=1)
    return day


def until(programme: Programme, promotion: Promotion, now: datetime) -> Until | None:
    """When the promotion that applied at `now` stops: the end of its hours today, else the last day of its run
    (its weekdays, its end date), named by weekday within a week; None when it runs on."""
    wall = local(programme, now)
    if promotion.hours is not None and promotion.hours.end != time(0):
        return Until("time", promotion.hours.end.strftime("%H:%M"))
    ends = [day for day in (promotion.ends, _last_day_this_week(promotion, wall.date())) if day is not None]
    if not ends:
        return None
    last = min(ends)
    if last - wall.date() < timedelta(days=7):
        return Until("weekday", WEEKDAYS[last.weekday()])
    return Until("date", last.isoformat())
