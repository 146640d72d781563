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
