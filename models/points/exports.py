"""The ledger export: every entry made in a period, in the order it was written."""

from __future__ import annotations

from sqlalchemy import select

from models.core.exports import Export
from models.core.portable import iso_instant
from models.points.ledger import LedgerEntry

LEDGER = Export(
    header=(
        "entry_id",
        "member_id",
        "created_at",
        "kind",
        "amount",
        "balance_after",
        "reason",
        "actor_id",
        "expires_at",
    ),
    query=select(
        LedgerEntry.id,
        LedgerEntry.member_id,
        iso_instant(LedgerEntry.created_at),
        LedgerEntry.kind,
        LedgerEntry.amount,
        LedgerEntry.balance_after,
        LedgerEntry.reason,
        LedgerEntry.actor_id,
        iso_instant(LedgerEntry.expires_at),
    ).order_by(LedgerEntry.id),
    period_column=LedgerEntry.created_at,
)
