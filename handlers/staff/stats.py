"""/stats: the programme's figures over the last 30 days, for admins and owners; per branch too, where it has them."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import HasRole
from handlers.formatting import money
from handlers.i18n import Texts, Translator
from models.analytics.stats import WINDOW_DAYS, BranchFigures, branch_figures, programme_figures
from models.core.base import utcnow
from models.core.programme import Programme
from models.team.staff import Role


async def show_stats(message: Message, t: Translator, session: AsyncSession, programme: Programme) -> None:
    figures = await programme_figures(session, utcnow())
    lines = [
        t("stats-title", programme=programme.name, days=WINDOW_DAYS),
        t(
            "stats-members",
            members=figures.members,
            joined=figures.joined_recently,
            consent=figures.marketing_consent,
            buyers=figures.active_buyers,
        ),
        t(
            "stats-sales",
            sales=figures.sales,
            revenue=money(figures.revenue_cents),
            check=money(figures.average_check_cents),
            currency=programme.currency,
        ),
        t(
            "stats-points",
            issued=figures.points_issued,
            redeemed=figures.points_redeemed,
            expired=figures.points_expired,
            outstanding=figures.points_outstanding,
        ),
    ]
    if programme.branches:
        lines += await _by_branch(t, session, programme)
    if figures.segments:
        lines.append(t("stats-segments"))
        lines += [t("stats-segment-line", segment=name, count=count) for name, count in figures.segments]
    await message.answer("\n".join(lines))


async def _by_branch(t: Translator, session: AsyncSession, programme: Programme) -> list[str]:
    """Each branch's line (every branch the programme names, and staff of no branch if they sold)."""
    found = {figures.branch: figures for figures in await branch_figures(session, utcnow())}
    shown: list[str | None] = [branch.id for branch in programme.branches]
    shown += [branch for branch in found if branch not in shown]
    lines = [t("stats-branches")]
    for branch in shown:
        figures = found.get(branch, BranchFigures(branch, 0, 0, 0, 0))
        known = programme.branch(branch)
        name = known.name if known is not None else branch or t("stats-no-branch")
        lines.append(
            t(
                "stats-branch-line",
                branch=name,
                sales=figures.sales,
                revenue=money(figures.revenue_cents),
                currency=programme.currency,
                issued=figures.points_issued,
                redeemed=figures.points_redeemed,
            )
        )
    return lines


def router(texts: Texts) -> Router:
    router = Router(name="stats")
    router.message.filter(HasRole(Role.ADMIN))
    router.message.register(show_stats, Command("stats"))
    return router
