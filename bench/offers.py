"""Nightly analytics and offers at scale: wall time and peak memory of the nightly run, and /offers latency.

For each size (members, purchases over two years; `bench.offers_data` builds and caches the SQLite file) two runs
go in fresh child processes, each reporting its own wall time and peak resident memory: the full recomputation
(`recompute_all(full=True)`: every member's habits read again from all purchases, then RFM, segments and best offers
for everyone), and a normal night (`release_expired` and `recompute_all`, what the scheduler runs) after a day of
sales that did not refresh their members. The baseline, measured in the same run on the same file, is a plain
`sqlite3` full scan summing the purchases table. On the largest database members then ask for /offers: each update
is fed to the real dispatcher, whose bot answers the fake Bot API over HTTP, until the handler has answered.
Run: `.venv/bin/python -m bench.offers` (add `--sizes 100000:1000000` for a quick look).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram.types import Update

from bench.offers_data import END, Shape, generate, zone_offset_seconds
from bench.updates import command_update
from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from bot.throttle import FloodLimit
from models.core.db import create_engine, create_sessionmaker
from models.core.programme import load_programme
from models.offers.coupons import release_expired
from models.offers.recompute import recompute_all

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "programme.toml"
NOW = END + timedelta(hours=3)  # the nightly run of the history's last day
SIZES = ((100_000, 1_000_000), (300_000, 3_000_000), (1_000_000, 10_000_000))
BASELINE_ROUNDS = 3
OFFERS_ROUNDS = 300
update_ids = itertools.count(50_000_000)


def baseline_seconds(path: Path) -> float:
    """Median of a plain full scan summing the purchases table with the sqlite3 module."""
    samples = []
    with sqlite3.connect(path) as db:
        for _ in range(BASELINE_ROUNDS):
            started = time.perf_counter()
            db.execute("SELECT count(*), sum(amount_cents) FROM purchases").fetchall()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


DAY_OF_SALES_STAFF = 999  # marks the purchases this benchmark adds, so that a rerun starts from the same history


def add_a_day_of_sales(path: Path, purchases: int) -> None:
    """One day's purchases (the history's daily average), by random members, after the last nightly run."""
    rng = random.Random(9)
    start = int((NOW + timedelta(hours=6)).timestamp())
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM purchases WHERE staff_id = ?", (DAY_OF_SALES_STAFF,))
        members = db.execute("SELECT max(id) FROM members").fetchone()[0]
        rows = [
            (
                rng.randint(1, members),
                rng.randrange(10_000, 60_000, 100),
                rng.choice(("coffee", "tea", "pastry")),
                DAY_OF_SALES_STAFF,
                time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(start + rng.randrange(14 * 3600))),
            )
            for _ in range(purchases)
        ]
        db.executemany(
            "INSERT INTO purchases (member_id, amount_cents, category, staff_id, created_at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry the parent's peak over exec)."""
    status = Path("/proc/self/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


async def _nightly(path: Path, full: bool) -> dict[str, Any]:
    programme = load_programme(PROGRAMME)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with create_sessionmaker(engine)() as session:
        started = time.perf_counter()
        if full:
            report = await recompute_all(session, programme, NOW, full=True)
        else:
            await release_expired(session, programme, NOW + timedelta(days=1))
            report = await recompute_all(session, programme, NOW + timedelta(days=1))
        seconds = time.perf_counter() - started
    await engine.dispose()
    return {"seconds": seconds, "members": report.members, "reread": report.reread, "peak_mb": peak_memory_mb()}


def nightly_in_child(path: Path, full: bool) -> dict[str, Any]:
    """One run in a fresh process, so that its peak memory is its own."""
    command = [sys.executable, "-m", "bench.offers", "--nightly", str(path), *(["--full"] if full else [])]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _update(telegram_id: int, text: str) -> dict[str, Any]:
    return command_update(telegram_id, text, language="ru", update_id=next(update_ids))


async def offers_latency(path: Path, members: int, rounds: int) -> list[float]:
    """Seconds from feeding /offers to the dispatcher until the handler has answered, for random members."""
    picked = random.Random(3).sample(range(1, members + 1), rounds)
    async with FakeTelegram() as telegram:
        settings = Settings(
            _env_file=None,
            bot_token=telegram.token,
            telegram_api_url=telegram.url,
            database_url=f"sqlite+aiosqlite:///{path}",
            programme_file=PROGRAMME,
        )
        app = await App.create(settings, flood=FloodLimit(burst=10**6, per_second=10**6))
        samples = []
        try:
            for member in picked:
                update = Update.model_validate(_update(1_000_000_000 + member, "/offers"), context={"bot": app.bot})
                started = time.perf_counter()
                await app.dispatcher.feed_update(app.bot, update)
                samples.append(time.perf_counter() - started)
            answers = [sent for sent in telegram.sent if sent.method == "sendMessage"]
            assert len(answers) == rounds, f"{len(answers)} answers to {rounds} requests"
        finally:
            await app.close()
    return samples


def _line(kind: str, run: dict[str, Any], baseline: float) -> str:
    return (
        f"  {kind}: {run['seconds']:6.1f} s, peak {run['peak_mb']:5.0f} MB,"
        f" ratio to baseline {run['seconds'] / baseline:5.1f}"
        f" ({run['members']:,} members ranked, {run['reread']:,} read again from purchases)"
    )


def main(sizes: list[tuple[int, int]], rounds: int) -> None:
    offset = zone_offset_seconds(load_programme(PROGRAMME).timezone)
    rows = []
    for members, purchases in sizes:
        started = time.perf_counter()
        path = generate(Shape(members, purchases), offset)
        built = time.perf_counter() - started
        full = nightly_in_child(path, full=True)
        add_a_day_of_sales(path, purchases // 730)
        baseline = baseline_seconds(path)
        night = nightly_in_child(path, full=False)
        rows.append((members, baseline, full, night))
        print(f"{members:,} members, {purchases:,} purchases (database ready in {built:.0f} s):", flush=True)
        print(f"  baseline, sqlite3 full scan of purchases: {baseline:.2f} s")
        print(_line("full recomputation", full, baseline))
        print(_line(f"a night after {purchases // 730:,} sales", night, baseline), flush=True)
    (first, base_a, full_a, night_a), (last, base_b, full_b, night_b) = rows[0], rows[-1]
    growth = f"growth {first:,} -> {last:,} members (x{last / first:.0f}):"
    print(
        f"{growth} full x{full_b['seconds'] / full_a['seconds']:.1f},"
        f" night x{night_b['seconds'] / night_a['seconds']:.1f}, baseline x{base_b / base_a:.1f}"
    )
    members, purchases = sizes[-1]
    samples = asyncio.run(offers_latency(Shape(members, purchases).path, members, rounds))
    ms = sorted(sample * 1000 for sample in samples)
    print(
        f"/offers through the dispatcher on {members:,} members, {rounds} members asking:"
        f" median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(f"{m}:{p}" for m, p in SIZES), help="members:purchases,...")
    parser.add_argument("--rounds", type=int, default=OFFERS_ROUNDS)
    parser.add_argument("--nightly", type=Path, help=argparse.SUPPRESS)  # the child process's own job
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.nightly is not None:
        print(json.dumps(asyncio.run(_nightly(args.nightly, args.full))))
    else:
        chosen = [tuple(int(n) for n in size.split(":")) for size in args.sizes.split(",")]
        main([(members, purchases) for members, purchases in chosen], args.rounds)
