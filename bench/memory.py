"""Memory of one bot process: idle after start-up, and at its peak after work (RSS and VmHWM from /proc).

`.venv/bin/python -m bench.memory` starts `python -m bot` (polling the fake Bot API server, which runs here, on a
fresh SQLite file, to which `--members` members who agreed to marketing are added once it has started), then
reports:
- idle: VmRSS a few seconds after "bot started", before any update;
- after a campaign to every member at BROADCAST_RATE=1000, as a manager sends it (`/campaign all now | ...`);
- after `/campaign_stats` of that campaign, which draws its chart (the only user of matplotlib and numpy);
with VmHWM (the peak so far) at each step. `--code DIR` runs the bot from another checkout (a git worktree of an
older commit), so that before and after are measured by the same script.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bot.sandbox.telegram import FakeTelegram
from models.core.db import create_engine, create_sessionmaker
from tests.support.app import OWNER
from tests.support.audiences import add_members, programme_file
from tests.support.paths import ROOT

IDLE_SECONDS = 5.0
TEXT = "Memory bench"


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


async def seeded(database_url: str, members: int) -> None:
    """Members written straight into the database that the bot has just migrated (to its own schema)."""
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        await add_members(session, members)
    await engine.dispose()


async def until_logged(log: Path, text: str, timeout: float) -> None:  # noqa: ASYNC109 - polls a file
    deadline = time.monotonic() + timeout
    while text not in (written := await asyncio.to_thread(log.read_text, errors="replace")):
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot never logged {text!r}:\n{written[-3000:]}")
        await asyncio.sleep(0.1)


def report(step: str, pid: int) -> None:
    memory = memory_mb(pid)
    print(f"{step:<44} RSS {memory['VmRSS']:6.0f} MB   peak (VmHWM) {memory['VmHWM']:6.0f} MB", flush=True)


async def main(arguments: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    log = folder / "bot.log"
    async with FakeTelegram() as telegram:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(arguments.code),
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.url,
            "DATABASE_URL": database_url,
            "ADMIN_IDS": str(OWNER.id),
            "PROGRAMME_FILE": str(programme_file(folder)),
            "BROADCAST_RATE": "1000",
        }
        with log.open("wb") as output:
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=folder, env=environment, stdout=output, stderr=output
            )
        try:
            await until_logged(log, "bot started", 180)
            await seeded(database_url, arguments.members)
            await asyncio.sleep(IDLE_SECONDS)
            report("idle, after start-up", bot.pid)
            mark = len(telegram.sent)
            telegram.push_text(OWNER, f"/campaign all now | {TEXT}")
            await telegram.wait_for(OWNER.id, contains="has finished", after=mark, timeout=600)
            report(f"after a campaign to {arguments.members:,} members", bot.pid)
            mark = len(telegram.sent)
            telegram.push_text(OWNER, "/campaign_stats 1")
            await telegram.wait_for(OWNER.id, method="sendPhoto", after=mark, timeout=120)
            report("after /campaign_stats drew its chart", bot.pid)
        finally:
            bot.terminate()
            await asyncio.wait_for(bot.wait(), 30)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose bot is measured")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
