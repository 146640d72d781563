"""The purchases export: every purchase recorded in a period (refunded ones say when)."""

from __future__ import annotations

from sqlalchemy import select

from models.core.exports import Export
from models.core.portable import iso_instant
from models.till.purchases import Purchase

PURCHASES = Export(
    header=("purchase_id", "member_id", "created_at", "amount", "category", "receipt", "staff_id", "refunded_at"),
    query=select(
        Purchase.id,
        Purchase.member_id,
        iso_instant(Purchase.created_at),
        Purchase.amount_cents,
        Purchase.category,
        Purchase.receipt,
        Purchase.staff_id,
        iso_instant(Purchase.refunded_at),
    ).order_by(Purchase.id),
    period_column=Purchase.created_at,
)
