"""`python -m bot sandbox [--port N] [--database PATH]`: the whole product on one machine, with nothing to configure."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from bot.sandbox import web
from bot.sandbox.run import Sandbox

HOST = "127.0.0.1"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="the page's port (default 8080)")
    parser.add_argument(
        "--database", type=Path, default=Path("demo.db"), help="the demo SQLite file, kept between runs (demo.db)"
    )
    return parser.parse_args(argv)


async def serve(port: int, database: Path) -> None:
    """Run until interrupted: the sandbox, and its page on HOST:port."""
    sandbox = Sandbox(database)
    await sandbox.start()
    runner = await web.serve(sandbox, HOST, port)
    print(f"Sandbox ready: open http://{HOST}:{port} (Ctrl+C stops it)", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    try:
        await stopped.wait()
    finally:
        await runner.cleanup()
        await sandbox.stop()


def main(argv: list[str]) -> int:
    options = parse(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options.port, options.database))
    return 0
