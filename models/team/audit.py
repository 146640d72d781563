"""The audit trail: who did what to whom and when, for every staff action. Append-only, like the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of

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
    }


ADD = insert(table_of(AuditEvent))  # the table's, not the ORM's: no per-row bookkeeping for a batch


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
