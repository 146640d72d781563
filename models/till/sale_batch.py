"""One batch of sales on its way to the database (`models.till.sales.record_sales`): each request as read, what the
batch will write, each sale as decided, and the writing, one statement per table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import outbox, updates
from models.core.base import table_of
from models.core.programme import Promotion
from models.core.sqlite_trips import write_later, write_with_next
from models.members.registry import Member
from models.points import ledger
from models.points.purchases import Purchase
from models.team import audit
from models.till.limits import Tally
from models.till.stamps import Progress

if TYPE_CHECKING:
    from models.till.sales import SaleRequest

# What the batch writes last: none of it is read back in its transaction, so on SQLite it all goes with the COMMIT.
_ADD_PURCHASES = write_with_next(insert(table_of(Purchase)))
_MEMBERS = table_of(Member)
_SET_TIERS = write_with_next(
    update(_MEMBERS).where(_MEMBERS.c.id == bindparam("member")).values(tier=bindparam("tier"))
)


@dataclass(frozen=True)
class ReadSale:
    """A request once its words are read and its member found."""

    index: int
    request: SaleRequest
    amount_cents: int
    category: str | None
    receipt: str | None
    key: str
    member_id: int
    quantity: int


@dataclass
class Batch:
    """What a batch of sales writes, gathered while each sale is decided in order."""

    purchases: list[dict[str, object]]
    audits: list[dict[str, object]]
    owners: list[tuple[int, str]]  # the request behind each posting in the book and what it is, in posting order
    tiers: dict[int, str]
    messages: list[outbox.Message]
    written: list[ledger.Posted]  # postings written before the end of the batch (see `sales._lots_for`)


@dataclass(frozen=True)
class Decided:
    """A sale accepted in a batch, with what it did."""

    sale: ReadSale
    points: int
    paid: int
    promoted: bool
    balance: int
    stamps: tuple[Progress, ...]
    promotion: Promotion | None


async def write_batch(
    session: AsyncSession,
    batch: Batch,
    holders: dict[int, ledger.Holder],
    tally: Tally,
    handled: list[dict[str, object]],
    now: datetime,
) -> None:
    """Purchases, tier changes, today's counters, the audit lines, the messages to send and the updates handled,
    one statement each."""
    await write_later(session, _ADD_PURCHASES, batch.purchases)
    changed = [{"member": m, "tier": tier} for m, tier in batch.tiers.items() if tier != holders[m].tier]
    await write_later(session, _SET_TIERS, changed)
    await tally.write(session)
    await write_later(session, audit.ADD, batch.audits)
    await outbox.post(session, batch.messages, now)
    await write_later(session, updates.RECORD, handled)
