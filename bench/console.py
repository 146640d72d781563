"""The owner's console at scale: the dashboard's and member search's latency, and the ledger export's rate and memory.

On the offers benchmark's database (`bench.offers_data`: members over two years, purchases following the season,
one ledger lot per member with points; this benchmark gives every member a name and a phone once, and the nightly
analytics run once so that segments exist), the real bot serves its console on a local port. The client calls the
API over HTTP with signed initData, as the Mini App does:
- the dashboard of the history's last 30 days, asked once (computed) and then `--rounds` times (kept for 30 s, as
  every user opening the console meanwhile gets it), and of `--cold-rounds` other 30-day periods ending on random
  days of the last year, each computed;
- member search by member number, phone and the start of a name, in turn (`--rounds` requests);
- the full ledger export and a quarter of purchases, streamed; the server runs in a child process that samples its
  own resident memory every 100 ms while it streams, and reports its peak (VmHWM).
Run: `.venv/bin/python -m bench.console` (`--members 100000 --purchases 1000000` for a quick look).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from bench.offers_data import END, Shape, generate, zone_offset_seconds
from bot import console
from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from models.analytics.days import count_closed_days
from models.analytics.segments import fold_moves
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker
from models.core.programme import load_programme
from models.core.uow import transaction
from models.members.numbers import shown
from models.offers.recompute import recompute_all
from tests.support.redis import free_port
from tests.support.webapp import init_data

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "programme.toml"
OWNER = 900001
NAMES = ("Anna", "Boris", "Vera", "Gleb", "Daria", "Egor", "Zoya", "Ivan", "Kira", "Lev", "Maria", "Nikita", "Olga")
ROUNDS = 200
COLD_ROUNDS = 20  # dashboards of periods not asked for before: each is computed
EXPORTS = (("ledger.csv", ""), ("purchases.csv", f"?from={(END - timedelta(days=90)).date()}&to={END.date()}"))


def phone(member_id: int) -> str:
    return f"+79{member_id:09d}"


def give_names_and_phones(path: Path) -> None:
    """Names and phones for the generated members (the generator leaves them out), so that search has work."""
    with sqlite3.connect(path) as db:
        if db.execute("SELECT count(*) FROM members WHERE first_name IS NULL").fetchone()[0] == 0:
            return
        db.create_function("pick_name", 1, lambda i: f"{NAMES[i % len(NAMES)]}{i % 997}")
        db.create_function("phone_of", 1, phone)
        db.execute("UPDATE members SET first_name = pick_name(id), phone = phone_of(id) WHERE first_name IS NULL")
        db.execute("ANALYZE")


async def count_business_days(path: Path) -> dict[str, Any]:
    """What the nightly dashboard job would have done night after night, at once through the domain's own
    functions: every closed day's figures counted (`count_closed_days`; nothing to do when the file has them) and
    the analytics' segment moves folded."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    started = time.perf_counter()
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            days = await count_closed_days(session, load_programme(PROGRAMME), utcnow(), checkpoint=session.commit)
            folded = await fold_moves(session)
    finally:
        await engine.dispose()
    return {"days": days, "segment_moves_folded": folded, "seconds": round(time.perf_counter() - started, 1)}


async def run_analytics_once(path: Path) -> None:
    """Segments for everyone, as after the first night (skipped when the file has them already)."""
    with sqlite3.connect(path) as db:
        if db.execute("SELECT count(*) FROM member_stats").fetchone()[0]:
            return
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await recompute_all(session, load_programme(PROGRAMME), END + timedelta(hours=3), full=True)
    finally:
        await engine.dispose()


def settings_for(telegram: FakeTelegram, path: Path, port: int) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=telegram.token,
        telegram_api_url=telegram.url,
        database_url=f"sqlite+aiosqlite:///{path}",
        admin_ids=frozenset({OWNER}),
        programme_file=PROGRAMME,
        console_url="https://console.example.com/console/",
        webhook_host="127.0.0.1",
        webhook_port=port,
    )


async def serve(path: Path, port: int, stack: AsyncExitStack) -> None:
    """The real bot's console on `port` (no polling: only the web server), until the stack closes."""
    telegram = await stack.enter_async_context(FakeTelegram())
    settings = settings_for(telegram, path, port)
    app = await App.create(settings)
    stack.push_async_callback(app.close)
    await stack.enter_async_context(console.serving(app.web, settings))


