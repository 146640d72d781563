"""Declarative base shared by every table, with constraint names stable across SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import DateTime, Dialect, MetaData, Table, TypeDecorator
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as UTC and always returns aware datetimes, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """`process_bind_param` and the driver's own processing, remembering the last two values: a batch of rows (a
        group commit's sales, their entries, audit lines and messages) binds the same moment, and the same expiry, in
        every row, and formatting each for SQLite again (about a microsecond) added up to several per sale."""
        process = super().bind_processor(dialect)
        if process is None:
            return None
        recent: tuple[tuple[datetime | None, Any], ...] = ((None, None), (None, None))

        def remembered(value: datetime | None) -> Any:
            nonlocal recent
            latest, before = recent  # one read: another thread may replace it meanwhile, never half of it
            # The same object (datetimes are immutable), the same result.
            if value is not None and latest[0] is value:
                return latest[1]
            if value is not None and before[0] is value:
                recent = (before, latest)
                return before[1]
            result = process(value)
            recent = ((value, result), latest)
            return result

        return remembered

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for bulk statements that skip the ORM's per-row work."""
    return cast(Table, model.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)
