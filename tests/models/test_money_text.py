"""Exports print money in the database (`portable.money_text`): every whole number of cents comes back as exactly
the currency amount with two decimals, on SQLite (a double printed with %.2f) and PostgreSQL (numeric)."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.portable import money_text

COLUMNS = 400  # values asked for in one SELECT


async def test_every_amount_of_cents_prints_exactly(session: AsyncSession) -> None:
    rng = random.Random(16)
    cents = [*range(0, 20_001), *(rng.randrange(10**13) for _ in range(5_000)), 10**13 - 1]
    for start in range(0, len(cents), COLUMNS):
        chunk = cents[start : start + COLUMNS]
        printed = (await session.execute(select(*(money_text(literal(c)) for c in chunk)))).one()
        assert list(printed) == [str(Decimal(c).scaleb(-2)) for c in chunk]
