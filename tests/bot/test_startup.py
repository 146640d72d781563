"""Starting the bot: one clear line for each configuration mistake, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.support.paths import ROOT

GOOD_TOKEN = "123456:ABCDEFGHIJKLMNOP"


def run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in Settings.model_fields and k.lower() not in Settings.model_fields
    }
    clean.update(env)
    # A working directory without .env, so only the variables given here count.
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


class TestStartupErrors:
    def test_missing_token_names_the_variable(self, tmp_path: Path) -> None:
        result = run_bot(tmp_path)
        assert result.returncode != 0
        assert (
            result.stderr.strip() == "BOT_TOKEN is not set: put the token from @BotFather into .env or the environment."
        )

    def test_malformed_token_is_refused_in_one_line(self, tmp_path: Path) -> None:
        result = run_bot(tmp_path, BOT_TOKEN="not-a-token")
        assert result.returncode != 0
        assert result.stderr.strip().startswith("BOT_TOKEN: does not look like a token")
        assert "Traceback" not in result.stderr

    def test_invalid_programme_file_names_the_field(self, tmp_path: Path) -> None:
        broken = tmp_path / "programme.toml"
        broken.write_text((ROOT / "programme.toml").read_text().replace("multiplier = 1.25", "multiplier = -1"))
        result = run_bot(tmp_path, BOT_TOKEN=GOOD_TOKEN, PROGRAMME_FILE=str(broken))
        assert result.returncode != 0
        assert "tiers.levels.1.multiplier: Input should be greater than 0" in result.stderr
        assert "Traceback" not in result.stderr

    def test_unreachable_api_is_reported(self, tmp_path: Path) -> None:
        result = run_bot(
            tmp_path,
            BOT_TOKEN=GOOD_TOKEN,
            TELEGRAM_API_URL="http://127.0.0.1:9",
            PROGRAMME_FILE=str(ROOT / "programme.toml"),
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'loyalty.db'}",
        )
        assert result.returncode != 0
        assert "cannot reach the Bot API at TELEGRAM_API_URL" in result.stderr
        assert "Traceback" not in result.stderr


class TestSeveralProcessesRefused:
    """REDIS_URL means several processes: they need a shared database, and only one may poll Telegram."""

    @pytest.mark.parametrize(
        ("env", "says"),
        [
            (
                {"DATABASE_URL": "postgresql+asyncpg://loyalty@127.0.0.1:9/loyalty"},
                "REDIS_URL is set (several processes) but WEBHOOK_URL is not: Telegram gives updates to one polling "
                "process only, so set WEBHOOK_URL, or unset REDIS_URL",
            ),
            (
                {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s3cret"},
                "REDIS_URL is set (several processes) but DATABASE_URL is SQLite, which one process owns: "
                "use PostgreSQL, or unset REDIS_URL",
            ),
        ],
        ids=["polling", "sqlite"],
    )
    def test_redis_with_polling_or_sqlite_stops_with_one_line(
        self, tmp_path: Path, env: dict[str, str], says: str
    ) -> None:
        result = run_bot(tmp_path, BOT_TOKEN=GOOD_TOKEN, REDIS_URL="redis://127.0.0.1:9/0", **env)
        assert result.returncode == 1
        assert result.stderr.strip() == says
        assert not (tmp_path / "loyalty.db").exists()  # refused before touching anything


class TestSettings:
    def test_admin_ids_are_split_on_commas(self) -> None:
        settings = Settings(_env_file=None, bot_token=GOOD_TOKEN, admin_ids="111, 222")
        assert settings.admin_ids == frozenset({111, 222})

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("admin_ids", "111,bob", "Telegram user ids separated by commas"),
            ("timezone", "Mars/Olympus", "unknown time zone"),
            ("broadcast_rate", "0", "greater than 0"),
            ("telegram_api_url", "ftp://x", "must start with http:// or https://"),
        ],
    )
    def test_bad_values_are_refused_with_the_reason(self, field: str, value: str, message: str) -> None:
        values: dict[str, Any] = {"bot_token": GOOD_TOKEN, field: value}
        with pytest.raises(ValueError, match=message):
            Settings(_env_file=None, **values)

    def test_webhook_mode_requires_a_secret(self) -> None:
        with pytest.raises(ValueError, match="WEBHOOK_SECRET is not"):
            Settings(_env_file=None, bot_token=GOOD_TOKEN, webhook_url="https://example.org/hook")

    def test_empty_variables_mean_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WEBHOOK_URL", "")
        monkeypatch.setenv("TIMEZONE", "")
        settings = Settings(_env_file=None, bot_token=GOOD_TOKEN)
        assert settings.webhook_url is None
        assert settings.timezone == "UTC"
        assert not settings.timezone_set
