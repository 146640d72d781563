"""Member search for the console: by member number, phone number or the start of a name, a few rows at a time.

Each kind of query is one range read on an index (`members.id`, `members.phone`, `members.first_name`), so that a
search answers at once however many members there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from models.core.errors import MemberNumberMistyped
from models.members import lookup, numbers
from models.members.registry import Member, mask_phone

LIMIT = 20
_AFTER_EVERYTHING = "\U0010ffff"  # appended to a prefix: the end of the range of strings that start with it


@dataclass(frozen=True)
class Found:
    member_id: int
    name: str | None
    phone: str | None  # masked unless the search allowed full phones


def _starting_with(column: InstrumentedAttribute[str | None], prefix: str) -> ColumnElement[bool]:
    return (column >= prefix) & (column < prefix + _AFTER_EVERYTHING)


async def search(session: AsyncSession, query: str, *, full_phones: bool, limit: int = LIMIT) -> list[Found]:
    """Members the query names: a member number (`21-0`), a phone (or its start, as typed with the country code) or
    the start of a first name (as typed, or capitalised). Erased members are never found."""
    query = query.strip()
    if not query:
        return []
    order: InstrumentedAttribute[int] | InstrumentedAttribute[str | None]
    condition: ColumnElement[bool]
    if numbers.looks_like(query):
        try:
            condition, order = Member.id == numbers.read(query), Member.id
        except MemberNumberMistyped:
            return []
    elif (phone := lookup.phone_form(query)) is not None:
        condition, order = _starting_with(Member.phone, phone), Member.phone
    else:
        names = {query, query[:1].upper() + query[1:]}
        condition, order = or_(*(_starting_with(Member.first_name, name) for name in names)), Member.first_name
    rows = await session.execute(
        select(Member.id, Member.first_name, Member.phone)
        .where(condition, Member.forgotten_at.is_(None))
        .order_by(order, Member.id)
        .limit(limit)
    )
    return [Found(id_, name, phone if full_phones else mask_phone(phone)) for id_, name, phone in rows]
