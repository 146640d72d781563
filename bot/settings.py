"""Process configuration: exactly the environment variables of PRODUCT.md section 2, read from `.env` too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.core.clock import DEFAULT_ZONE, known_zone

TELEGRAM_API_URL = "https://api.telegram.org"
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[\w-]{10,}$")
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """One validated settings object, built once at start-up and passed to whatever needs it."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore", frozen=True
    )

    bot_token: SecretStr
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///loyalty.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    programme_file: Path = Path("programme.toml")
    broadcast_rate: float = Field(default=25, gt=0)
    timezone: str = DEFAULT_ZONE
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    redis_url: str | None = None
    console_url: str | None = None  # the console's public HTTPS address; unset, the console is off

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_SHAPE.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits, a colon, then letters)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdecimal() for part in parts):
                raise ValueError("must be Telegram user ids separated by commas, like 111,222")
            return frozenset(int(part) for part in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("console_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram opens Mini Apps only over HTTPS)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("Telegram accepts 1 to 256 letters, digits, _ and - as a webhook secret")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not (self.webhook_secret and self.webhook_secret.get_secret_value()):
            raise ValueError("WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a random secret for webhook mode")
        return self

    @model_validator(mode="after")
    def _redis_means_a_cluster(self) -> Settings:
        # REDIS_URL is how several processes share one bot: they need a shared database and must not poll.
        if not self.redis_url:
            return self
        if self.database_url.startswith("sqlite"):
            raise ValueError(
                "REDIS_URL is set (several processes) but DATABASE_URL is SQLite, which one process owns: "
                "use PostgreSQL, or unset REDIS_URL"
            )
        if not self.webhook_url:
            raise ValueError(
                "REDIS_URL is set (several processes) but WEBHOOK_URL is not: Telegram gives updates to one polling "
                "process only, so set WEBHOOK_URL, or unset REDIS_URL"
            )
        return self

    @property
    def timezone_set(self) -> bool:
        """Whether TIMEZONE was given explicitly, so that it overrides the programme file."""
        return "timezone" in self.model_fields_set


def describe_error(exc: Exception) -> str:
    """One line naming the variable and what to do, for a settings failure at start-up."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return f"configuration error: {exc}"
    first = exc.errors()[0]
    field = str(first["loc"][0]).upper() if first["loc"] else "configuration"
    if first["type"] == "missing":
        if field == "BOT_TOKEN":
            return "BOT_TOKEN is not set: put the token from @BotFather into .env or the environment."
        return f"{field} is required."
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if first["loc"] else message
