"""What is kept of members who erased their data: a keyed one-way hash of their Telegram id, and nothing else.

It serves one purpose: the same person joining again after `/forget` is a new member, but gets no second welcome
bonus. The hash is HMAC-SHA256 with a random key kept in the database (`cards.ERASED_IDS`), so the id cannot be
recovered from it, nor checked against a list of ids by anyone without that key.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import LargeBinary, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of
from models.core.portable import dialect_insert, dialect_of
from models.members.cards import ERASED_IDS, existing_key, stored_key

DIGEST_BYTES = 32


class ErasedTelegramId(Base):
    """The keyed hash of the Telegram id of a member who erased their data."""

    __tablename__ = "erased_telegram_ids"

    digest: Mapped[bytes] = mapped_column(LargeBinary(DIGEST_BYTES), primary_key=True)


def _digest(key: bytes, telegram_id: int) -> bytes:
    return hmac.new(key, str(telegram_id).encode(), hashlib.sha256).digest()


async def remember(session: AsyncSession, telegram_id: int) -> None:
    """Keep the hash of an erased member's Telegram id (once, however often the same person leaves)."""
    digest = _digest(await stored_key(session, ERASED_IDS), telegram_id)
    kept = dialect_insert(dialect_of(session), table_of(ErasedTelegramId)).values(digest=digest)
    await session.execute(kept.on_conflict_do_nothing(index_elements=[ErasedTelegramId.digest]))


async def erased_before(session: AsyncSession, telegram_id: int) -> bool:
    """Whether a member with this Telegram id erased their data before. Reads only."""
    key = await existing_key(session, ERASED_IDS)
    if key is None:  # nobody has erased their data yet
        return False
    found = await session.scalar(
        select(ErasedTelegramId.digest).where(ErasedTelegramId.digest == _digest(key, telegram_id))
    )
    return found is not None
