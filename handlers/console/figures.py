"""The dashboard's figures for a period (kept for FIGURES_SECONDS, the whole programme's part for all periods), and
the CSV exports (streamed: a million rows never sit in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from handlers.console.auth import allowed
from handlers.console.context import UNIT, console, day_param, refuse, reply
from models.analytics.dashboard import MAX_DAYS, Population, bounds, dashboard, population
from models.campaigns.effect import period_effects
from models.core import clock
from models.core.base import utcnow
from models.core.exports import Export, batches
from models.members.exports import MEMBERS
from models.members.numbers import shown
from models.points.exports import LEDGER, PURCHASES
from models.team.staff import Role

DEFAULT_DAYS = 30


def _period(request: web.Request, default_days: int | None) -> tuple[date | None, date | None]:
    first, last = day_param(request, "from"), day_param(request, "to")
    if default_days is not None:
        last = last or clock.business_day(console(request).programmes.programme, utcnow())
        first = first or last - timedelta(days=default_days - 1)
    if first and last and first > last:
        refuse(web.HTTPBadRequest, "from must not be after to")
    return first, last


@allowed(Role.ADMIN)
async def show_dashboard(request: web.Request) -> web.Response:
    first, last = _period(request, DEFAULT_DAYS)
    assert first is not None
    assert last is not None
    if (last - first).days >= MAX_DAYS:
        refuse(web.HTTPBadRequest, f"a period of at most {MAX_DAYS} days, please")
    kept = console(request).figures
    if (answer := kept.get((first, last))) is None:
        answer = await _dashboard(request, first, last)
        kept.put((first, last), answer)
    return reply(answer)


async def _dashboard(request: web.Request, first: date, last: date) -> dict[str, Any]:
    programme, session, now = console(request).programmes.programme, request[UNIT].session, utcnow()
    kept = console(request).figures
    if (everyone := kept.get(Population)) is None:
        everyone = await population(session, programme, now)
        kept.put(Population, everyone)
    figures = await dashboard(session, programme, everyone, first, last, now)
    effects = await period_effects(session, programme, *bounds(programme, first, last), now)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "members_per_week": [
            {"week": w.week.isoformat(), "members": w.members, "new": w.new} for w in figures.members_per_week
        ],
        "active_share": figures.active_share,
        "points_outstanding": figures.points_outstanding,
        "points_value": None
        if programme.point_value is None
        else float(figures.points_outstanding * programme.point_value),
        "redemption_rate": figures.redemption_rate,
        "segments": [{"name": name, "size": size} for name, size in figures.segments],
        "sales_per_day": [
            {"day": d.day.isoformat(), "branch": d.branch, "amount": d.amount_cents / 100, "count": d.count}
            for d in figures.sales_per_day
        ],
        "campaigns": [
            {
                "id": c.id,
                "title": c.title,
                "sent": c.sent,
                "holdout": c.holdout,
                "effect": None
                if c.treated_rate is None or c.holdout_rate is None
                else {
                    "treated_rate": c.treated_rate,
                    "holdout_rate": c.holdout_rate,
                    "lift": c.treated_rate - c.holdout_rate,
                },
            }
            for c in effects
        ],
    }


Row = Sequence[Any]
# How each export's database row becomes its CSV row: numbers stay numbers (None is an empty field), money in
# currency units and instants as the database formatted them. None: the row as it comes (no Python per row).
FORMATS: dict[str, tuple[Export, Callable[[Row], Row] | None]] = {
    "members": (
        MEMBERS,
        lambda r: (r[0], shown(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], int(bool(r[7]))),
    ),
    "ledger": (LEDGER, None),
    "purchases": (PURCHASES, None),
}


@allowed(Role.OWNER)
async def export(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in FORMATS:
        refuse(web.HTTPNotFound, "exports are members.csv, ledger.csv and purchases.csv")
    table, shape = FORMATS[name]
    programme = console(request).programmes.programme
    first, last = _period(request, None)
    since = bounds(programme, first, first)[0] if first else None
    until = bounds(programme, last, last)[1] if last else None
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}.csv"',
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.header)
    async for rows in batches(request[UNIT].session, table, since, until):
        writer.writerows(rows if shape is None else map(shape, rows))
        await response.write(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()
    await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/console/api/dashboard")(show_dashboard)
    routes.get("/console/api/export/{name}.csv")(export)
