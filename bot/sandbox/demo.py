"""The demo café: its people, the settings the real bot runs with in the sandbox, and the demo database (seeded with
two years of history on first use, a cashier appointed)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.sandbox import seed
from bot.settings import Settings
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker, migrate
from models.core.programme import load_programme
from models.core.uow import transaction
from models.team import staff

log = logging.getLogger(__name__)

PROGRAMME: Final = Path(__file__).resolve().parent / "programme.toml"
TOKEN: Final = "700000:SANDBOX-demo-token"  # the stand-in's token; it is not a Telegram token
MEMBERS: Final = 300
PURCHASES: Final = 24_000


@dataclass(frozen=True)
class Person:
    """Someone with a phone on the page: a Telegram user id, a name and the part they play."""

    id: int
    name: str
    role: str  # "Customer", "Cashier" or "Owner": also the name of their phone on the page
    phone: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "role": self.role}


OWNER: Final = Person(5_000_001, "Olga", "Owner", "+7 900 555-00-01")
CASHIER: Final = Person(5_000_002, "Kate", "Cashier", "+7 900 555-00-02")
FIRST_CUSTOMER: Final = Person(5_000_003, "Anna", "Customer", "+7 900 555-00-03")
CUSTOMER_NAMES: Final = ("Anna", "Boris", "Vera", "Gleb", "Daria", "Egor", "Zoya", "Ivan")


def customer(number: int) -> Person:
    """The `number`th customer on the page (1 is the first one), with a phone number of their own."""
    name = CUSTOMER_NAMES[(number - 1) % len(CUSTOMER_NAMES)]
    label = "Customer" if number == 1 else f"Customer {number}"
    return Person(FIRST_CUSTOMER.id + number - 1, name, label, f"+7 900 555-{10 + number:02d}-{number % 100:02d}")


def settings(database: Path, telegram_url: str) -> Settings:
    """What the real bot runs with in the sandbox: nothing read from the environment or .env."""
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=telegram_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        admin_ids=frozenset({OWNER.id}),
        programme_file=PROGRAMME,
    )


def erase(database: Path) -> None:
    """Remove the demo database with its journal files (to start over), and a half-written one."""
    for suffix in ("", "-wal", "-shm", "-journal", ".partial"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _fresh(database: Path) -> Path | None:
    """Where to write a new demo database, or None when one exists already."""
    if database.exists():
        return None
    partial = database.with_name(database.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


def _finish(partial: Path, database: Path) -> None:
    partial.rename(database)


async def prepare(database: Path) -> bool:
    """Create and seed the demo database unless it exists; True when it was created (analytics still to run)."""
    partial = _fresh(database)
    if partial is None:
        return False
    engine = create_engine(f"sqlite+aiosqlite:///{partial}")
    try:
        await migrate(engine)
        programme = load_programme(PROGRAMME)
        now = utcnow()
        log.info("seeding the demo database: %d members, %d purchases over two years", MEMBERS, PURCHASES)
        await engine.dispose()  # the bulk load writes with its own connection
        seed.fill(partial, seed.Shape(MEMBERS, PURCHASES, now), seed.zone_offset_seconds(programme.timezone, now))
        async with transaction(create_sessionmaker(engine)) as session:
            await staff.appoint(
                session,
                programme,
                owner=staff.Actor(OWNER.id, staff.Role.OWNER),
                owners=frozenset({OWNER.id}),
                user_id=CASHIER.id,
                role="cashier",
                max_sale=None,
                points_per_day=None,
                now=now,
            )
            await session.commit()
    finally:
        await engine.dispose()
    _finish(partial, database)
    return True
