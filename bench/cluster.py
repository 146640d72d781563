"""Updates per second through nginx with 1, 2 and 4 bot processes on one PostgreSQL database and one Redis.

For each size a fresh database gets MEMBERS members, and the processes start behind deploy/nginx.conf (the harness
of tests/support/cluster.py, with the fake Bot API answering the bot). A closed loop of CONCURRENCY clients then
posts a mix of updates to nginx, as Telegram posts to a webhook, for `--seconds` after a warm-up: half /balance from
members, a quarter sales recorded by owners, a quarter /offers. An update is done when nginx answers 200, which the
bot gives after handling it (its replies included). Members and owners are many, so no one's flood limit is reached.
Printed: updates per second, median and 95th percentile latency, and the ratio to one process in the same run.
Run: `.venv/bin/python -m bench.cluster` (PostgreSQL from TEST_DATABASE_URL, or the local test server on 5433).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.updates import command_update
from bot.sandbox.telegram import FakeTelegram
from models.core.db import create_engine, create_sessionmaker, migrate
from models.core.programme import load_programme
from models.core.uow import transaction
from models.members.numbers import shown
from tests.support.audiences import enrol_members
from tests.support.cluster import Cluster, running_cluster
from tests.support.databases import pg_admin
from tests.support.paths import SAMPLE_PROGRAMME
from tests.support.redis import redis_server

DEFAULT_URL = "postgresql+asyncpg://loyalty:loyalty@127.0.0.1:5433/loyalty"
MEMBERS = 1_000
OWNERS = tuple(range(800_001, 800_021))  # 20 owners at their tills
CONCURRENCY = 32
WARM_UP_SECONDS = 3.0
update_ids = itertools.count(20_000_000)


@dataclass(frozen=True)
class Result:
    processes: int
    updates: int
    seconds: float
    latencies: list[float]
    bot_cpu: float  # CPU seconds the bot processes used while measured, all together
    driver_cpu: float  # CPU seconds of this process (the clients and the fake Bot API) meanwhile

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def _database(url: str) -> str:
    """A fresh database with MEMBERS members; its URL."""
    name = f"loyalty_bench_{uuid.uuid4().hex[:8]}"
    await pg_admin(url, f'CREATE DATABASE "{name}"')
    fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(fresh)
    await migrate(engine)
    programme = load_programme(SAMPLE_PROGRAMME)
    async with transaction(create_sessionmaker(engine)) as session:
        await enrol_members(session, programme, range(1, MEMBERS + 1))
    await engine.dispose()
    return fresh


def _mix(n: int) -> dict[str, Any]:
    """The n-th update of the mix: /balance, a sale, /balance, /offers, ..."""
    member = n * 7919 % MEMBERS + 1  # spread over every member
    kind = n % 4
    if kind == 1:
        owner = OWNERS[n % len(OWNERS)]
        return command_update(owner, f"/sale {shown(member)} 100", language="en", update_id=next(update_ids))
    text = "/offers" if kind == 3 else "/balance"
    return command_update(member, text, language="en", update_id=next(update_ids))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(cluster: Cluster, seconds: float) -> Result:
    """CONCURRENCY clients posting updates back to back; what finished after the warm-up counts."""
    counter = itertools.count()
    latencies: list[float] = []
    measuring_from = time.perf_counter() + WARM_UP_SECONDS
    until = measuring_from + seconds
    pids = [bot.process.pid for bot in cluster.processes if bot.process is not None]
    cpu_at_start: list[float] = []

    async def mark_start() -> None:
        await asyncio.sleep(WARM_UP_SECONDS)
        cpu_at_start.extend([sum(map(_cpu_seconds, pids)), time.process_time()])

    async def client() -> None:
        while (started := time.perf_counter()) < until:
            status = await cluster.post(_mix(next(counter)))
            assert status == 200, f"nginx answered {status}"
            if started >= measuring_from:
                latencies.append(time.perf_counter() - started)

    await asyncio.gather(mark_start(), *(client() for _ in range(CONCURRENCY)))
    bot_cpu = sum(map(_cpu_seconds, pids)) - cpu_at_start[0]
    driver_cpu = time.process_time() - cpu_at_start[1]
    return Result(len(cluster.processes), len(latencies), seconds, latencies, bot_cpu, driver_cpu)


async def measure(url: str, redis_url: str, processes: int, seconds: float) -> Result:
    database = await _database(url)
    try:
        async with FakeTelegram() as telegram:
            with tempfile.TemporaryDirectory() as workdir:
                admins = ",".join(str(owner) for owner in OWNERS)
                async with running_cluster(
                    telegram, database, redis_url, Path(workdir), size=processes, ADMIN_IDS=admins
                ) as cluster:
                    return await _load(cluster, seconds)
    finally:
        await pg_admin(url, f'DROP DATABASE IF EXISTS "{make_url(database).database}" WITH (FORCE)')


async def main(sizes: list[int], seconds: float) -> None:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_URL)
    results = []
    with tempfile.TemporaryDirectory() as redis_dir, redis_server(Path(redis_dir)) as redis_url:
        for size in sizes:
            result = await measure(url, redis_url, size, seconds)
            results.append(result)
            print(
                f"{size} process(es): {result.per_second:.0f} updates/s, median {result.percentile(0.5):.1f} ms, "
                f"p95 {result.percentile(0.95):.1f} ms ({result.updates} updates in {seconds:.0f} s); CPU per update: "
                f"bot processes {result.bot_cpu / result.updates * 1000:.1f} ms, "
                f"clients and fake Bot API {result.driver_cpu / result.updates * 1000:.1f} ms; "
                f"cores used: bot {result.bot_cpu / seconds:.2f}, driver {result.driver_cpu / seconds:.2f}",
                flush=True,
            )
    base = results[0].per_second
    print("ratio to one process: " + ", ".join(f"{r.processes}: {r.per_second / base:.2f}" for r in results))
    print(f"cores: {os.cpu_count()}; load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=20.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.processes, arguments.seconds))
