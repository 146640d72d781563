"""The audit trail with its filters, and members: search by number, phone or name, and the value card `/member`
shows."""

from __future__ import annotations

from aiohttp import web

from handlers.console.auth import allowed
from handlers.console.context import UNIT, caller, console, day_param, path_number, refuse, reply, translator
from handlers.member_panel import render_card
from models.analytics.dashboard import bounds
from models.core.base import utcnow
from models.members import numbers, search
from models.members.numbers import shown
from models.team import audit
from models.team.staff import Role
from models.till.value_card import value_card

AUDIT_LIMIT, AUDIT_MAX = 100, 1000


def _int_param(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if not raw:
        return default
    if not raw.isdecimal():
        refuse(web.HTTPBadRequest, f"{name} must be a whole number")
    return int(raw)


def _details(line: audit.TrailLine) -> str:
    parts = [f"member {shown(line.member_id)}"] if line.member_id is not None else []
    return "; ".join([*parts, *(part for part in (line.subject, line.detail) if part)])


@allowed(Role.ADMIN)
async def audit_trail(request: web.Request) -> web.Response:
    programme = console(request).programmes.programme
    first, last = day_param(request, "from"), day_param(request, "to")
    lines = await audit.trail(
        request[UNIT].session,
        actor_id=_int_param(request, "actor"),
        action=request.query.get("action") or None,
        since=bounds(programme, first, first)[0] if first else None,
        until=bounds(programme, last, last)[1] if last else None,
        limit=min(AUDIT_MAX, _int_param(request, "limit", AUDIT_LIMIT) or AUDIT_LIMIT),
    )
    return reply(
        [
            {
                "at": line.at.isoformat(),
                "actor": line.actor_id,
                "actor_name": line.actor_name,
                "action": line.action,
                "details": _details(line),
            }
            for line in lines
        ]
    )


@allowed(Role.CASHIER)
async def find_members(request: web.Request) -> web.Response:
    found = await search.search(
        request[UNIT].session, request.query.get("q", ""), full_phones=caller(request).role is Role.OWNER
    )
    return reply(
        [
            {"member_id": m.member_id, "number": numbers.shown(m.member_id), "name": m.name, "phone": m.phone}
            for m in found
        ]
    )


@allowed(Role.CASHIER)
async def member_card(request: web.Request) -> web.Response:
    member_id = path_number(request, "member_id", "member")
    services, t = console(request), translator(request)
    programme = services.programmes.programme
    card = await value_card(
        request[UNIT].session, programme, services.cards, caller(request).actor, member=shown(member_id), now=utcnow()
    )
    return reply(
        {
            "member_id": card.number,
            "number": shown(card.number),
            "name": card.name,
            "phone": card.phone,
            "balance": card.balance,
            "tier": {"name": card.tier.name, "title": card.tier.title.in_(t.language)},
            "joined_at": card.joined_at.isoformat(),
            "lifetime_spend": card.lifetime_spend_cents / 100,
            "purchases": card.purchases,
            "last_purchases": [
                {
                    "at": line.at.isoformat(),
                    "amount": line.amount_cents / 100,
                    "category": line.category,
                    "receipt": line.receipt,
                    "refunded": line.refunded,
                }
                for line in card.last_purchases
            ],
            "text": render_card(t, programme, card),
        }
    )


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/console/api/audit")(audit_trail)
    routes.get("/console/api/members")(find_members)
    routes.get("/console/api/members/{member_id}")(member_card)
