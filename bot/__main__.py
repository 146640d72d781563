"""`python -m bot` runs the bot; `migrate` only updates the database schema; `check` verifies the ledger; `sandbox`
runs the whole product on one machine with a web page instead of Telegram."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from pydantic import ValidationError

from bot.app import App
from bot.check import check
from bot.runtime import once_started
from bot.settings import Settings, describe_error
from models.core.db import create_engine, migrate
from models.core.programme import ProgrammeError

USAGE = "usage: python -m bot [run|migrate|check|sandbox]"


async def _run(settings: Settings) -> None:
    app = await App.create(settings)
    # What start-up made (modules, the dispatcher, the programme: some 280,000 objects) lives as long as the process:
    # once started, it is frozen out of the collector's full passes (see `bot.runtime`). A setting of the process, so
    # made here and not by `App`, which tests start many times in one process that keeps Python's defaults.
    app.dispatcher.startup.register(once_started)
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(app.run())
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        logging.getLogger(__name__).info("stopping")
    finally:
        await app.close()


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    await migrate(engine)
    await engine.dispose()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of every job; the WAL checkpoint alone runs each second. Failures still show.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    action = argv[0] if argv else "run"
    if action == "sandbox":  # configures itself: no token, no .env
        from bot.sandbox.cli import main as sandbox

        return sandbox(argv[1:])
    commands: dict[str, Callable[[Settings], Coroutine[Any, Any, int | None]]] = {
        "run": _run,
        "migrate": _migrate,
        "check": check,
    }
    if action not in commands:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = Settings()  # values come from the environment
        code: int | None = asyncio.run(commands[action](settings))
    except ValidationError as exc:
        print(describe_error(exc), file=sys.stderr)
        return 1
    except ProgrammeError as exc:
        print(f"programme file: {exc}", file=sys.stderr)
        return 1
    except TelegramUnauthorizedError:
        print("Telegram rejected BOT_TOKEN: copy the token again from @BotFather.", file=sys.stderr)
        return 1
    except TelegramNetworkError as exc:
        print(f"cannot reach the Bot API at TELEGRAM_API_URL: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return code or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
