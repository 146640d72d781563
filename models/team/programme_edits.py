"""Owners changing the programme from the console: each change is a new version, validated first and audited.

The versions themselves live in `models.core.programme_versions`; this is the staff action on them, kept with the
audit trail it writes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.core import programme_versions as versions
from models.core.programme import Programme
from models.team import audit
from models.team.staff import Actor


@dataclass(frozen=True)
class Saved:
    version: int
    programme: Programme


async def _add(
    session: AsyncSession,
    actor: Actor,
    action: str,
    programme: Programme,
    text: str,
    now: datetime,
    detail: str | None = None,
) -> Saved:
    number = await versions.add(session, text, by=actor.telegram_id, now=now)
    await audit.record(session, actor, action, now=now, subject=f"version {number}", detail=detail)
    return Saved(number, programme)


async def save(session: AsyncSession, actor: Actor, document: dict[str, Any], now: datetime) -> Saved:
    """The programme edited in the console's forms; ProgrammeInvalid names each field it refuses."""
    programme = versions.validate(document)
    return await _add(session, actor, "programme.edit", programme, versions.to_toml(programme), now)


async def upload(session: AsyncSession, actor: Actor, text: str, now: datetime) -> Saved:
    """A programme file uploaded as it is (comments kept)."""
    return await _add(session, actor, "programme.upload", versions.parse_toml(text), text, now)


async def restore(session: AsyncSession, actor: Actor, version: int, now: datetime) -> Saved:
    """A new version equal to an earlier one; UnknownVersion if there is none by that number."""
    text = await versions.text_of(session, version)
    programme = versions.parse_toml(text)
    return await _add(session, actor, "programme.restore", programme, text, now, detail=f"from version {version}")
