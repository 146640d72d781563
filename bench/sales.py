"""Sales per second through the domain layer on a SQLite file with 100,000 members, against plain `sqlite3`.

One sale is what `models.till.sales.record_sale` does at the till: the member's row, the receipt's key, the cashier's
points today, the purchase, the ledger entry with the new balance, the rolling spend for the tier and the audit line,
durable (committed) when the call returns. Measured with one cashier at a time and with 50 cashiers at once, against
a baseline in the same run that issues the same statements with the standard `sqlite3` module, one transaction per
sale. Run: `.venv/bin/python -m bench.sales` (figures are medians of a few rounds; the machine is shared and noisy).

Every member starts with a lot of 500 points. The last run is the till with its mechanics (issue 15): two stamp cards
active (coffee and pastry, each sale one of them, half the sales `x2`), and every third sale paying 20 points of its
bill, as its cashier confirmed them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.runtime import tune_garbage_collector
from models.core.db import checkpoint, create_engine, create_sessionmaker, migrate
from models.core.programme import Programme, StampCard, load_programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.team.staff import Actor, Role
from models.till.desk import SalesDesk
from models.till.sales import SaleRequest, record_sale
from scheduler.runner import CHECKPOINT_SECONDS

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 100_000
CASHIERS = 50
CASHIER_IDS = 700_000
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CARDS = CardSigner(b"bench")
STARTING_POINTS = 500
STAMP_CARDS = (
    StampCard(id="coffee", category="coffee", stamps=6, reward="free_cappuccino"),
    StampCard(id="pastry", category="pastry", stamps=6, reward="croissant_gift"),
)
PAY_EVERY = 3  # every third sale pays part of its bill with points
PAY_POINTS = 20  # within the share of any benchmark bill (at least 50 points) and the points every member has
receipts = itertools.count(1)


def _stamp(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it on SQLite: naive UTC with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _fill(path: Path, members: int, points: int) -> None:
    """Members, each with a lot of `points` (none at 0), and the cashiers straight into the migrated schema, in bulk."""
    joined = _stamp(NOW - timedelta(days=30))
    expires = _stamp(NOW + timedelta(days=300))
    rows = (
        (n, 10_000_000 + n, "en", f"r{n:09d}", joined, "1", joined, False, points, "bronze", True)
        for n in range(1, members + 1)
    )
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO members (id, telegram_id, language, referral_code, joined_at, consent_version, consent_at,"
            " marketing_consent, balance, tier, reachable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if points:
            db.executemany(
                "INSERT INTO ledger_entries (member_id, amount, kind, reason, key, rule, expires_at, balance_after,"
                " created_at) VALUES (?, ?, 'welcome', '', ?, 'bonuses.welcome', ?, ?, ?)",
                ((n, points, f"welcome:{n}", expires, points, joined) for n in range(1, members + 1)),
            )
        db.executemany(
            "INSERT INTO staff (telegram_id, role, added_by, added_at) VALUES (?, 'cashier', 1, ?)",
            [(CASHIER_IDS + n, joined) for n in range(CASHIERS)],
        )


async def _database(folder: Path, members: int, points: int) -> Path:
    path = folder / "sales.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    _fill(path, members, points)
    return path


def _programme(*, stamp_cards: tuple[StampCard, ...] = ()) -> Programme:
    """The sample programme with cashier limits lifted, so that every benchmark sale is accepted (and checked), with
    these stamp cards only and no promotions (whose hours would make runs differ by the time of day)."""
    programme = load_programme(ROOT / "programme.toml")
    staff = programme.staff.model_copy(update={"points_per_day": 10**9})
    return programme.model_copy(update={"staff": staff, "stamp_cards": list(stamp_cards), "promotions": []})


def _sale_args(members: int) -> tuple[int, str, str]:
    """A random member's id (staff type it as `shown(id)`), an amount and a new receipt."""
    number = next(receipts)
    return random.randint(1, members), f"{random.randint(100, 5_000)}.50", f"B{number}"


