"""Earning promotions: which one applies to a sale, and when the notice says it ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from models.core.programme import HourRange, LocalText, Programme, Promotion
from models.points.promotions import Until, best, until
from models.till.sales import points_for

MONDAY_NOON_MOSCOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the sample's time zone is Europe/Moscow (UTC+3)


def promotion(id: str, multiplier: str, **conditions: object) -> Promotion:
    title = LocalText(en=id, ru=id)
    return Promotion.model_validate({"id": id, "title": title, "multiplier": Decimal(multiplier), **conditions})


def with_promotions(programme: Programme, *promotions: Promotion) -> Programme:
    return programme.model_copy(update={"promotions": list(promotions)})


class TestWhichApplies:
    def test_every_condition_given_must_hold(self, programme: Programme) -> None:
        happy = promotion("happy", "2", category="tea", weekdays=["mon"], hours=HourRange(start=time(12), end=time(13)))
        rules = with_promotions(programme, happy)
        assert best(rules, category="tea", tier="bronze", segment=None, now=MONDAY_NOON_MOSCOW) == happy
        assert best(rules, category="coffee", tier="bronze", segment=None, now=MONDAY_NOON_MOSCOW) is None
        later = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 13:00 in Moscow: the hour has ended
        assert best(rules, category="tea", tier="bronze", segment=None, now=later) is None

    def test_the_largest_multiplier_applies_and_they_do_not_stack(self, programme: Programme) -> None:
        double, triple = promotion("double", "2"), promotion("triple", "3", tier="silver")
        rules = with_promotions(programme, double, triple)
        silver = best(rules, category=None, tier="silver", segment=None, now=MONDAY_NOON_MOSCOW)
        assert silver == triple
        assert best(rules, category=None, tier="bronze", segment=None, now=MONDAY_NOON_MOSCOW) == double
        # 1000 RUB at 5 per 100, silver x1.25, the promotion x3: 187.5, rounded once (down)
        assert points_for(rules, 100_000, rules.tier("silver"), silver) == 187

    def test_dates_include_both_ends_and_segments_must_match(self, programme: Programme) -> None:
        week = promotion("week", "2", starts=date(2026, 11, 23), ends=date(2026, 11, 23), segment="loyal")
        rules = with_promotions(programme, week)
        assert best(rules, category=None, tier="bronze", segment="loyal", now=MONDAY_NOON_MOSCOW) == week
        assert best(rules, category=None, tier="bronze", segment="new", now=MONDAY_NOON_MOSCOW) is None


class TestUntil:
    def test_happy_hours_end_at_their_hour(self, programme: Programme) -> None:
        happy = promotion("happy", "2", hours=HourRange(start=time(11), end=time(13)))
        assert until(programme, happy, MONDAY_NOON_MOSCOW) == Until("time", "13:00")

    def test_a_run_of_weekdays_ends_on_its_last_day(self, programme: Programme) -> None:
        weekdays = promotion("weekdays", "2", weekdays=["mon", "tue", "wed", "thu", "fri"])
        assert until(programme, weekdays, MONDAY_NOON_MOSCOW) == Until("weekday", "fri")

    def test_a_far_end_date_is_named_by_date_and_no_end_by_nothing(self, programme: Programme) -> None:
        far = promotion("far", "2", ends=date(2026, 12, 31))
        assert until(programme, far, MONDAY_NOON_MOSCOW) == Until("date", "2026-12-31")
        assert until(programme, promotion("always", "2"), MONDAY_NOON_MOSCOW) is None