def headers(token: str) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(token, OWNER, "Olga")}


async def timed(http: aiohttp.ClientSession, url: str, token: str) -> float:
    started = time.perf_counter()
    async with http.get(url, headers=headers(token)) as response:
        await response.read()
        assert response.status == 200, (url, response.status)
    return time.perf_counter() - started


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
    }


async def latencies(path: Path, members: int, rounds: int, cold_rounds: int) -> dict[str, Any]:
    port = free_port()
    rng = random.Random(3)
    base = f"http://127.0.0.1:{port}/console/api"
    async with AsyncExitStack() as stack:
        await serve(path, port, stack)
        token = FakeTelegram().token
        async with aiohttp.ClientSession() as http:
            latest = f"{base}/dashboard?from={(END - timedelta(days=29)).date()}&to={END.date()}"
            first_ask = await timed(http, latest, token)  # computed: the first to ask after 30 s
            again = [await timed(http, latest, token) for _ in range(rounds)]  # kept: everyone else meanwhile
            cold = []  # a different period each time: each one computed
            for _ in range(cold_rounds):
                last = END.date() - timedelta(days=rng.randrange(30, 365))
                cold.append(await timed(http, f"{base}/dashboard?from={last - timedelta(days=29)}&to={last}", token))
            queries = []
            for n in range(rounds):
                member = rng.randint(1, members)
                kind = n % 3
                q = (
                    shown(member)
                    if kind == 0
                    else phone(member)
                    if kind == 1
                    else f"{NAMES[member % len(NAMES)]}{member % 997}"
                )
                queries.append(await timed(http, f"{base}/members?q={quote(q, safe='')}", token))
    return {
        "dashboard_last_30_days_first_ask_ms": round(first_ask * 1000, 1),
        "dashboard_last_30_days_again": summary(again),
        "dashboard_other_periods_computed": summary(cold),
        "search": summary(queries),
    }


def rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def export_server(path: Path, port: int) -> None:
    """Child process: serve the console, sample resident memory until stdin closes, then report."""
    samples: list[int] = []

    async def sample() -> None:
        while True:
            samples.append(rss_kb("VmRSS"))
            await asyncio.sleep(0.1)

    async with AsyncExitStack() as stack:
        await serve(path, port, stack)
        before = rss_kb("VmRSS")
        sampler = asyncio.create_task(sample())
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        sampler.cancel()
    print(
        json.dumps(
            {"rss_before_mb": before // 1024, "rss_max_mb": max(samples) // 1024, "vmhwm_mb": rss_kb("VmHWM") // 1024}
        )
    )


async def stream(url: str, token: str) -> tuple[int, float]:
    """Download an export, counting its rows; returns (rows, seconds)."""
    started = time.perf_counter()
    rows = -1  # the header
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as http,
        http.get(url, headers=headers(token)) as response,
    ):
        assert response.status == 200, response.status
        async for chunk in response.content.iter_chunked(1 << 16):
            rows += chunk.count(b"\n")
    return rows, time.perf_counter() - started


def exports(path: Path) -> dict[str, Any]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.console", "--serve-exports", str(path), "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    results: dict[str, Any] = {}
    token = FakeTelegram().token
    for name, query in EXPORTS:
        rows, seconds = asyncio.run(stream(f"http://127.0.0.1:{port}/console/api/export/{name}{query}", token))
        results[name] = {"rows": rows, "seconds": round(seconds, 1), "rows_per_second": int(rows / seconds)}
    child.stdin.close()
    results["server_memory"] = json.loads(child.stdout.readline())
    child.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--cold-rounds", type=int, default=COLD_ROUNDS)
    parser.add_argument("--serve-exports", type=Path)
    parser.add_argument("--port", type=int)
    options = parser.parse_args()
    if options.serve_exports:
        asyncio.run(export_server(options.serve_exports, options.port))
        return
    path = generate(Shape(options.members, options.purchases), zone_offset_seconds("Europe/Moscow"))
    give_names_and_phones(path)
    asyncio.run(run_analytics_once(path))
    counted = asyncio.run(count_business_days(path))
    report = {
        "members": options.members,
        "purchases": options.purchases,
        "business_days_counted": counted,
        **asyncio.run(latencies(path, options.members, options.rounds, options.cold_rounds)),
        "exports": exports(path),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