async def _domain_sale(
    sessionmaker: async_sessionmaker[AsyncSession], programme: Programme, cashier: Actor, members: int
) -> None:
    member, amount, receipt = _sale_args(members)
    async with sessionmaker() as session:
        await record_sale(
            session,
            programme,
            CARDS,
            cashier,
            member=shown(member),
            amount=amount,
            category="coffee",
            receipt=receipt,
            source="bench",  # the receipt keys it
            now=NOW,
        )


async def _timed(cashiers: int, seconds: float, sale: Callable[[Actor], Awaitable[None]]) -> float:
    """Sales per second with `cashiers` tills recording back to back for about `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def till(cashier: Actor) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await sale(cashier)
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(till(Actor(CASHIER_IDS + n, Role.CASHIER)) for n in range(cashiers)))
    return done / (time.perf_counter() - start)


async def _desk_sale(desk: SalesDesk, cashier: Actor, members: int) -> None:
    member, amount, receipt = _sale_args(members)
    await desk.record(SaleRequest(cashier, shown(member), amount, "coffee", receipt))


async def _mechanics_sale(desk: SalesDesk, cashier: Actor, members: int) -> None:
    """A sale of coffee or pastry (each with its stamp card), half of them `x2`; every third pays `PAY_POINTS` of its
    bill, as its cashier confirmed them (the quote before is a read in the cashier's own update, not measured here:
    awaiting it in this closed loop would only make the tills arrive out of step)."""
    member, amount, receipt = _sale_args(members)
    category, quantity = random.choice(("coffee", "pastry")), random.choice((None, "x2"))
    points = PAY_POINTS if int(receipt.removeprefix("B")) % PAY_EVERY == 0 else 0
    await desk.record(SaleRequest(cashier, shown(member), amount, category, receipt, "", None, quantity, points))


async def domain_rate(
    path: Path, programme: Programme, cashiers: int, seconds: float, members: int, *, grouped: bool, mechanics: bool
) -> float:
    """Sales/s through the domain layer: a transaction per sale (`record_sale`), or group commit (`SalesDesk`),
    plain or with the till's mechanics (`programme` then has stamp cards)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=min(cashiers, 20), max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    desk = SalesDesk(sessionmaker, lambda: programme, CARDS, clock=lambda: NOW)
    stop = asyncio.Event()
    checkpoints = asyncio.create_task(_checkpoint_every_second(engine, stop))
    try:
        if mechanics:
            return await _timed(cashiers, seconds, lambda actor: _mechanics_sale(desk, actor, members))
        if grouped:
            return await _timed(cashiers, seconds, lambda actor: _desk_sale(desk, actor, members))
        return await _timed(cashiers, seconds, lambda actor: _domain_sale(sessionmaker, programme, actor, members))
    finally:
        stop.set()
        await checkpoints
        await desk.close()
        await engine.dispose()


async def _checkpoint_every_second(engine: AsyncEngine, stop: asyncio.Event) -> None:
    """What the bot's scheduler does while it runs (`scheduler.runner`): keep the write-ahead log short.

    Stopped by `stop`, not cancelled: a checkpoint cancelled halfway leaves its connection to be reset mid-call.
    """
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), CHECKPOINT_SECONDS)
        except TimeoutError:
            await checkpoint(engine)


