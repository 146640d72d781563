"""The programme file: the sample is valid, and every mistake is named by its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.core.programme import ProgrammeError, load_programme
from tests.support.paths import SAMPLE_PROGRAMME

SAMPLE = SAMPLE_PROGRAMME.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TestSample:
    def test_sample_programme_loads(self) -> None:
        programme = load_programme(SAMPLE_PROGRAMME)
        assert programme.tiers.levels[0].threshold == 0
        assert {offer.kind for offer in programme.offers} == {"reward", "gift", "access", "collection", "discount"}


class TestMistakes:
    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            ("points_per_100 = 5 ", "points_per_100 = 0 ", r"earning.points_per_100: Input should be greater than 0"),
            ('currency = "RUB"', "", r"currency: Field required"),
            ("threshold = 10000", "threshold = 0", r"tiers.levels: .*strictly increase"),
            ('timezone = "Europe/Moscow"', 'timezone = "Europe/Atlantis"', r"timezone: unknown time zone"),
            ("discount_percent = 20\n", "", r"offers.4: .*a discount offer needs discount_percent"),
            ('categories = ["coffee"]', 'categories = ["cocoa"]', r"unknown categories \['cocoa'\]"),
            ("days = 365", "days = 365\nsurprise = 1", r"expiry.surprise: Extra inputs are not permitted"),
            ("point_value = 1 ", "point_value = 0.125 ", r"point_value: .*at most two decimals"),
            ("max_pay_share = 0.5", "max_pay_share = 1.5", r"max_pay_share: Input should be less than or equal to 1"),
            ('reward = "free_cappuccino"', 'reward = "free_pie"', r"stamp_cards.0.reward: no offer 'free_pie'"),
            ('reward = "free_cappuccino"', 'reward = "seasonal_six"', r"stamp_cards.0.reward: no offer 'seasonal_six'"),
            ("stamps = 6", "stamps = 1", r"stamp_cards.0.stamps: Input should be greater than or equal to 2"),
            ('category = "breakfast"', 'category = "brunch"', r"promotions.0.category: unknown category 'brunch'"),
            ('tier = "gold"', 'tier = "platinum"', r"promotions.1.tier: unknown tier 'platinum'"),
            ("end = 17:00:00", "end = 14:00:00", r"promotions.1.hours: .*start must be before end"),
            ('weekdays = ["sat", "sun"]', 'weekdays = ["caturday"]', r"promotions.0.weekdays.0: Input should be 'mon'"),
            ("multiplier = 2\n", "multiplier = 1\n", r"promotions.0.multiplier: Input should be greater than 1"),
        ],
    )
    def test_error_names_field_and_problem(self, tmp_path: Path, old: str, new: str, message: str) -> None:
        assert old in SAMPLE
        with pytest.raises(ProgrammeError, match=message):
            load_programme(write(tmp_path, SAMPLE.replace(old, new, 1)))

    def test_broken_toml_names_the_line(self, tmp_path: Path) -> None:
        with pytest.raises(ProgrammeError, match=r"not valid TOML: .*line 1"):
            load_programme(write(tmp_path, "name = \n"))

    def test_missing_file_says_what_to_set(self, tmp_path: Path) -> None:
        with pytest.raises(ProgrammeError, match="set PROGRAMME_FILE"):
            load_programme(tmp_path / "absent.toml")
