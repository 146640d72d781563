"""Several real bot processes behind nginx, the way the bot runs on more than one machine.

`Cluster` starts N `python -m bot` processes in webhook mode (each on its own port) sharing one PostgreSQL database
and one Redis, puts nginx in front with deploy/nginx.conf (its upstream and port written for the test), and plays
Telegram's webhook delivery: every update pushed into the fake Bot API (`telegram.push_text`, the journeys in
tests/journeys.py) is posted to nginx with the secret, and posted again until a process answers 2xx, as Telegram
does. A test can stop a process (SIGTERM), kill it (SIGKILL), start it again and ask which one leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot.sandbox.telegram import FakeTelegram
from tests.support.app import OWNER
from tests.support.paths import SAMPLE_PROGRAMME
from tests.support.redis import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
SECRET = "cluster-Secret_1"
WEBHOOK_PATH = "/telegram/updates"
START_SECONDS = 180  # importing aiogram alone takes 20 s of a loaded two-core machine
STOP_SECONDS = 30
RETRY_SECONDS = 0.2  # Telegram waits longer between tries; tests need not


def nginx_available() -> bool:
    return os.access(NGINX, os.X_OK)


def render_nginx(ports: list[int], listen: int) -> str:
    """deploy/nginx.conf with the upstream's servers replaced by these ports of 127.0.0.1 and listening on `listen`."""
    conf = NGINX_CONF.read_text()
    servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n" for port in ports)
    conf, upstreams = re.subn(r"(upstream bot \{\n)(?:\s*#.*\n)?(?:\s*server .*;\n)+", rf"\g<1>{servers}", conf)
    conf, listens = re.subn(r"listen \d+;", f"listen 127.0.0.1:{listen};", conf)
    assert (upstreams, listens) == (1, 1), "deploy/nginx.conf no longer has the shape the tests rewrite"
    return conf