def baseline_rate(path: Path, seconds: float, members: int) -> float:
    """The statements of one sale through `sqlite3`, one transaction per sale, one connection: the floor of the cost."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    now = _stamp(NOW)
    expires = _stamp(NOW + timedelta(days=365))
    window = _stamp(NOW - timedelta(days=365))
    day = NOW.date().isoformat()
    cashiers = itertools.cycle(range(CASHIER_IDS, CASHIER_IDS + CASHIERS))
    done = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        member, amount, receipt = _sale_args(members)
        cashier = next(cashiers)
        key = f"sale:{receipt}"
        cents = int(float(amount) * 100)
        points = cents * 5 // 10_000
        db.execute("BEGIN IMMEDIATE")
        balance = db.execute(
            "SELECT id, balance, tier, referred_by_id, forgotten_at, telegram_id, language,"
            " (SELECT coalesce(sum(amount_cents), 0) FROM purchases WHERE member_id = members.id"
            " AND refunded_at IS NULL AND created_at >= ?),"
            " EXISTS (SELECT 1 FROM ledger_entries WHERE key = 'referral:' || CAST(members.id AS VARCHAR))"
            " FROM members WHERE id IN (?)",
            (window, member),
        ).fetchone()[1]
        db.execute("SELECT key FROM purchases WHERE key IN (?)", (key,)).fetchone()
        db.execute(
            "SELECT staff.*, staff_days.points FROM staff LEFT JOIN staff_days"
            " ON staff_days.staff_id = staff.telegram_id AND staff_days.day = ? WHERE staff.telegram_id IN (?)",
            (day, cashier),
        ).fetchone()
        db.execute(
            "INSERT INTO purchases (member_id, amount_cents, category, receipt, key, staff_id, created_at)"
            " VALUES (?, ?, 'coffee', ?, ?, ?, ?)",
            (member, cents, receipt, key, cashier, now),
        )
        db.execute(
            "INSERT INTO ledger_entries (member_id, amount, kind, reason, key, rule, actor_id, expires_at,"
            " balance_after, created_at) VALUES (?, ?, 'sale', ?, ?, 'earning', ?, ?, ?, ?)",
            (member, points, f"#{receipt}", key, cashier, expires, balance + points, now),
        )
        db.execute("SELECT key, id FROM ledger_entries WHERE key IN (?)", (key,)).fetchone()
        db.execute("UPDATE members SET balance = ? WHERE id = ?", (balance + points, member))
        db.execute(
            "INSERT INTO staff_days (staff_id, day, points) VALUES (?, ?, ?)"
            " ON CONFLICT (staff_id, day) DO UPDATE SET points = staff_days.points + excluded.points",
            (cashier, day, points),
        )
        db.execute(
            "INSERT INTO audit_log (at, actor_id, role, action, member_id, subject, detail)"
            " VALUES (?, ?, 'cashier', 'sale', ?, ?, ?)",
            (now, cashier, member, key, f"amount_cents={cents} points={points} category=coffee"),
        )
        db.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - start)
    db.close()
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measured round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--starting-points",
        type=int,
        default=STARTING_POINTS,
        help="each member's first lot; 0 builds the data of the benchmark before issue 15 (no lots), to compare with"
        " older code, and skips the pay= run, which needs points",
    )
    options = parser.parse_args()
    programmes = {False: _programme(), True: _programme(stamp_cards=STAMP_CARDS)}
    tune_garbage_collector()  # as the bot does once started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = await _database(Path(folder), options.members, options.starting_points)
        print(f"{options.members:,} members in {path.name} ({time.perf_counter() - started:.1f}s to build)")
        runs = {
            "transaction per sale, 1 cashier": (1, False, False),
            f"transaction per sale, {CASHIERS} cashiers": (CASHIERS, False, False),
            "group commit, 1 cashier": (1, True, False),
            f"group commit, {CASHIERS} cashiers": (CASHIERS, True, False),
        }
        if options.starting_points:
            runs[f"{CASHIERS} cashiers, pay= 1/3, 2 stamp cards"] = (CASHIERS, True, True)
        figures: dict[str, list[float]] = {"baseline sqlite3": [], **{name: [] for name in runs}}
        for _ in range(options.rounds):
            figures["baseline sqlite3"].append(baseline_rate(path, options.seconds, options.members))
            for name, (cashiers, grouped, mechanics) in runs.items():
                programme = programmes[mechanics]
                rate = await domain_rate(
                    path, programme, cashiers, options.seconds, options.members, grouped=grouped, mechanics=mechanics
                )
                figures[name].append(rate)
        baseline = statistics.median(figures["baseline sqlite3"])
        for name, rates in figures.items():
            median = statistics.median(rates)
            print(f"{name:>36}: {median:6.0f} sales/s (median of {len(rates)}), {median / baseline:.2f} of baseline")


if __name__ == "__main__":
    asyncio.run(main())
