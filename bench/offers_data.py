"""The offers benchmark's database: the sandbox's café history (`bot.sandbox.seed`) at benchmark sizes, written into
the migrated SQLite schema and cached under bench/out/, rebuilt only when missing."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.sandbox import seed
from models.core.db import alembic_config, create_engine, migrate

OUT = Path(__file__).resolve().parent / "out"
END = datetime(2026, 11, 1, tzinfo=UTC)  # "now" of the generated history


@dataclass(frozen=True)
class Shape:
    members: int
    purchases: int
    seed: int = 7

    @property
    def path(self) -> Path:
        """The cached file, named after the schema too: a new migration means a new file."""
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return OUT / f"offers_{self.members}_{self.purchases}_{self.seed}_{head}.db"


async def _migrate(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()


def generate(shape: Shape, offset_seconds: int) -> Path:
    """Build the database file for `shape` unless it is cached; returns its path."""
    if shape.path.exists():
        return shape.path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = shape.path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    asyncio.run(_migrate(partial))
    started = time.perf_counter()
    seed.fill(partial, seed.Shape(shape.members, shape.purchases, END, shape.seed), offset_seconds)
    partial.rename(shape.path)
    print(f"generated {shape.path.name} in {time.perf_counter() - started:.0f} s")
    return shape.path


def zone_offset_seconds(zone: str) -> int:
    """The business zone's UTC offset at the end of the history (the sample zone, Moscow, keeps one all year)."""
    return seed.zone_offset_seconds(zone, END)
