"""The audit trail: who did what to whom and when, for every staff action. Append-only, like the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of
from models.core.sqlite_trips import write_with_next
from models.members.registry import Member

if TYPE_CHECKING:
    from models.team.staff import Actor


class AuditEvent(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(120))  # a business key, a receipt, a staff user id
    detail: Mapped[str | None] = mapped_column(String(200))  # never a phone number or a name
    branch: Mapped[str | None] = mapped_column(String(32))  # where the actor works (see `models.team.branches`)


def line(
    actor: Actor,
    action: str,
    *,
    now: datetime,
    member_id: int | None = None,
    subject: str | None = None,
    detail: str | None = None,
) -> dict[str, object]:
    """One line of the trail, for a writer that adds many in one statement (a batch of sales)."""
    return {
        "at": now,
        "actor_id": actor.telegram_id,
        "role": actor.role.value,
        "action": action,
        "member_id": member_id,
        "subject": subject,
        "detail": None if detail is None else detail[:200],
        "branch": actor.branch,
    }


# The table's, not the ORM's: no per-row bookkeeping for a batch. Nobody reads its rows back in the transaction.
ADD = write_with_next(insert(table_of(AuditEvent)))


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    member_id: int | None = None,
    subject: str | None = None,
    detail: str | None = None,
) -> None:
    """Add one line to the trail inside the caller's transaction, so it commits or rolls back with the action."""
    await session.execute(ADD, line(actor, action, now=now, member_id=member_id, subject=subject, detail=detail))


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    actor_id: int
    actor_name: str | None
    role: str
    action: str
    member_id: int | None
    subject: str | None
    detail: str | None


async def trail(
    session: AsyncSession,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[TrailLine]:
    """The newest lines of the trail matching the filters (an action matches by its start: "staff" finds
    "staff.add"), with the actor's member name when they are a member."""
    query = (
        select(AuditEvent, Member.first_name)
        .outerjoin(Member, Member.telegram_id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action >= action, AuditEvent.action < action + "\U0010ffff")
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    rows = await session.execute(query)
    return [TrailLine(e.at, e.actor_id, name, e.role, e.action, e.member_id, e.subject, e.detail) for e, name in rows]
