"""A member's personal data: exported on request (`/mydata`) and erased on request (`/forget`).

`PERSONAL_DATA` is the one list of what is kept about a member, one entry per table group: how to export it and
whether erasing removes it. A feature that adds a table holding a member's data adds one line here, usually
`Rows(MyTable)` (exported, kept anonymous) or `Rows(MyTable, erase=True)` (exported, deleted by `/forget`);
`on_forget` says what erasure does to rows that are kept, such as closing a coupon. Erasure keeps one more thing, not
linked to the member: a keyed hash of their Telegram id (`models.members.erasures`), only to refuse a second welcome
bonus; the export says whether one is kept for the member's Telegram id (`erased_before`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberFavourite, MemberStats
from models.campaigns.records import CampaignRecipient
from models.core import clock, outbox
from models.core.base import Base
from models.core.programme import Programme
from models.core.uow import writing
from models.members import erasures, numbers
from models.members.preferences import BirthdayChange, MemberInterest
from models.members.registry import MARKETING, TERMS, ConsentEvent, Member, consent_event, lock_member
from models.offers.collections import Badge
from models.offers.coupons import Coupon
from models.points import ledger
from models.points.flags import EntryFlag
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase
from models.points.tiers import TierWatch
from models.team.audit import AuditEvent
from models.till.stamps import StampCardState, StampEntry, entries_of

JSONValue = Any
Eraser = Callable[[AsyncSession, int, datetime], Awaitable[None]]
# The ledger kind and key of the entry that writes off an erased member's points.
FORFEIT_KIND = "forfeit"
FORFEIT_KEY = "forget:{member_id}"


def plain(value: object) -> JSONValue:
    """A column value as JSON has it: times and dates in ISO 8601, decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_dict(row: Base, hide: tuple[str, ...] = ()) -> dict[str, JSONValue]:
    return {
        column.key: plain(getattr(row, column.key)) for column in row.__mapper__.column_attrs if column.key not in hide
    }


@dataclass(frozen=True)
class Rows:
    """The rows of one table that belong to a member (by `member_id`, or the column named in `owner`)."""

    model: type[Base]
    erase: bool = False
    owner: str = "member_id"
    hide: tuple[str, ...] = ()  # columns that are someone else's data, such as which staff member acted
    on_forget: Eraser | None = None  # what erasure does to rows it keeps
    found_by: Callable[[int], ColumnElement[bool]] | None = None  # the member's rows, where no index leads by owner

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def _mine(self, member_id: int) -> ColumnElement[bool]:
        if self.found_by is not None:
            return self.found_by(member_id)
        column: ColumnElement[int] = getattr(self.model, self.owner)
        return column == member_id

    async def export(self, session: AsyncSession, member_id: int) -> list[dict[str, JSONValue]]:
        primary_key = inspect(self.model).primary_key
        rows = await session.scalars(select(self.model).where(self._mine(member_id)).order_by(*primary_key))
        return [row_dict(row, self.hide) for row in rows]

    async def forget(self, session: AsyncSession, member_id: int, now: datetime) -> None:
        if self.erase:
            await session.execute(delete(self.model).where(self._mine(member_id)))
        elif self.on_forget is not None:
            await self.on_forget(session, member_id, now)


async def _close_open_coupons(session: AsyncSession, member_id: int, now: datetime) -> None:
    """An erased member's coupons can no longer be used, nor give reserved points back to nobody."""
    await session.execute(
        update(Coupon)
        .where(Coupon.member_id == member_id, Coupon.redeemed_at.is_(None), Coupon.released_at.is_(None))
        .values(released_at=now)
    )


STAFF = (
    "actor_id",
    "staff_id",
    "role",
    "redeemed_by",
)  # who on the staff acted is the staff member's data, not the member's

# Export name -> rows. Kept tables hold no personal text: only the member number, amounts, times and codes.
PERSONAL_DATA: dict[str, Rows] = {
    "profile": Rows(Member, owner="id"),  # erased column by column by `forget`, the row stays for the ledger
    "consents": Rows(ConsentEvent),  # kept: the proof of what was agreed when
    "ledger": Rows(LedgerEntry, hide=STAFF),  # kept, anonymous: the business's accounts must still add up
    "purchases": Rows(Purchase, hide=STAFF),  # kept, anonymous, for the same reason
    "not_me_reports": Rows(EntryFlag),  # kept: evidence for the owners' look into possible fraud
    "staff_actions": Rows(AuditEvent, hide=STAFF),  # kept: the audit trail is append-only
    "campaign_messages": Rows(CampaignRecipient),  # kept: a campaign's effect is measured over its whole audience
    "coupons": Rows(Coupon, hide=STAFF, on_forget=_close_open_coupons),  # kept: what the offers cost
    "badges": Rows(Badge, erase=True),
    "stamp_cards": Rows(StampCardState, erase=True),
    "stamps": Rows(StampEntry, found_by=entries_of),  # kept, anonymous: what each sale gave, for its refund
    "analytics": Rows(MemberStats, erase=True),
    "favourite_categories": Rows(MemberFavourite, erase=True),
    "interests": Rows(MemberInterest, erase=True),
    "birthday_changes": Rows(BirthdayChange, erase=True),
    "tier_watch": Rows(TierWatch, erase=True),
}


async def export(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> dict[str, JSONValue]:
    """Everything kept about the member, as one JSON-ready document."""
    document: dict[str, JSONValue] = {
        "programme": programme.name,
        "member_number": numbers.shown(member_id),  # as on the card
        "exported_at": now.isoformat(),
    }
    for name, rows in PERSONAL_DATA.items():
        found = await rows.export(session, member_id)
        document[name] = found[0] if rows.owner == "id" and found else found
    telegram_id = document["profile"].get("telegram_id") if document["profile"] else None
    # A keyed hash of this Telegram id, kept if it belonged to a member who erased their data before.
    document["erased_before"] = telegram_id is not None and await erasures.erased_before(session, telegram_id)
    return document


@dataclass(frozen=True)
class Forgotten:
    member_id: int
    forfeited_points: int


async def forget(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Forgotten:
    """Erase the member's personal data and write off their points; the anonymous ledger stays.

    The Telegram id is cleared too, so the same person can join again later as a new member; only its keyed hash is
    kept, to refuse them a second welcome bonus.
    """
    await writing(session)
    member = await lock_member(session, member_id)
    # Expiries due are written first: what is left is forfeited.
    await ledger.Book(session, now, clock.zone(programme)).hold(member)
    points = member.balance
    if points:
        await ledger.debit(
            session,
            member_id=member_id,
            points=points,
            kind=FORFEIT_KIND,
            reason="personal data erased",
            key=FORFEIT_KEY.format(member_id=member_id),
            now=now,
            zone=clock.zone(programme),
            held=member,
        )
    for rows in PERSONAL_DATA.values():
        await rows.forget(session, member_id, now)
    # The erasure request withdraws every consent; the events keep no personal data, only that it happened.
    if member.telegram_id is not None:
        await erasures.remember(session, member.telegram_id)  # only to refuse a second welcome bonus
    for purpose in (TERMS, MARKETING) if member.marketing_consent else (TERMS,):
        session.add(consent_event(programme, member_id, purpose, granted=False, at=now))
    if member.telegram_id is not None:
        await outbox.withdraw(session, member.telegram_id)
    member.telegram_id = None
    member.first_name = None
    member.username = None
    member.phone = None
    member.birthday = None
    member.marketing_consent = False
    member.marketing_consent_at = now
    member.reachable = False
    member.forgotten_at = now
    return Forgotten(member_id, points)
