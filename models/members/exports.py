"""The members export: who joined in a period (erased members are left out), one row each."""

from __future__ import annotations

from sqlalchemy import select

from models.core.exports import Export
from models.core.portable import iso_instant
from models.members.registry import Member

MEMBERS = Export(
    header=("member_id", "number", "name", "phone", "language", "joined_at", "tier", "balance", "marketing_consent"),
    query=select(
        Member.id,
        Member.first_name,
        Member.phone,
        Member.language,
        iso_instant(Member.joined_at),
        Member.tier,
        Member.balance,
        Member.marketing_consent,
    )
    .where(Member.forgotten_at.is_(None))
    .order_by(Member.id),
    period_column=Member.joined_at,
)
