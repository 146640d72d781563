"""The programme as versions in the database: the file seeds version 1, every edit adds one, the newest is in force.

A version is kept as TOML text, the programme file's own format, so that downloading it gives a file that loads as
`programme.toml` and the first version keeps the file's comments. Versions are never changed or deleted: restoring
an old one adds a new version with its text.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import tomli_w
from pydantic import ValidationError
from sqlalchemy import BigInteger, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.programme import Programme
from models.core.uow import writing


class ProgrammeVersion(Base):
    __tablename__ = "programme_versions"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)  # TOML
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # None: seeded from the file
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted location, "offers.0.title.en"; "" for the programme as a whole
    message: str


class ProgrammeInvalid(Exception):
    """A programme that the programme file's model refuses; `errors` name each field and the problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("programme invalid")
        self.errors = errors


class UnknownVersion(Exception):
    """No programme version has that number."""


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime
    created_by: int | None


@dataclass(frozen=True)
class CurrentProgramme:
    info: VersionInfo
    programme: Programme


def field_errors(exc: ValidationError) -> list[FieldError]:
    """pydantic's errors as (dotted field, message), worded as the programme file's errors are at start-up."""
    return [
        FieldError(".".join(str(part) for part in error["loc"]), str(error["msg"]).removeprefix("Value error, "))
        for error in exc.errors()
    ]


def validate(document: Any) -> Programme:
    """The programme a document (the file's TOML read as a dict, or the console's JSON) describes."""
    try:
        return Programme.model_validate(document)
    except ValidationError as exc:
        raise ProgrammeInvalid(field_errors(exc)) from None


def parse_toml(text: str) -> Programme:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeInvalid([FieldError("toml", f"not valid TOML: {exc}")]) from None
    return validate(document)


def _plain(value: Any) -> Any:
    """Decimals as TOML numbers (whole ones as integers); TOML has no null, so absent values are left out."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_toml(programme: Programme) -> str:
    return tomli_w.dumps(_plain(programme.model_dump(mode="python")))


def to_document(programme: Programme) -> dict[str, Any]:
    """The programme as JSON-ready values, every field present (None for those not set)."""
    return programme.model_dump(mode="json")


async def latest_version(session: AsyncSession) -> int:
    """The number of the version in force (0 before the first is seeded): one index read, cheap to poll."""
    return int(await session.scalar(select(func.max(ProgrammeVersion.version))) or 0)


async def _row(session: AsyncSession, version: int) -> ProgrammeVersion:
    row = await session.get(ProgrammeVersion, version)
    if row is None:
        raise UnknownVersion(version)
    return row


def _info(row: ProgrammeVersion) -> VersionInfo:
    return VersionInfo(row.version, row.created_at, row.created_by)


async def current(session: AsyncSession) -> CurrentProgramme | None:
    """The version in force and its programme, or None before the first is seeded."""
    newest = await latest_version(session)
    if not newest:
        return None
    row = await _row(session, newest)
    return CurrentProgramme(_info(row), parse_toml(row.text))


async def current_text(session: AsyncSession) -> tuple[str, int] | None:
    """The text of the version in force and its number, or None before the first is seeded."""
    newest = await latest_version(session)
    return ((await _row(session, newest)).text, newest) if newest else None


async def versions(session: AsyncSession) -> list[VersionInfo]:
    """Every version, newest first."""
    rows = await session.scalars(select(ProgrammeVersion).order_by(ProgrammeVersion.version.desc()))
    return [_info(row) for row in rows]


async def add(session: AsyncSession, text: str, *, by: int | None, now: datetime) -> int:
    """Store `text` (already validated) as the next version; returns its number. Two writers at once: one fails on
    the primary key and its unit of work rolls back."""
    await writing(session)
    number = await latest_version(session) + 1
    session.add(ProgrammeVersion(version=number, text=text, created_by=by, created_at=now))
    await session.flush()
    return number


async def import_file(session: AsyncSession, file_text: str, now: datetime) -> int:
    """At start-up: the programme file becomes a new version when it differs from the file last imported (the
    first start seeds version 1), so that editing the file and restarting still works; otherwise the versions made
    in the console stay in force. Returns the new version's number, 0 when the file was imported before."""
    last_import = await session.scalar(
        select(ProgrammeVersion.text)
        .where(ProgrammeVersion.created_by.is_(None))
        .order_by(ProgrammeVersion.version.desc())
        .limit(1)
    )
    if last_import == file_text:
        return 0
    parse_toml(file_text)
    return await add(session, file_text, by=None, now=now)


async def text_of(session: AsyncSession, version: int) -> str:
    return (await _row(session, version)).text


class ProgrammeHolder:
    """The programme in force in this process: read by every update and job, refreshed from the newest version.

    `adjust` is applied to every version loaded (the settings' TIMEZONE overrides the programme's). Calling the
    holder returns the programme, so it can be passed wherever a `Callable[[], Programme]` is wanted.
    """

    def __init__(self, programme: Programme, version: int, adjust: Callable[[Programme], Programme]) -> None:
        self._adjust = adjust
        self._programme = adjust(programme)
        self.version = version

    @property
    def programme(self) -> Programme:
        return self._programme

    def __call__(self) -> Programme:
        return self._programme

    def hold(self, programme: Programme, version: int) -> None:
        """Put a version in force at once (in the process that saved it; the others follow within a refresh)."""
        if version > self.version:
            self._programme = self._adjust(programme)
            self.version = version

    async def refresh(self, session: AsyncSession) -> bool:
        """Load the newest version if it is not the one held; one cheap query when nothing changed."""
        newest = await latest_version(session)
        if newest == self.version or not newest:
            return False
        self.hold(parse_toml(await text_of(session, newest)), newest)
        return True
