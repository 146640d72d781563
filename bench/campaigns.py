"""Campaign delivery against the fake Bot API server on 127.0.0.1: pace, throughput against a bare loop, memory.

`.venv/bin/python -m bench.campaigns` runs, on one SQLite file:
(a) 100,000 recipients at BROADCAST_RATE=25 for 60 s: the achieved rate, and the busiest second;
(b) the same audience with the rate unlimited, against a baseline in the same run that sends as many messages with
    a bare aiogram `send_message` loop and no database (one at a time, as such loops are written; a second baseline
    keeps 64 sends in flight, like the engine, to show the ceiling of the fake server; a third sends the engine's
    own prepared request, encoded once, with 64 in flight, to show what the engine's bookkeeping costs);
(c) peak memory (VmHWM) of the delivering process at 100,000 recipients (the whole of run b) and at 1,000,000
    recipients (freezing the audience, then `--million-seconds` of delivery).
The fake server and each delivery run in processes of their own, so each is measured alone; every measurement
of (b) is repeated `--repeats` times and the medians are printed.

`--processes 3 --database-url postgresql+asyncpg://...` measures instead (d): three delivering processes on one
PostgreSQL database sharing one pace through a private Redis, at `--rate` (1,000 by default), on `--members`
recipients: the achieved rate at the fake server, the busiest second, and the bare concurrent loop of the same run.
`--only-b` runs (b) alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage
from redis.asyncio import Redis

from bench import delivery_trace
from bench.cpu_shares import CpuShares
from bot.app import create_bot
from bot.runtime import tune_garbage_collector
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from handlers.i18n import Texts
from models.campaigns.planning import CampaignDraft, create_campaign, get_campaign
from models.core.base import utcnow
from models.core.db import create_engine, create_sessionmaker, migrate
from models.core.programme import load_programme
from models.core.programme_versions import ProgrammeHolder
from models.core.uow import transaction
from models.team.staff import Actor, Role
from scheduler.broadcast import DeliveryEngine
from scheduler.context import JobContext
from scheduler.prepared_request import PreparedRequest
from scheduler.sending import REQUEST_TIMEOUT
from tests.support.audiences import FIRST_TELEGRAM_ID, add_members, busiest_second, programme_file
from tests.support.paths import SAMPLE_PROGRAMME
from tests.support.redis import redis_server

TOKEN = "123456:BENCH-token-for-campaigns"
UNLIMITED = 1e9
IN_FLIGHT = 64
TEXT = "Bench"
MANAGER = Actor(1, Role.OWNER)
TRACE = "BENCH_CAMPAIGNS_TRACE"  # set (by --trace): each delivering process reports where its time went


# ---------------------------------------------------------------------------------------------------------------
# The fake server's process: serves, and on "stats" reports what it received.


async def serve_fake() -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        print(fake.url, flush=True)
        loop = asyncio.get_running_loop()
        while (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "quit":
            times = sorted(sent.at for sent in fake.sent if sent.text == TEXT)
            span = times[-1] - times[0] if len(times) > 1 else 0.0
            report = {"count": len(times), "span": span, "busiest": busiest_second(times)}
            report |= {"first": times[0], "last": times[-1]} if times else {}
            print(json.dumps(report), flush=True)


class FakeServer:
    """A fake Bot API server in a process of its own, fresh for each measurement."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.campaigns", "--fake"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        report: dict[str, Any] = json.loads(self.process.stdout.readline())
        return report

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(30)


# ---------------------------------------------------------------------------------------------------------------
# The delivering process: the bot's delivery engine, with the bot's settings, on one campaign.


def cpu_seconds() -> float:
    """The CPU time this process has used so far, in every thread (aiosqlite runs the database in one)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def memory_mb(field: str) -> float:
    """This process's memory from /proc: VmRSS now, VmHWM at its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def until_finished(delivery: DeliveryEngine, campaign_id: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if campaign_id not in delivery.running():
            return
        await asyncio.sleep(0.2)


