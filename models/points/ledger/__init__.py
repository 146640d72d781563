"""The points ledger: append-only entries, a balance kept with them, lots that expire oldest first.

Every change of a member's points is one `LedgerEntry` carrying a unique business key, so a replayed request finds
its entry and changes nothing. Positive entries are lots with an expiry; a debit records which lots it consumed
(`LotAllocation`, oldest expiry first), so a lot's remainder is its amount less its allocations and no row is ever
updated. The member's `balance` column moves in the same transaction as the entry, guarded by `CHECK (balance >= 0)`.

A lot is spendable until its `expires_at`, not until the nightly run writes its expiry: what a member can spend and
is shown is `spendable` (the balance less what is left in lots past their date), and every posting first writes the
held members' due expiries (`Book.settle`, keys `expire:<lot>` as the nightly run uses), so the stored balance and
each new entry's `balance_after` are what can be spent at that moment.

The package's parts: `entries` (the rows and what is read from them), `book` (the postings of one transaction,
written together) and `postings` (one member's credit, debit, reversal, restoration and expiry).
"""

from models.points.ledger.book import MEMBER_ID, Book, Holder, hold_query
from models.points.ledger.entries import (
    ENTRIES,
    SPENDING_KINDS,
    LedgerEntry,
    Lot,
    LotAllocation,
    Notice,
    Posted,
    entries_sum,
    entry_message,
    find,
    has_points_left,
    points,
    spendable,
)
from models.points.ledger.postings import (
    Reversal,
    announce,
    credit,
    debit,
    expire_due_lots,
    live_lots,
    members_with_due_lots,
    restore,
    reverse,
)

__all__ = [
    "ENTRIES",
    "MEMBER_ID",
    "SPENDING_KINDS",
    "Book",
    "Holder",
    "LedgerEntry",
    "Lot",
    "LotAllocation",
    "Notice",
    "Posted",
    "Reversal",
    "announce",
    "credit",
    "debit",
    "entries_sum",
    "entry_message",
    "expire_due_lots",
    "find",
    "has_points_left",
    "hold_query",
    "live_lots",
    "members_with_due_lots",
    "points",
    "restore",
    "reverse",
    "spendable",
]
