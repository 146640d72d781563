"""A private Redis server for a test session: the distribution's `redis-server` on a free port of 127.0.0.1, with no
persistence, so that concurrent test runs on one machine never share keys."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

READY_SECONDS = 10
PORT_ATTEMPTS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server in `workdir` and yield its URL; stop it on exit."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed: .ci/run installs it (apt-get install redis-server)")
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        listen = ["--port", str(port), "--bind", "127.0.0.1"]
        keep_nothing = ["--save", "", "--appendonly", "no", "--dir", str(workdir)]
        process = subprocess.Popen(
            [binary, *listen, *keep_nothing], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if _serving(process, port):
                break
        except BaseException:
            process.kill()
            raise
        process.wait(timeout=10)  # the port was taken before it could listen (by another session's server): anew
    else:
        raise RuntimeError(f"redis-server found no free port in {PORT_ATTEMPTS} attempts")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _serving(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether `process` listens on `port`: True once it answers there itself, False if it exits first.

    Asked for its process id, not just pinged: a free port can be taken by another test session's server between
    the probe and the start, and a session that talked to that server would lose it when the other session ends.
    """
    deadline = time.monotonic() + READY_SECONDS
    while process.poll() is None:
        try:
            with Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
                if client.info("server")["process_id"] == process.pid:
                    return True
        except RedisError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return False