async def deliver(
    database_url: str, fake_url: str, rate: float, campaign_id: int, seconds: float, redis_url: str | None = None
) -> None:
    if os.environ.get(TRACE):
        delivery_trace.install()
    baseline = memory_mb("VmRSS")  # the interpreter with the bot's modules loaded (aiogram alone is ~170 MB)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=fake_url,
            database_url=database_url,
            broadcast_rate=rate,
            programme_file=programme_file(Path(folder)),
        )
        programme = load_programme(settings.programme_file)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = create_bot(settings)
    redis = Redis.from_url(redis_url) if redis_url else None
    context = JobContext(
        ProgrammeHolder(programme, 1, lambda same: same),
        engine,
        sessionmaker,
        bot,
        Texts(),
        settings.broadcast_rate,
        frozenset(),
        redis=redis,
    )
    delivery = DeliveryEngine(context)
    tune_garbage_collector()  # as `python -m bot` does once started
    if redis is not None:  # one of several: all start delivering together, once every one is up (see below)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    began, cpu_began = time.monotonic(), cpu_seconds()
    delivery.start(campaign_id)
    await until_finished(delivery, campaign_id, seconds)
    await delivery.stop()
    cpu = cpu_seconds() - cpu_began
    async with transaction(sessionmaker) as session:
        status = (await get_campaign(session, campaign_id)).status
    await bot.session.close()
    await engine.dispose()
    if redis is not None:
        await redis.aclose()
    elapsed = time.monotonic() - began
    result = {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "status": status,
        "peak_mb": memory_mb("VmHWM"),
        "baseline_mb": baseline,
    }
    if os.environ.get(TRACE):
        result["trace"] = delivery_trace.report()
    print(json.dumps(result))


def delivery_command(database_url: str, fake: FakeServer, rate: float, campaign_id: int, seconds: float) -> list[str]:
    command = [sys.executable, "-m", "bench.campaigns", "--deliver", database_url, fake.url, str(rate)]
    return [*command, str(campaign_id), str(seconds)]


def run_delivery(database_url: str, fake: FakeServer, rate: float, campaign_id: int, seconds: float) -> dict[str, Any]:
    command = delivery_command(database_url, fake, rate, campaign_id, seconds)
    output = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def run_shared_delivery(
    database_url: str, redis_url: str, fake: FakeServer, rate: float, campaign_id: int, processes: int
) -> list[dict[str, Any]]:
    """`processes` delivering processes on one campaign, sharing the pace through Redis; each one's report.

    The processes are started together but begin delivering only once all are up: a process takes several seconds
    of CPU to import aiogram, and those seconds, spent beside the first process to deliver on two cores, would be
    measured as the delivery's (the bot's processes are up long before a campaign starts)."""
    command = [*delivery_command(database_url, fake, rate, campaign_id, 3600), "--redis", redis_url]
    running = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(processes)
    ]
    for process in running:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in running:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    for process in running:
        output, _ = process.communicate()
        assert process.returncode == 0, output
        reports.append(json.loads(output.strip().splitlines()[-1]))
    return reports


# ---------------------------------------------------------------------------------------------------------------
# Baselines: aiogram alone, no database.


async def bare_loop(fake_url: str, count: int, in_flight: int, prepared: bool) -> None:
    """aiogram's `send_message`, or (`prepared`) the engine's own request encoded once (`PreparedRequest`)."""
    bot: Bot = create_bot(Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=fake_url))
    chats = iter(range(FIRST_TELEGRAM_ID, FIRST_TELEGRAM_ID + count))
    send: Callable[[int], Awaitable[object]] = (
        PreparedRequest(bot, SendMessage(chat_id=0, text=TEXT), REQUEST_TIMEOUT).send
        if prepared
        else lambda chat: bot.send_message(chat, TEXT)
    )
    tune_garbage_collector()  # the same process settings as the engine's

    async def sender() -> None:
        for chat in chats:
            await send(chat)

    began = cpu_seconds()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    print(json.dumps({"cpu_seconds": cpu_seconds() - began}))
    await bot.session.close()


def run_baseline(count: int, in_flight: int, prepared: bool = False) -> dict[str, Any]:
    """The fake server's view of a bare loop, with the loop's CPU seconds while sending (`cpu_seconds`)."""
    fake = FakeServer()
    try:
        command = [sys.executable, "-m", "bench.campaigns", "--bare", fake.url, str(count), str(in_flight)]
        command += ["--prepared"] if prepared else []
        output = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        return {**fake.stats(), **json.loads(output.stdout.strip().splitlines()[-1])}
    finally:
        fake.close()


# ---------------------------------------------------------------------------------------------------------------
# The orchestration


@dataclass
class Database:
    url: str
    members: int = 0

    async def grow_to(self, members: int) -> None:
        engine = create_engine(self.url)
        await migrate(engine)
        async with create_sessionmaker(engine)() as session:
            await add_members(session, members - self.members, first_telegram_id=FIRST_TELEGRAM_ID + self.members)
        await engine.dispose()
        self.members = members

    async def campaign(self) -> int:
        engine = create_engine(self.url)
        async with transaction(create_sessionmaker(engine)) as session:
            programme = load_programme(SAMPLE_PROGRAMME)
            campaign = await create_campaign(session, programme, CampaignDraft("all", TEXT), MANAGER, utcnow())
        await engine.dispose()
        return campaign.id


