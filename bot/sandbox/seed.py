"""A café's history, written straight into the migrated SQLite schema: for the sandbox's demo database and the
offers benchmark.

Members join over two years (some before), a third of them drift away, and each has a planted habit: a favourite and
a second category, weekday or weekend visits, a part of the day. Purchases follow the season (busier in winter),
the habit and a category price list. Everything is drawn with numpy and loaded with the `sqlite3` module in bulk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

DAYS = 730
CATEGORIES = ("coffee", "tea", "pastry", "breakfast", "seasonal", "beans")
POPULARITY = (0.40, 0.15, 0.15, 0.12, 0.10, 0.08)
PRICE_CENTS = (25_000, 20_000, 18_000, 45_000, 32_000, 120_000)
PART_START_HOUR = (7, 12, 17)  # morning, midday, evening: three hours each
HABIT_STRENGTH = 0.85
CHUNK = 500_000

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Shape:
    """How big the history is, when it ends ("now" of the history) and the random seed that makes it repeatable."""

    members: int
    purchases: int
    end: datetime
    seed: int = 7


def _text_times(epochs: IntArray) -> list[str]:
    """Seconds since the epoch as SQLAlchemy stores datetimes on SQLite (naive UTC, microseconds)."""
    stamps = np.datetime_as_string(epochs.astype("datetime64[s]"), unit="s")
    return [f"{stamp[:10]} {stamp[11:]}.000000" for stamp in stamps.tolist()]


def _seasonal_cdf(end: datetime) -> npt.NDArray[np.float64]:
    """Cumulative daily weight: busier around the new year, quieter in August."""
    day_of_year = np.array([(end - timedelta(days=DAYS - d)).timetuple().tm_yday for d in range(DAYS)])
    weights = 1.0 + 0.3 * np.cos(2 * np.pi * (day_of_year - 5) / 365.25)
    return np.concatenate([[0.0], np.cumsum(weights)])


def _purchases(shape: Shape, rng: np.random.Generator, offset_seconds: int) -> dict[str, IntArray]:
    m, p = shape.members, shape.purchases
    joined = np.where(rng.random(m) < 0.3, -rng.integers(1, 365, m), rng.integers(0, DAYS, m))
    start = np.maximum(joined, 0)
    churned = rng.random(m) < 0.3
    stop = np.where(churned, np.minimum(start + 1 + rng.exponential(200, m).astype(np.int64), DAYS), DAYS)
    rate = rng.lognormal(0.0, 1.0, m)
    weight = rate * (stop - start)
    counts = rng.multinomial(p, weight / weight.sum())
    favourite = rng.choice(len(CATEGORIES), m, p=POPULARITY)
    second = (favourite + rng.integers(1, len(CATEGORIES), m)) % len(CATEGORIES)
    day_habit = rng.choice(3, m, p=(0.45, 0.2, 0.35))  # weekdays, weekends, none
    part_habit = rng.choice(4, m, p=(0.4, 0.25, 0.2, 0.15))  # morning, midday, evening, none

    member = np.repeat(np.arange(m), counts)
    cdf = _seasonal_cdf(shape.end)
    lo, hi = cdf[start[member]], cdf[stop[member]]
    day = np.searchsorted(cdf, lo + rng.random(p) * (hi - lo), side="right") - 1
    day = np.clip(day, start[member], stop[member] - 1)
    first_weekday = (shape.end - timedelta(days=DAYS)).weekday()
    weekday = (first_weekday + day) % 7
    follows = rng.random(p) < HABIT_STRENGTH
    habit = day_habit[member]
    to_weekday = follows & (habit == 0) & (weekday >= 5)
    to_weekend = follows & (habit == 1) & (weekday < 5)
    day = np.where(to_weekday, day - weekday + rng.integers(0, 5, p), day)
    day = np.where(to_weekend, day - weekday + 5 + rng.integers(0, 2, p), day)
    day = np.clip(day, 0, DAYS - 1)
    part = part_habit[member]
    habitual_hour = np.array((*PART_START_HOUR, 8))[part] + rng.integers(0, 3, p)
    hour = np.where(follows & (part < 3), habitual_hour, rng.integers(8, 22, p))
    roll = rng.random(p)
    category = np.where(roll < 0.55, favourite[member], np.where(roll < 0.75, second[member], rng.integers(0, 6, p)))
    amount = (np.array(PRICE_CENTS)[category] * rng.lognormal(0.0, 0.25, p)).astype(np.int64) // 100 * 100 + 100
    local = int((shape.end - timedelta(days=DAYS)).timestamp()) + day * 86400 + hour * 3600 + rng.integers(0, 3600, p)
    created = local - offset_seconds
    order = np.argsort(created, kind="stable")
    return {
        "member": member[order] + 1,
        "amount": amount[order],
        "category": category[order],
        "created": created[order],
        "refunded": (rng.random(p) < 0.003)[order],
        "staff": rng.integers(1, 21, p)[order],
        "joined": joined,
        "counts": counts,
    }


def _rows(columns: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
    return zip(*columns, strict=True)


def _load_members(db: sqlite3.Connection, shape: Shape, rng: np.random.Generator, joined: IntArray) -> None:
    m = shape.members
    origin = shape.end - timedelta(days=DAYS)
    joined_at = _text_times(int(origin.timestamp()) + joined * 86400 + rng.integers(0, 86400, m))
    balance = np.where(rng.random(m) < 0.8, rng.integers(1, 1500, m), 0)
    birthdays = rng.integers(0, 365, m)
    has_birthday = rng.random(m) < 0.6
    tiers = np.where(balance > 1200, "gold", np.where(balance > 800, "silver", "bronze"))
    for lo in range(0, m, CHUNK):
        ids = range(lo + 1, min(lo + CHUNK, m) + 1)
        rows = (
            (
                i,
                1_000_000_000 + i,
                "ru" if i % 3 else "en",
                f"b{i:09d}",
                joined_at[i - 1],
                "2026-11",
                joined_at[i - 1],
                bool(i % 2),
                joined_at[i - 1],
                str(datetime(1990, 1, 1).date() + timedelta(days=int(birthdays[i - 1])))
                if has_birthday[i - 1]
                else None,
                int(balance[i - 1]),
                str(tiers[i - 1]),
            )
            for i in ids
        )
        db.executemany(
            "INSERT INTO members (id, telegram_id, language, referral_code, joined_at, consent_version, consent_at,"
            " marketing_consent, marketing_consent_at, birthday, balance, tier, reachable)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows,
        )
    expires = (shape.end + timedelta(days=200)).strftime("%Y-%m-%d %H:%M:%S.000000")
    created = shape.end.strftime("%Y-%m-%d %H:%M:%S.000000")
    db.executemany(
        "INSERT INTO ledger_entries (member_id, amount, kind, reason, key, expires_at, balance_after, created_at)"
        " VALUES (?, ?, 'earn', 'bench', ?, ?, ?, ?)",
        (
            (i + 1, int(points), f"bench:{i + 1:09d}", expires, int(points), created)
            for i, points in enumerate(balance.tolist())
            if points
        ),
    )


def _load_purchases(db: sqlite3.Connection, data: dict[str, IntArray]) -> None:
    names = list(CATEGORIES)
    total = len(data["member"])
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        created = data["created"][lo:hi]
        created_text = _text_times(created)
        refunded_text = _text_times(created + 600)
        refunded = data["refunded"][lo:hi].tolist()
        db.executemany(
            "INSERT INTO purchases (id, member_id, amount_cents, category, staff_id, created_at, refunded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            _rows(
                [
                    list(range(lo + 1, hi + 1)),
                    data["member"][lo:hi].tolist(),
                    data["amount"][lo:hi].tolist(),
                    [names[c] for c in data["category"][lo:hi].tolist()],
                    data["staff"][lo:hi].tolist(),
                    created_text,
                    [text if flag else None for text, flag in zip(refunded_text, refunded, strict=True)],
                ]
            ),
        )


def _load_coupons(db: sqlite3.Connection, shape: Shape, rng: np.random.Generator, counts: IntArray) -> None:
    """A history of redeemed coupons (a fifth of them discounts), so that discount dependency has data."""
    holders = np.flatnonzero(counts >= 3)
    owners = np.repeat(holders, rng.integers(1, 4, len(holders)))
    owners = owners[rng.random(len(owners)) < 0.3]
    kinds = np.where(
        rng.random(len(owners)) < 0.2, "discount", np.where(rng.random(len(owners)) < 0.5, "gift", "reward")
    )
    offers = {"discount": "comeback_20", "gift": "croissant_gift", "reward": "free_cappuccino"}
    issued = int((shape.end - timedelta(days=DAYS)).timestamp()) + rng.integers(0, DAYS * 86400, len(owners))
    issued_text, expires_text, redeemed_text = (
        _text_times(issued),
        _text_times(issued + 7 * 86400),
        _text_times(issued + 86400),
    )
    used = (rng.random(len(owners)) < 0.8).tolist()
    db.executemany(
        "INSERT INTO coupons (code, key, member_id, offer_id, kind, points, reserved, issued_at, expires_at,"
        " redeemed_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
        (
            (
                f"B{i:07d}",
                f"bench:{i}",
                int(owner) + 1,
                offers[str(kind)],
                str(kind),
                issued_text[i],
                expires_text[i],
                redeemed_text[i] if used[i] else None,
            )
            for i, (owner, kind) in enumerate(zip(owners.tolist(), kinds.tolist(), strict=True))
        ),
    )


def _drop_indexes(db: sqlite3.Connection, table: str) -> list[str]:
    """Drop the table's own indexes (recreated after the load, which is much faster than keeping them up)."""
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    )
    found = list(rows)
    for name, _sql in found:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def fill(path: Path, shape: Shape, offset_seconds: int) -> None:
    """Write the history into the migrated, empty SQLite database at `path`, in bulk."""
    rng = np.random.default_rng(shape.seed)
    data = _purchases(shape, rng, offset_seconds)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-400000")
        db.execute("BEGIN")
        recreate = [*_drop_indexes(db, "members"), *_drop_indexes(db, "purchases")]
        _load_members(db, shape, rng, data["joined"])
        _load_purchases(db, data)
        _load_coupons(db, shape, rng, data["counts"])
        for sql in recreate:
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()


def zone_offset_seconds(zone: str, at: datetime) -> int:
    """The business zone's UTC offset at `at` (the end of the history)."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) if offset else 0
