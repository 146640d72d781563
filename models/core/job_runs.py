"""Which business day each daily job last ran for: the one record that makes a nightly job run once per day however
many processes there are, and that lets a new leader run, once, a job whose time passed while there was none.

A run is claimed (its row inserted and committed) before the job starts, so a day's run happens at most once; a
leader killed in the middle of a job leaves that day's run unfinished, and the next day's run picks up what it
left (every daily job works on "everything due by now", not on "today's share").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.uow import writing


class JobRun(Base):
    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[datetime]


async def claim(session: AsyncSession, job: str, day: date, now: datetime) -> bool:
    """Record that `job` runs for business day `day`; False if it already did (here or in another process)."""
    await writing(session)
    try:
        async with session.begin_nested():
            session.add(JobRun(job=job, day=day, started_at=now))
    except IntegrityError:
        return False
    return True


async def last_day(session: AsyncSession, job: str) -> date | None:
    """The latest business day `job` ran for, or None if it never ran."""
    return await session.scalar(select(func.max(JobRun.day)).where(JobRun.job == job))