def measured(database: Database, rate: float, seconds: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """One campaign to everyone, delivered by a fresh process to a fresh fake server: (server's view, process's)."""
    campaign_id = asyncio.run(database.campaign())
    fake = FakeServer()
    try:
        process = run_delivery(database.url, fake, rate, campaign_id, seconds)
        return fake.stats(), process
    finally:
        fake.close()


def ms_per_message(cpu_seconds: float, messages: int) -> float:
    return cpu_seconds * 1000 / messages


def per_second(stats: dict[str, Any]) -> float:
    return float((stats["count"] - 1) / stats["span"]) if stats["span"] else 0.0


def shared_pace(arguments: argparse.Namespace) -> None:
    """(d): several delivering processes on PostgreSQL, one pace through Redis."""
    database = Database(arguments.database_url)
    asyncio.run(database.grow_to(arguments.members))
    folder = Path(tempfile.mkdtemp(prefix="bench-campaigns-redis-"))
    with redis_server(folder) as redis_url:
        for _ in range(arguments.repeats):
            campaign_id = asyncio.run(database.campaign())
            fake = FakeServer()
            cpu = CpuShares(parties(database.url))
            cpu.start()
            try:
                reports = run_shared_delivery(
                    database.url, redis_url, fake, arguments.rate, campaign_id, arguments.processes
                )
                server = fake.stats()
            finally:
                cpu.stop()
                fake.close()
            bare = per_second(run_baseline(arguments.members, IN_FLIGHT))
            achieved = per_second(server)
            peaks = ", ".join(f"{report['peak_mb']:.0f}" for report in reports)
            for report in reports:
                if "trace" in report:
                    print(f"    {report['seconds']:.1f} s: {json.dumps(report['trace'])}", flush=True)
            print(
                f"    CPU while sending, in cores: {cpu_line(cpu.between(server['first'], server['last']))}", flush=True
            )
            print(
                f"(d) {arguments.processes} processes at BROADCAST_RATE={arguments.rate:.0f}, "
                f"{server['count']:,} messages: {achieved:.0f} msg/s ({achieved / arguments.rate:.3f} of the rate), "
                f"busiest second {server['busiest']}; bare loop with {IN_FLIGHT} in flight {bare:.0f} msg/s; "
                f"peak memory per process {peaks} MB",
                flush=True,
            )


def parties(database_url: str) -> dict[str, Callable[[int, str], bool]]:
    """The processes of (d) by their command lines: this process's children, and the database's backends."""
    me, database = os.getpid(), f" {database_url.rsplit('/', 1)[-1]} "
    return {
        "delivering processes": lambda parent, command: parent == me and "--deliver" in command,
        "fake server": lambda parent, command: parent == me and "--fake" in command,
        "PostgreSQL": lambda parent, command: command.startswith("postgres: ") and database in command,
        "Redis": lambda parent, command: parent == me and "redis-server" in command,
    }


def cpu_line(cores: dict[str, float]) -> str:
    ours = sum(value for name, value in cores.items() if name != "machine")
    shares = ", ".join(f"{name} {value:.2f}" for name, value in cores.items() if name != "machine")
    machine = cores["machine"]
    return f"{shares}; the whole machine {machine:.2f} of {os.cpu_count()}, other work {machine - ours:.2f}"


def unlimited(database: Database, repeats: int) -> float:
    """(b): the engine unlimited against the bare loops, in the same run, with the CPU time each spends per message
    (its process's, while sending: the engine's includes its database work); the engine's median peak memory.
    The last bare loop sends the engine's own prepared request, so that the engine's ratio to it is what its
    bookkeeping (claims, outcomes, pace) costs, apart from how it makes the request."""
    engine_rates, sequential, concurrent, prepared, peaks, engine_cpu, bare_cpu, prepared_cpu = ([] for _ in range(8))
    for _ in range(repeats):
        server, process = measured(database, UNLIMITED, 3600)
        peaks.append(process["peak_mb"])
        assert server["count"] == database.members, server
        engine_rates.append(per_second(server))
        engine_cpu.append(ms_per_message(process["cpu_seconds"], server["count"]))
        sequential.append(per_second(run_baseline(database.members, 1)))
        bare = run_baseline(database.members, IN_FLIGHT)
        concurrent.append(per_second(bare))
        bare_cpu.append(ms_per_message(bare["cpu_seconds"], bare["count"]))
        lean = run_baseline(database.members, IN_FLIGHT, prepared=True)
        prepared.append(per_second(lean))
        prepared_cpu.append(ms_per_message(lean["cpu_seconds"], lean["count"]))
        print(
            f"    engine {engine_rates[-1]:.0f} msg/s, bare loop {sequential[-1]:.0f}, "
            f"bare with {IN_FLIGHT} in flight {concurrent[-1]:.0f} (ratio {engine_rates[-1] / concurrent[-1]:.2f}), "
            f"prepared requests with {IN_FLIGHT} in flight {prepared[-1]:.0f} "
            f"(ratio {engine_rates[-1] / prepared[-1]:.2f}); CPU per message: engine {engine_cpu[-1]:.3f} ms, "
            f"bare {bare_cpu[-1]:.3f} ms, prepared {prepared_cpu[-1]:.3f} ms",
            flush=True,
        )
    engine_rate, baseline, ceiling, lean_rate = (
        statistics.median(values) for values in (engine_rates, sequential, concurrent, prepared)
    )
    print(
        f"(b) unlimited, {database.members:,} messages: engine {engine_rate:.0f} msg/s; bare send_message loop "
        f"{baseline:.0f} msg/s; ratio {engine_rate / baseline:.2f}; bare loop with {IN_FLIGHT} in flight "
        f"{ceiling:.0f} msg/s (ratio {engine_rate / ceiling:.2f}); prepared requests with {IN_FLIGHT} in flight "
        f"{lean_rate:.0f} msg/s (ratio {engine_rate / lean_rate:.2f}); CPU per message: engine "
        f"{statistics.median(engine_cpu):.3f} ms, bare with {IN_FLIGHT} in flight {statistics.median(bare_cpu):.3f} "
        f"ms, prepared {statistics.median(prepared_cpu):.3f} ms"
    )
    return float(statistics.median(peaks))


def main(arguments: argparse.Namespace) -> None:
    if arguments.trace:
        os.environ[TRACE] = "1"  # inherited by the delivering processes
    if arguments.processes > 1:
        shared_pace(arguments)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-campaigns-"))
    database = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    started = time.monotonic()
    asyncio.run(database.grow_to(arguments.members))
    print(f"seeded {arguments.members:,} members in {time.monotonic() - started:.0f} s")
    if arguments.only_b:
        unlimited(database, arguments.repeats)
        return

    server, process = measured(database, 25, arguments.paced_seconds)
    print(
        f"(a) rate 25: {per_second(server):.2f} msg/s achieved over {server['span']:.0f} s "
        f"({per_second(server) / 25:.3f} of 25), busiest second {server['busiest']}"
    )

    peak = unlimited(database, arguments.repeats)

    started = time.monotonic()
    asyncio.run(database.grow_to(arguments.million))
    print(f"seeded up to {arguments.million:,} members in {time.monotonic() - started:.0f} s")
    server, process = measured(database, UNLIMITED, arguments.million_seconds)
    print(
        f"(c) peak memory: {peak:.0f} MB at {arguments.members:,} recipients (whole delivery); "
        f"{process['peak_mb']:.0f} MB at {arguments.million:,} recipients (audience frozen, then "
        f"{server['count']:,} messages in {process['seconds']:.0f} s); the process holds "
        f"{process['baseline_mb']:.0f} MB before any work"
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--paced-seconds", type=float, default=60)
    parser.add_argument("--million-seconds", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only-b", action="store_true", help="run (b) alone")
    parser.add_argument("--processes", type=int, default=1, help="above 1: (d), several processes sharing a pace")
    parser.add_argument("--database-url", default="", help="PostgreSQL for (d)")
    parser.add_argument("--rate", type=float, default=1000, help="BROADCAST_RATE for (d)")
    parser.add_argument("--trace", action="store_true", help="each delivering process reports where its time went")
    # Roles of the child processes.
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--deliver", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--bare", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--prepared", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    options = parse()
    if options.fake:
        asyncio.run(serve_fake())
    elif options.deliver:
        url, fake_url, rate, campaign, seconds = options.deliver
        asyncio.run(deliver(url, fake_url, float(rate), int(campaign), float(seconds), options.redis))
    elif options.bare:
        fake_url, count, in_flight = options.bare
        asyncio.run(bare_loop(fake_url, int(count), int(in_flight), options.prepared))
    else:
        main(options)
