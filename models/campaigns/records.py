"""What a campaign is stored as: its row, one row per recipient once its audience is frozen, the states both go
through, and the campaign as the rest of the code reads it (`CampaignView`). The rules that make and change them are
`models.campaigns.planning` (drafting, cancelling, progress), `audience` (freezing) and `queue` (delivery).

A campaign is `scheduled` until its time, `running` while its audience is frozen and delivered, then `done` or
`cancelled`. The campaign row never holds per-member data, so a campaign of a million members is a million small
rows and one campaign row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base

MAX_HOLDOUT_PERCENT = 50
# Recipient row ids: 64-bit on PostgreSQL, SQLite's rowid (also 64-bit) there.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class CampaignKind(StrEnum):
    MANUAL = "manual"
    BIRTHDAY = "birthday"
    EXPIRING_POINTS = "expiring_points"
    WIN_BACK = "win_back"


class RecipientStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn (or for quiet hours / the frequency cap)
    HELD_OUT = "held_out"  # control group: never sent
    SENDING = "sending"  # claimed: its message is being handed to Telegram
    SENT = "sent"
    BLOCKED = "blocked"  # Telegram said 403: the member blocked the bot
    FAILED = "failed"
    UNKNOWN = "unknown"  # maybe delivered (a timeout, a 5xx, the process stopped mid-send): never sent again
    SKIPPED = "skipped"  # withdrew consent, blocked the bot or left before their turn
    CANCELLED = "cancelled"  # the campaign was cancelled before their turn


OPEN_STATUSES = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING)


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(_in("status", CampaignStatus), name="status_known"),
        CheckConstraint(_in("kind", CampaignKind), name="kind_known"),
        CheckConstraint(f"holdout_percent BETWEEN 0 AND {MAX_HOLDOUT_PERCENT}", name="holdout_range"),
        Index("ix_campaigns_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # HTML, as Telegram shows it
    localized: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> HTML, when there are several
    photo: Mapped[str | None] = mapped_column(String(256))  # a Telegram file_id
    offer: Mapped[str | None] = mapped_column(String(32))  # an offer id, or PERSONAL
    holdout_percent: Mapped[int] = mapped_column(default=0)
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.SCHEDULED)
    audience_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # What makes a campaign one of a kind: an automation's day ("birthday:2026-11-23"), a confirmed draft.
    key: Mapped[str | None] = mapped_column(String(64), unique=True)


class CampaignRecipient(Base):
    """One member of a campaign's frozen audience and what happened to their message."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", name="uq_campaign_recipients_member"),
        CheckConstraint(_in("status", RecipientStatus), name="status_known"),
        # The delivery queue: a campaign's pending rows in id order.
        Index("ix_campaign_recipients_queue", "campaign_id", "status", "id"),
        # The frequency cap: a member's recent messages.
        Index("ix_campaign_recipients_member_claimed", "member_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default=RecipientStatus.PENDING)
    not_before: Mapped[datetime | None]  # held back by the frequency cap or a retry until then
    claimed_at: Mapped[datetime | None]  # when the message was handed to Telegram
    # Which process claimed the row for sending, and until when: a live process renews its lease, so only rows of a
    # process that died are ever taken for lost (`unknown`).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))
    offer_id: Mapped[str | None] = mapped_column(String(32))
    coupon_code: Mapped[str | None] = mapped_column(String(32))


@dataclass(frozen=True)
class CampaignView:
    id: int
    kind: str
    segment: str
    text: str
    localized: dict[str, str]
    photo: str | None
    offer: str | None
    holdout_percent: int
    send_at: datetime
    status: str
    audience_frozen: bool
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Campaign) -> CampaignView:
        return cls(
            row.id,
            row.kind,
            row.segment,
            row.text,
            dict(row.localized or {}),
            row.photo,
            row.offer,
            row.holdout_percent,
            row.send_at,
            row.status,
            row.audience_frozen,
            row.created_by,
            row.created_at,
            row.started_at,
            row.finished_at,
        )

    def text_for(self, language: str) -> str:
        return self.localized.get(language, self.text)
