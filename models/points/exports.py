"""The ledger and purchases exports: every entry (or purchase, refunded ones saying when) made in a period, in the
order they were written."""

from __future__ import annotations

from sqlalchemy import select

from models.core.exports import Export
from models.core.portable import iso_instant, money_text
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase

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

PURCHASES = Export(
    header=("purchase_id", "member_id", "created_at", "amount", "category", "receipt", "staff_id", "refunded_at"),
    query=select(
        Purchase.id,
        Purchase.member_id,
        iso_instant(Purchase.created_at),
        money_text(Purchase.amount_cents),
        Purchase.category,
        Purchase.receipt,
        Purchase.staff_id,
        iso_instant(Purchase.refunded_at),
    ).order_by(Purchase.id),
    period_column=Purchase.created_at,
)