@dataclass
class BotProcess:
    """One `python -m bot` of the cluster; its output goes to `log` (appended over restarts)."""

    index: int
    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Cluster:
    telegram: FakeTelegram
    database_url: str
    redis_url: str
    workdir: Path
    size: int = 3
    env: Mapping[str, str] = field(default_factory=dict)  # extra settings for every process (TIMEZONE, ...)
    processes: list[BotProcess] = field(init=False, default_factory=list)
    url: str = field(init=False, default="")  # nginx's base URL
    _nginx: asyncio.subprocess.Process | None = field(init=False, default=None)
    _http: aiohttp.ClientSession | None = field(init=False, default=None)
    _sender: asyncio.Task[None] | None = field(init=False, default=None)
    _posting: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    posts: int = field(init=False, default=0)  # POSTs to nginx, retries included
    accepted: dict[int, dict[str, Any]] = field(init=False, default_factory=dict)  # by update_id, once 2xx

    # ------------------------------------------------------------------------------------------------------------
    # Life cycle

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        # Redis is the test session's: what an earlier test left (dialogue states, locks, counters) must not leak.
        redis = Redis.from_url(self.redis_url)
        await redis.flushdb()
        await redis.aclose()
        self.processes = [
            BotProcess(index, free_port(), self.workdir / f"bot-{index}.log") for index in range(self.size)
        ]
        await asyncio.gather(*(self.start_process(index) for index in range(self.size)))
        await self._start_nginx()
        self._sender = asyncio.create_task(self._deliver_updates(), name="telegram-webhook")

    async def stop(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        for task in list(self._posting):
            task.cancel()
        await asyncio.gather(*self._posting, return_exceptions=True)
        await asyncio.gather(*(self.terminate(index) for index in range(len(self.processes))))
        if self._nginx is not None and self._nginx.returncode is None:
            self._nginx.terminate()
            await asyncio.wait_for(self._nginx.wait(), STOP_SECONDS)
        if self._http is not None:
            await self._http.close()

    def process_env(self, port: int) -> dict[str, str]:
        """What every process of the cluster is configured with (no .env: the working directory is the test's)."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_URL": self.telegram.url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "ADMIN_IDS": str(OWNER.id),
            "PROGRAMME_FILE": str(SAMPLE_PROGRAMME),
            "WEBHOOK_URL": f"https://bot.example.test{WEBHOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            **self.env,
        }

    async def start_process(self, index: int) -> None:
        """Start process `index` (again) and wait until it serves."""
        bot = self.processes[index]
        with bot.log.open("ab") as log:
            bot.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.workdir,
                env=self.process_env(bot.port),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while await self.get(index, "/healthz") != 200:
            if not bot.running or time.monotonic() > deadline:
                raise AssertionError(f"bot process {index} did not start:\n{bot.output()[-3000:]}")
            await asyncio.sleep(0.1)

    async def terminate(self, index: int) -> int | None:
        """Stop process `index` as systemd or docker do (SIGTERM), waiting for it to exit; its exit code."""
        return await self._signal(index, signal.SIGTERM)

    async def kill(self, index: int) -> int | None:
        """Kill process `index` without warning (SIGKILL), as a crash or the OOM killer would."""
        return await self._signal(index, signal.SIGKILL)

    async def _signal(self, index: int, sig: signal.Signals) -> int | None:
        process = self.processes[index].process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.send_signal(sig)
        try:
            return await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"bot process {index} did not stop within {STOP_SECONDS}s") from None

    async def _start_nginx(self) -> None:
        prefix = self.workdir / "nginx"
        prefix.mkdir(exist_ok=True)
        listen = free_port()
        (prefix / "nginx.conf").write_text(render_nginx([bot.port for bot in self.processes], listen))
        with (prefix / "error.log").open("ab") as log:
            self._nginx = await asyncio.create_subprocess_exec(
                NGINX,
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                "stderr",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        self.url = f"http://127.0.0.1:{listen}"
        deadline = time.monotonic() + 10
        while not await self._answers(f"{self.url}/healthz"):
            if self._nginx.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start: {(prefix / 'error.log').read_text()}")
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------------------------------------------------
    # Telegram's side: webhook delivery

    async def _deliver_updates(self) -> None:
        while True:
            for update in self.telegram.take_queued():
                task = asyncio.create_task(self.deliver(update))
                self._posting.add(task)
                task.add_done_callback(self._posting.discard)
            await asyncio.sleep(0.005)

    async def deliver(self, update: dict[str, Any]) -> None:
        """Post an update to nginx until a process answers 2xx, as Telegram does with a webhook."""
        while await self.post(update) // 100 != 2:  # noqa: ASYNC110 - retrying on a timer is what Telegram does
            await asyncio.sleep(RETRY_SECONDS)
        self.accepted[update["update_id"]] = update

    async def post(self, update: dict[str, Any], index: int | None = None) -> int:
        """Post an update once, to nginx or straight to process `index`; the HTTP status (599: no answer at all)."""
        assert self._http is not None
        self.posts += 1
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        base = self.url if index is None else f"http://127.0.0.1:{self.processes[index].port}"
        try:
            async with self._http.post(f"{base}{WEBHOOK_PATH}", json=update, headers=headers) as response:
                await response.read()
                return response.status
        except aiohttp.ClientError:
            return 599

    async def settle(self, quiet: float = 0.5, timeout: float = 180) -> None:  # noqa: ASYNC109 - like wait_idle
        """Wait until every pushed update was answered 2xx and the bot made no call for `quiet` seconds (a generous
        timeout: one user's updates are handled one at a time, and the machine running the tests may be busy)."""
        deadline = time.monotonic() + timeout
        while self._posting or self.telegram.unfetched:
            if time.monotonic() > deadline:
                logs = self.logs()[-10_000:]
                raise AssertionError(f"{len(self._posting)} updates still not accepted after {timeout}s:\n{logs}")
            await asyncio.sleep(0.05)
        await self.telegram.wait_idle(quiet=quiet, timeout=max(1.0, deadline - time.monotonic()))

    # ------------------------------------------------------------------------------------------------------------
    # Looking at the processes

    async def get(self, index: int, path: str) -> int:
        """GET `path` from process `index` directly; its status (599: no answer)."""
        status, _ = await self.fetch(f"http://127.0.0.1:{self.processes[index].port}{path}")
        return status

    async def fetch(self, url: str) -> tuple[int, str]:
        assert self._http is not None
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                return response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError):
            return 599, ""

    async def _answers(self, url: str) -> bool:
        return (await self.fetch(url))[0] != 599

    async def metrics(self, index: int) -> str:
        status, body = await self.fetch(f"http://127.0.0.1:{self.processes[index].port}/metrics")
        assert status == 200, f"/metrics of process {index} answered {status}"
        return body

    async def leaders(self) -> list[int]:
        """The running processes that say (in /metrics) they lead."""
        found = []
        for bot in self.processes:
            if bot.running and re.search(r"^loyalty_leader 1\.0$", await self.metrics(bot.index), re.MULTILINE):
                found.append(bot.index)
        return found

    async def leader(self, timeout: float = 30) -> int:  # noqa: ASYNC109 - a deadline, not a cancellation
        """The one leading process, waiting for one (a follower takes over within 30 s)."""
        deadline = time.monotonic() + timeout
        while True:
            found = await self.leaders()
            if len(found) == 1:
                return found[0]
            assert len(found) < 2, f"processes {found} all lead"
            if time.monotonic() > deadline:
                raise AssertionError(f"no process leads after {timeout}s")
            await asyncio.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(bot.output() for bot in self.processes)


@contextlib.asynccontextmanager
async def running_cluster(
    telegram: FakeTelegram, database_url: str, redis_url: str, workdir: Path, size: int = 3, **env: str
) -> AsyncIterator[Cluster]:
    """A started cluster, stopped on exit (its processes' output printed if the test failed)."""
    cluster = Cluster(telegram, database_url, redis_url, workdir, size, env)
    try:
        await cluster.start()
        yield cluster
    except BaseException:
        print(cluster.logs()[-20_000:])  # pytest shows it with the failure
        raise
    finally:
        await cluster.stop()
