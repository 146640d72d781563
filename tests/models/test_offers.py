"""The offer ranking: value before price, discounts only where nothing else will do, reasons from true facts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.core.programme import RFM_SEGMENTS, Programme
from models.offers.facts import MemberFacts, in_birthday_week
from models.offers.ranking import Fit, RankedOffer, Ranker, Reason, rank_offers, reason, rhythm
from tests.models.offers_data import CATEGORIES, facts_with


def ids(ranked: list[RankedOffer]) -> list[str]:
    return [item.offer.id for item in ranked]


class TestLadder:
    def test_a_slipping_high_value_member_gets_the_discount_last(self, programme: Programme) -> None:
        facts = facts_with(segment="at_risk", r=2, m=5, recency_days=75, favourites=("coffee",))
        ranked = ids(rank_offers(facts, programme))
        assert "comeback_20" in ranked
        assert ranked[-1] == "comeback_20"
        assert ranked[0] == "free_cappuccino"  # their favourite, paid with their own points

    @pytest.mark.parametrize(
        ("segment", "m"), [("loyal", 5), ("champions", 5), ("new", 5), ("at_risk", 3), ("hibernating", 2)]
    )
    def test_no_discount_unless_slipping_with_high_value(self, programme: Programme, segment: str, m: int) -> None:
        assert "comeback_20" not in ids(rank_offers(facts_with(segment=segment, m=m), programme))

    def test_when_nothing_else_fits_the_discount_is_the_offer(self, programme: Programme) -> None:
        facts = facts_with(segment="hibernating", r=2, m=4, balance=0, collections=(("seasonal_six", 6),))
        assert ids(rank_offers(facts, programme)) == ["comeback_20"]

    def test_access_for_silver_regulars_who_love_coffee(self, programme: Programme) -> None:
        facts = facts_with(tier="silver", favourites=("coffee", "beans"))
        assert ids(rank_offers(facts, programme, 3))[0] == "tasting_evening"

    def test_birthday_gift_comes_first_in_the_birthday_week_only(self, programme: Programme) -> None:
        assert ids(rank_offers(facts_with(birthday_week=True), programme))[0] == "birthday_gift"
        assert "birthday_gift" not in ids(rank_offers(facts_with(), programme))

    def test_points_limits_and_badges_close_offers(self, programme: Programme) -> None:
        assert "free_cappuccino" not in ids(rank_offers(facts_with(balance=149), programme))
        assert "free_cappuccino" not in ids(rank_offers(facts_with(uses=(("free_cappuccino", 4),)), programme))
        assert "seasonal_six" not in ids(rank_offers(facts_with(badges=frozenset({"seasonal_six"})), programme))

    def test_a_collection_nearly_done_ranks_higher(self, programme: Programme) -> None:
        catalogue = programme.offers
        fresh = Ranker(programme).order(Fit.of(facts_with(collections=(("seasonal_six", 0),)), catalogue))
        close = Ranker(programme).order(Fit.of(facts_with(collections=(("seasonal_six", 5),)), catalogue))
        assert {o.id: s for o, s in close}["seasonal_six"] > {o.id: s for o, s in fresh}["seasonal_six"]

    def test_campaign_pick_never_spends_points(self, programme: Programme) -> None:
        facts = facts_with(favourites=("coffee",))
        fit = Fit.of(facts, programme.offers)
        assert Ranker(programme).best(fit) is not None
        best = Ranker(programme).best(fit, costs_no_points=True)
        assert best is not None
        assert best.points_cost == 0


class TestReasons:
    def test_rhythm_reason_quotes_the_favourite_and_the_habit(self, programme: Programme) -> None:
        facts = facts_with(favourites=("coffee",), usual_weekdays=(0, 2, 4), usual_hours=(6, 9))
        top = rank_offers(facts, programme, 1)[0]
        assert (top.reason.key, top.reason.category, top.reason.days, top.reason.part) == (
            "rhythm",
            "coffee",
            "weekdays",
            "morning",
        )

    def test_discount_reason_is_the_time_since_the_last_visit(self, programme: Programme) -> None:
        facts = facts_with(segment="at_risk", r=1, m=5, recency_days=93)
        discount = next(item for item in rank_offers(facts, programme) if item.offer.kind == "discount")
        assert (discount.reason.key, discount.reason.number) == ("missed", 93)

    def test_a_newcomer_hears_about_their_first_visit(self, programme: Programme) -> None:
        facts = facts_with(segment="new", frequency=0, recency_days=None, r=0, f=0, m=0, balance=100)
        assert {item.reason.key for item in rank_offers(facts, programme)} <= {"first", "collection"}

    @settings(max_examples=300, deadline=None)
    @given(
        segment=st.sampled_from(RFM_SEGMENTS),
        scores=st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)),
        bought=st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=3),
        weekdays=st.lists(st.integers(0, 6), unique=True, max_size=4),
        hours=st.lists(st.sampled_from((0, 3, 6, 9, 12, 15, 18, 21)), unique=True, max_size=3),
        frequency=st.integers(0, 300),
        recency=st.none() | st.integers(0, 900),
        balance=st.integers(0, 2_000),
        tier=st.sampled_from(("bronze", "silver", "gold")),
        done=st.integers(0, 6),
        birthday_week=st.booleans(),
    )
    def test_every_reason_states_true_facts(
        self,
        programme: Programme,
        segment: str,
        scores: tuple[int, int, int],
        bought: list[str],
        weekdays: list[int],
        hours: list[int],
        frequency: int,
        recency: int | None,
        balance: int,
        tier: str,
        done: int,
        birthday_week: bool,
    ) -> None:
        facts = facts_with(
            segment=segment,
            r=scores[0],
            f=scores[1],
            m=scores[2],
            favourites=tuple(bought),
            usual_weekdays=tuple(weekdays),
            usual_hours=tuple(hours),
            frequency=frequency,
            recency_days=recency,
            balance=balance,
            tier=tier,
            collections=(("seasonal_six", done),),
            birthday_week=birthday_week,
        )
        ranked = rank_offers(facts, programme)
        assert ids(ranked) == [offer.id for offer, _ in Ranker(programme).order(Fit.of(facts, programme.offers))]
        for item in ranked:
            assert_true(item.reason, facts)
        kinds = [item.offer.kind for item in ranked]
        if "discount" in kinds:
            assert segment in {"at_risk", "hibernating", "lost"}
            assert scores[2] >= 4
            assert kinds.index("discount") == len(kinds) - 1


def assert_true(said: Reason, facts: MemberFacts) -> None:
    """Every fact a reason quotes is the member's own."""
    if said.category is not None:
        assert said.category in facts.favourites  # never a category the member did not buy
    if said.key == "rhythm":
        assert (said.days, said.part) == rhythm(facts)
    if said.key == "missed":
        assert said.number == facts.recency_days
    if said.key == "visits":
        assert said.number == facts.frequency > 0
    if said.key == "first":
        assert facts.frequency == 0
    if said.key == "points":
        assert said.number == facts.balance
    if said.key == "collection":
        assert said.number == facts.progress("seasonal_six") > 0
    if said.key == "birthday":
        assert facts.birthday_week
    if said.key == "tier":
        assert said.tier == facts.tier


class TestBirthdayWeek:
    @pytest.mark.parametrize(
        ("birthday", "today", "inside"),
        [
            (date(1990, 5, 10), date(2026, 5, 7), True),
            (date(1990, 5, 10), date(2026, 5, 13), True),
            (date(1990, 5, 10), date(2026, 5, 14), False),
            (date(1990, 12, 31), date(2027, 1, 2), True),
            (date(1992, 2, 29), date(2026, 3, 3), True),
            (date(1992, 2, 29), date(2026, 3, 4), False),
        ],
    )
    def test_three_days_either_side(self, birthday: date, today: date, inside: bool) -> None:
        assert in_birthday_week(birthday, today) is inside
        assert not in_birthday_week(None, today)


def test_reason_for_a_favourite_without_rhythm(programme: Programme) -> None:
    offer = programme.offer("croissant_gift")
    assert offer is not None
    said = reason(offer, facts_with(favourites=("tea", "pastry")))
    assert (said.key, said.category) == ("favourite", "pastry")
