"""The tests' private Redis servers: each session talks to the server it started, even when a port it was given was
taken by another session's server first (which would take its keys with it when that session ends)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from redis import Redis

from tests.support import redis as servers


def _process_id(url: str) -> int:
    with Redis.from_url(url) as client:
        return int(client.info("server")["process_id"])


def test_a_server_whose_port_is_taken_starts_on_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    with servers.redis_server(tmp_path / "first") as first:
        taken = urlsplit(first).port
        assert taken is not None
        ports: Iterator[int] = itertools.chain([taken], iter(servers.free_port, None))
        monkeypatch.setattr(servers, "free_port", lambda: next(ports))
        with servers.redis_server(tmp_path / "second") as second:
            assert second != first
            assert _process_id(second) != _process_id(first)
        with Redis.from_url(first) as client:
            assert client.ping()  # the first session's server is still its own, and still up
