"""`python -m bot sandbox` as a newcomer runs it (what `make demo` runs): from an empty directory, no token, no .env,
nothing configured; the page answers on its port within a minute, and Ctrl+C stops it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.paths import ROOT

STARTS_WITHIN_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def page(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body.decode()
    except OSError:
        return None


@pytest.mark.timeout(STARTS_WITHIN_SECONDS + 30)
def test_the_sandbox_starts_with_nothing_configured(tmp_path: Path) -> None:
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in {"BOT_TOKEN", "DATABASE_URL"}}
    environment["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "bot", "sandbox", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        try:
            deadline = time.monotonic() + STARTS_WITHIN_SECONDS
            body = None
            while body is None and time.monotonic() < deadline and process.poll() is None:
                body = page(f"http://127.0.0.1:{port}/")
                time.sleep(0.5)
            assert body is not None, "the sandbox's page did not answer within a minute"
            assert 'aria-label="Message"' in body
            assert (tmp_path / "demo.db").exists()  # kept in the working directory between runs
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}" in output
    assert process.returncode == 0, output
