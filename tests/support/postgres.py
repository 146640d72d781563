"""A private PostgreSQL server for the one test that stops its database: started with .ci/postgres-start on a free
port and a directory of its own (never the suite's shared server), stopped and started again with pg_ctl."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.redis import free_port

START_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres-start"


def _as_postgres(*command: str) -> list[str]:
    """initdb and pg_ctl refuse to run as root; the server's files belong to the postgres user."""
    return list(command) if os.getuid() != 0 else ["runuser", "-u", "postgres", "--", *command]


@dataclass(frozen=True)
class PrivatePostgres:
    url: str
    data: Path
    bin_dir: Path
    log: Path

    def stop(self) -> None:
        pg_ctl = str(self.bin_dir / "pg_ctl")
        subprocess.run(_as_postgres(pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"), check=True, cwd="/")

    def start(self) -> None:
        pg_ctl = str(self.bin_dir / "pg_ctl")
        command = _as_postgres(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        subprocess.run(command, check=True, cwd="/", stdout=subprocess.DEVNULL)


def postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else None


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A server of the test's own; removed on exit. Its directory is outside pytest's (the postgres user must
    reach it)."""
    bin_dir = postgres_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: .ci/postgres-start installs it")
    root = Path(f"/tmp/loyalty-pg-{uuid.uuid4().hex[:8]}")
    env = {**os.environ, "LOYALTY_PG_PORT": str(free_port()), "LOYALTY_PG_ROOT": str(root)}
    started = subprocess.run([str(START_SCRIPT)], env=env, check=True, capture_output=True, text=True)
    server = PrivatePostgres(started.stdout.strip(), root / "data", bin_dir, root / "server.log")
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
            Path(f"{root}-start.lock").unlink(missing_ok=True)
