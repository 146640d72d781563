"""Member card tokens: signed and short-lived, so a screenshot of a card stops working after a few minutes.

A token is `c` + base64url(member id, issue time, truncated HMAC-SHA256): short enough for a `/start` payload
(64 characters of [A-Za-z0-9_-]) and for a QR code a phone camera reads at a glance. The signing key is random, made
at the first start and kept in the database: nobody who merely holds the bot's token can forge a card, and a new
token leaves every card valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of
from models.core.errors import ExpiredCardToken, InvalidCardToken
from models.core.portable import dialect_insert, dialect_of

PREFIX = "c"
TTL = timedelta(minutes=5)
_LAYOUT = struct.Struct(">QI")  # member id, issue time (unix seconds)
_MAC_BYTES = 10
KEY_BYTES = 32
# What each key kept in `card_keys` is for: one row per purpose, so that no key serves two ends.
CARD_SIGNING = 1
ERASED_IDS = 2  # hashing the Telegram ids of erased members (`models.members.erasures`)


class CardKey(Base):
    """The random keys kept in the database, one row per purpose, each written once (the table is named after its
    first purpose, signing cards)."""

    __tablename__ = "card_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[bytes] = mapped_column(LargeBinary(KEY_BYTES))


async def stored_key(session: AsyncSession, purpose: int) -> bytes:
    """The key for `purpose`, made on first use. Processes starting together each offer a key; the first stored wins
    and every one of them reads that one back."""
    offered = dialect_insert(dialect_of(session), table_of(CardKey)).values(
        id=purpose, key=secrets.token_bytes(KEY_BYTES)
    )
    await session.execute(offered.on_conflict_do_nothing(index_elements=[CardKey.id]))
    return (await session.execute(select(CardKey.key).where(CardKey.id == purpose))).scalar_one()


async def existing_key(session: AsyncSession, purpose: int) -> bytes | None:
    """The key for `purpose` if one was made, without making it (for a unit of work that only reads)."""
    return (await session.execute(select(CardKey.key).where(CardKey.id == purpose))).scalar_one_or_none()


async def signing_key(session: AsyncSession) -> bytes:
    """The card signing key, made on first use."""
    return await stored_key(session, CARD_SIGNING)


class CardSigner:
    """Issues and checks card tokens with a key that never leaves the process and the database."""

    def __init__(self, key: bytes, ttl: timedelta = TTL) -> None:
        self._key = key
        self.ttl = ttl

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, member_id: int, now: datetime) -> str:
        body = _LAYOUT.pack(member_id, int(now.timestamp()))
        return PREFIX + _encode(body + self._mac(body))

    def verify(self, token: str, now: datetime) -> int:
        """The member id the token was issued for; raises when it is forged, malformed or too old."""
        if not token.startswith(PREFIX):
            raise InvalidCardToken()
        encoded = token[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (ValueError, TypeError):
            raise InvalidCardToken() from None
        if len(raw) != _LAYOUT.size + _MAC_BYTES or _encode(raw) != encoded:
            raise InvalidCardToken()  # a wrong length, or another spelling (padding, the last character's spare bits)
        body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidCardToken()
        member_id, issued = _LAYOUT.unpack(body)
        age = now.timestamp() - issued
        if age > self.ttl.total_seconds() or age < -60:
            raise ExpiredCardToken()
        return int(member_id)

    @staticmethod
    def looks_like_token(payload: str) -> bool:
        return payload.startswith(PREFIX) and len(payload) > 20


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
