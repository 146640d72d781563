"""What webhook mode costs per update: the secret check, and the record that the update was handled, over HTTP.

The bot runs in webhook mode against the fake Bot API on a SQLite file whose record of handled updates already holds
three days of a busy bot (`PAST_UPDATES` rows). Members ask for /balance: each update is posted to the webhook and
answered once the bot has replied. The baseline, in the same run, feeds the same kind of update straight into the
dispatcher (no HTTP, no secret). Also measured: a copy Telegram sends again, which is answered without handling.
Run: `.venv/bin/python -m bench.webhook` (medians of several rounds; the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import socket
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.types import Update

from bench.updates import command_update
from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from bot.throttle import FloodLimit
from models.core.db import create_engine, migrate
from models.core.uow import transaction
from tests.support.audiences import enrol_members

ROOT = Path(__file__).resolve().parent.parent
PAST_UPDATES = 1_000_000
MEMBERS = 50
SECRET = "bench-secret"
PATH = "/hook"
update_ids = itertools.count(10_000_000)


def _update(telegram_id: int, text: str) -> dict[str, Any]:
    return command_update(telegram_id, text, language="en", update_id=next(update_ids))


async def _database(folder: Path) -> str:
    """A migrated SQLite file with three days' worth of handled updates on record."""
    path = folder / "webhook.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=3)
    step = timedelta(days=3) / PAST_UPDATES

    def rows() -> Iterator[tuple[int, str]]:
        for n in range(1, PAST_UPDATES + 1):
            yield n, (start + n * step).isoformat(sep=" ")

    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)", rows())
    return f"sqlite+aiosqlite:///{path}"


async def _members(app: App) -> list[int]:
    async with transaction(app.sessionmaker) as session:
        await enrol_members(session, app.programme, range(1, MEMBERS + 1))
    return list(range(1, MEMBERS + 1))


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _timed(rounds: int, step: Callable[[int], Awaitable[None]]) -> list[float]:
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        await step(n)
        samples.append(time.perf_counter() - started)
    return samples


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await _database(Path(folder))
        async with FakeTelegram() as telegram, aiohttp.ClientSession() as http:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            settings = Settings(
                _env_file=None,
                bot_token=telegram.token,
                telegram_api_url=telegram.url,
                database_url=url,
                programme_file=ROOT / "programme.toml",
                webhook_url=f"https://bench.example{PATH}",
                webhook_secret=SECRET,
                webhook_host="127.0.0.1",
                webhook_port=port,
            )
            app = await App.create(settings, flood=FloodLimit(burst=10**6, per_second=10**6))
            members = await _members(app)
            server = asyncio.create_task(app.run())
            while telegram.webhook is None:
                if server.done():
                    server.result()  # start-up failed: show why
                await asyncio.sleep(0.01)
            url_hook = f"http://127.0.0.1:{port}{PATH}"
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            sent_again = _update(members[0], "/balance")

            async def post(update: dict[str, Any]) -> None:
                async with http.post(url_hook, json=update, headers=headers) as response:
                    assert response.status == 200, response.status

            async def direct(n: int) -> None:
                update = Update.model_validate(_update(members[n % MEMBERS], "/balance"), context={"bot": app.bot})
                await app.dispatcher.feed_update(app.bot, update)

            await post(sent_again)
            direct_s = await _timed(rounds, direct)
            webhook_s = await _timed(rounds, lambda n: post(_update(members[n % MEMBERS], "/balance")))
            again_s = await _timed(rounds, lambda n: post(sent_again))
            server.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await server
            await app.close()
    direct_ms, webhook_ms, again_ms = _median_ms(direct_s), _median_ms(webhook_s), _median_ms(again_s)
    print(f"records of handled updates already kept: {PAST_UPDATES:,}; rounds: {rounds}")
    print(f"baseline, /balance fed straight to the dispatcher: median {direct_ms:.2f} ms")
    print(f"webhook, /balance posted and answered after handling: median {webhook_ms:.2f} ms")
    print(f"webhook, the same update sent again (ignored): median {again_ms:.2f} ms")
    print(f"ratio webhook / baseline: {webhook_ms / direct_ms:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    asyncio.run(main(parser.parse_args().rounds))
