"""What campaign tests and the benchmark share: many members written straight into the database, a programme
file that sends at any hour, and the busiest second of a delivery."""

from __future__ import annotations

import re
import statistics
from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from models.analytics.member_stats import MemberStats
from models.core.base import utcnow
from models.core.programme import Programme, load_programme
from models.core.uow import transaction
from models.members.registry import Member
from tests.support.members import enrol_member
from tests.support.paths import SAMPLE_PROGRAMME

FIRST_TELEGRAM_ID = 70_000_000
BATCH = 5_000


async def add_members(
    session: AsyncSession,
    count: int,
    *,
    first_telegram_id: int = FIRST_TELEGRAM_ID,
    consent: bool = True,
    language: str = "en",
    tier: str = "bronze",
    now: datetime | None = None,
) -> list[int]:
    """Enrol `count` members with consecutive Telegram ids (as if each had pressed /start and agreed to the sample
    programme's terms); returns their ids."""
    joined = now or utcnow()
    terms = load_programme(SAMPLE_PROGRAMME).consent_version
    for start in range(0, count, BATCH):
        rows = [
            {
                "telegram_id": first_telegram_id + number,
                "first_name": f"Member {number}",
                "language": language,
                "referral_code": f"t{first_telegram_id + number:x}",
                "joined_at": joined,
                "consent_version": terms,
                "consent_at": joined,
                "marketing_consent": consent,
                "marketing_consent_at": joined,
                "tier": tier,
            }
            for number in range(start, min(count, start + BATCH))
        ]
        await session.execute(insert(Member), rows)
    last = first_telegram_id + count
    ids = await session.scalars(
        select(Member.id).where(Member.telegram_id >= first_telegram_id, Member.telegram_id < last).order_by(Member.id)
    )
    made = list(ids)
    await session.commit()  # ends the transaction: on SQLite it holds the write lock the bot needs
    return made


async def enrol_members(session: AsyncSession, programme: Programme, telegram_ids: range) -> None:
    """Enrol members one by one through the domain, as /start and the terms would: for benchmarks whose members must
    carry everything a real enrolment writes (welcome points, referral codes), unlike `add_members`."""
    for telegram_id in telegram_ids:
        await enrol_member(session, programme, telegram_id, first_name="Bench", now=utcnow())


async def seed(app: App, count: int, **options: Any) -> list[int]:
    """`add_members` into a running bot's database."""
    async with transaction(app.sessionmaker) as session:
        return await add_members(session, count, **options)


async def set_segment(session: AsyncSession, member_ids: Sequence[int], segment: str) -> None:
    """Put members into an RFM segment, as the nightly analytics would."""
    now = utcnow()
    session.add_all(MemberStats(member_id=member_id, segment=segment, computed_at=now) for member_id in member_ids)
    await session.commit()


def programme_file(directory: Path, *, marketing: str = "") -> Path:
    """The sample programme without quiet hours, frequency cap and automations (`marketing` lines add some back),
    so that a test's campaign goes out whatever the hour and nothing else is sent."""
    text = SAMPLE_PROGRAMME.read_text(encoding="utf-8").split("[[automations]]", 1)[0]
    text = re.sub(r"^(quiet_hours|frequency_cap) = .*\n", "", text, flags=re.MULTILINE)
    text = text.replace("[marketing]\n", f"[marketing]\n{marketing}")
    path = directory / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def programme_without_automations(directory: Path) -> Path:
    """The whole sample programme but its automations: a test that counts campaigns then sees only its own, whatever
    the hour (an automation whose time has passed today runs when the bot starts)."""
    sample = SAMPLE_PROGRAMME.read_text(encoding="utf-8")
    text = re.sub(r"^\[\[automations\]\]\n(?:[^\[\n].*\n|\n)*", "", sample, flags=re.MULTILINE)
    path = directory / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def busiest_second(times: list[float]) -> int:
    """The most events (messages received, by their time stamps) within any one second."""
    ordered = sorted(times)
    start, busiest = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def typical_second(times: list[float]) -> float:
    """The median number of events in the one-second windows that start at an event and end before the last one.

    A pace measure that a single stall of the machine (a pause in one window or two) does not move.
    """
    ordered = sorted(times)
    counts = [
        bisect_left(ordered, moment + 1.0) - at for at, moment in enumerate(ordered) if moment + 1.0 <= ordered[-1]
    ]
    return statistics.median(counts)
