"""The business clock: the programme's time zone, and what a moment is on the business's wall clock.

A "day" means the same everywhere (a cashier's daily limit, an automation's key, a coupon's last date): the date in
the programme's zone, which is UTC unless the programme file or the TIMEZONE setting names another.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from models.core.programme import Programme

DEFAULT_ZONE = "UTC"


def known_zone(name: str) -> str:
    """The name, if this machine knows the time zone; a ValueError saying what to write instead if not."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name like Europe/Moscow") from None
    return name


def zone(programme: Programme) -> ZoneInfo:
    """The business's time zone (ZoneInfo keeps one object per name, so asking again is cheap)."""
    return ZoneInfo(programme.timezone)


def local(programme: Programme, moment: datetime) -> datetime:
    """The moment as the business's wall clock shows it."""
    return moment.astimezone(zone(programme))


def business_day(programme: Programme, moment: datetime) -> date:
    """The business day a moment falls on."""
    return local(programme, moment).date()


def from_local(programme: Programme, wall: datetime) -> datetime:
    """A naive wall-clock time in the business's zone, as an aware moment in UTC."""
    return wall.replace(tzinfo=zone(programme)).astimezone(UTC)
