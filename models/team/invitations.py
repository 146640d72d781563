"""Staff invitations: an owner makes a one-time link for a role; whoever opens it and confirms becomes staff.

The link carries a random token; only its SHA-256 digest is stored, so that reading the table gives nobody a link
that works. A token is used once, within INVITATION_TTL of being made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, CheckConstraint, String, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.errors import InvitationExpired, InvitationUnknown, InvitationUsed
from models.core.programme import Programme
from models.core.uow import writing
from models.team import audit, staff
from models.team.branches import parse_branch
from models.team.staff import Actor, Role, StaffView

INVITATION_TTL = timedelta(hours=24)
PAYLOAD_PREFIX = "staff_"  # /start staff_<token>
TOKEN_BYTES = 24  # 32 characters of base64url: the payload stays within Telegram's 64


class StaffInvitation(Base):
    __tablename__ = "staff_invitations"
    __table_args__ = (CheckConstraint("role IN ('cashier', 'admin')", name="role_appointable"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Invitation:
    token: str
    role: Role
    branch: str | None
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(payload: str) -> str | None:
    """The token of a /start payload that is a staff invitation, or None for any other payload."""
    return payload.removeprefix(PAYLOAD_PREFIX) if payload.startswith(PAYLOAD_PREFIX) else None


async def invite(
    session: AsyncSession, programme: Programme, owner: Actor, *, role: str, branch: str | None, now: datetime
) -> Invitation:
    """A new one-time invitation for `role` at `branch` (a programme branch id, needed for a cashier when the
    programme has branches, as `/staff add` needs it); audited."""
    await writing(session)
    appointed = staff.parse_role(role)
    branch = parse_branch(programme, branch, required=appointed is Role.CASHIER)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + INVITATION_TTL
    session.add(
        StaffInvitation(
            digest=_digest(token),
            role=appointed.value,
            branch=branch,
            created_by=owner.telegram_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    detail = f"role={appointed.value}" if branch is None else f"role={appointed.value} branch={branch}"
    await audit.record(session, owner, "staff.invite", now=now, detail=detail)
    return Invitation(token, appointed, branch, expires_at)


async def open_invitation(session: AsyncSession, token: str, now: datetime) -> Invitation:
    """The invitation a token names, if it can still be used; raises why not otherwise."""
    row = await session.get(StaffInvitation, _digest(token))
    if row is None:
        raise InvitationUnknown()
    if row.used_at is not None:
        raise InvitationUsed()
    if row.expires_at <= now:
        raise InvitationExpired()
    return Invitation(token, Role(row.role), row.branch, row.expires_at)


async def accept(
    session: AsyncSession, programme: Programme, *, token: str, user_id: int, owners: frozenset[int], now: datetime
) -> StaffView:
    """The user confirmed: they become staff with the invitation's role, and the token is spent. Audited as the
    inviting owner's appointment and as the user's joining."""
    await writing(session)
    invitation = await open_invitation(session, token, now)
    row = await session.get_one(StaffInvitation, _digest(token))
    spent = await session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.digest == row.digest, StaffInvitation.used_at.is_(None))
        .values(used_by=user_id, used_at=now)
    )
    if not getattr(spent, "rowcount", 0):  # taken by a second tap in the same instant
        raise InvitationUsed()
    person = await staff.appoint(
        session,
        programme,
        owner=Actor(row.created_by, Role.OWNER),
        owners=owners,
        user_id=user_id,
        role=invitation.role.value,
        max_sale=None,
        points_per_day=None,
        now=now,
        branch=row.branch,
    )
    joined = Actor(user_id, invitation.role)
    await audit.record(session, joined, "staff.join", now=now, subject=str(row.created_by))
    return person
