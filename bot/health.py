"""Health on the webhook port, for a load balancer and for Prometheus.

`/healthz`: the process is alive and serving (no dependency is asked, so a database outage does not get every
process restarted). `/readyz`: the database and Redis answer and the schema is at Alembic's head; 503 with the
reason otherwise, so that a balancer sends no update to a process that would fail it. `/metrics`: Prometheus's text
format, from prometheus-client's registry.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.metrics import refresh_depths
from models.core.db import alembic_config

CHECK_SECONDS = 2.0  # each dependency gets this long to answer a readiness check
log = logging.getLogger(__name__)


def schema_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass
class Health:
    """What readiness asks, and where the queues' depths are read for /metrics."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    head: str | None

    async def problem(self) -> str | None:
        """Why this process should not get updates now, or None when it is ready."""
        try:
            async with asyncio.timeout(CHECK_SECONDS), self.engine.connect() as connection:
                version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception as exc:  # any failure to answer is the answer
            return f"database: {type(exc).__name__}"
        if version != self.head:
            return f"schema at {version}, code expects {self.head}"
        if self.redis is not None:
            try:
                async with asyncio.timeout(CHECK_SECONDS):
                    await self.redis.ping()
            except Exception as exc:
                return f"redis: {type(exc).__name__}"
        return None

    async def alive(self, _request: web.Request) -> web.Response:
        return web.Response(text="alive\n")

    async def ready(self, _request: web.Request) -> web.Response:
        problem = await self.problem()
        if problem is not None:
            return web.Response(status=503, text=f"not ready: {problem}\n")
        return web.Response(text="ready\n")

    async def metrics(self, _request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await refresh_depths(self.sessionmaker)
        except Exception as exc:  # the depths keep their last values; the rest is still worth reading
            log.warning("could not read the queues' depths for /metrics: %s", type(exc).__name__)
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_health_routes(app: web.Application, health: Health) -> None:
    app.router.add_get("/healthz", health.alive)
    app.router.add_get("/readyz", health.ready)
    app.router.add_get("/metrics", health.metrics)
