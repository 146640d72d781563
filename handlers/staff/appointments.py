"""/staff add|remove <user_id> <role> [max_sale] [points_per_day] [branch]: owners appoint admins and cashiers (at a
branch, when the programme has branches); each gets the "/" menu of their role."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.commands import publish_staff_commands, withdraw_staff_commands
from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from handlers.staff.till import actor_of
from models.core.amounts import parse_id
from models.core.base import utcnow
from models.core.programme import Programme
from models.core.uow import UnitOfWork
from models.team import staff
from models.team.branches import parse_branch
from models.team.staff import Role, StaffView

log = logging.getLogger(__name__)
ACTIONS = ("add", "remove")


async def publish_menu(bot: Bot, texts: Texts, person: StaffView, console_url: str | None) -> None:
    """A staff member's own "/" menu and console button; someone who never opened the bot has no chat yet, and gets
    them next start."""
    try:
        await publish_staff_commands(bot, texts, person.telegram_id, person.role, person.language, console_url)
    except TelegramAPIError as exc:
        log.info("no staff menu for %s yet: %s", person.telegram_id, type(exc).__name__)


async def withdraw_menu(bot: Bot, user_id: int) -> None:
    """Back to a customer's menu for someone no longer staff."""
    try:
        await withdraw_staff_commands(bot, user_id)
    except TelegramAPIError as exc:
        log.info("no staff menu to withdraw for %s: %s", user_id, type(exc).__name__)


async def publish_all_staff_menus(
    bot: Bot,
    texts: Texts,
    sessionmaker: async_sessionmaker[AsyncSession],
    programme: Programme,
    owners: frozenset[int],
    console_url: str | None,
) -> None:
    """At start-up: every owner's and appointed staff member's menu, as their role allows."""
    async with UnitOfWork(sessionmaker) as unit:
        people = await staff.everyone(unit.session, programme, owners)
    for person in people:
        await publish_menu(bot, texts, person, console_url)


async def staff_command(
    message: Message,
    command: CommandObject,
    role: Role,
    bot: Bot,
    texts: Texts,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    owners: frozenset[int],
    console_url: str | None,
) -> None:
    words = (command.args or "").split()
    user_id = parse_id(words[1]) if len(words) > 1 else None
    branch = words.pop() if len(words) > 3 and not words[-1][0].isdigit() else None  # trailing, and never a number
    if len(words) < 3 or words[0].lower() not in ACTIONS or user_id is None or len(words) > 5:
        await message.answer(t("staff-usage"))
        return
    action, role_name = words[0].lower(), words[2]
    owner = actor_of(message, role)
    if action == "remove":
        if len(words) != 3:
            await message.answer(t("staff-usage"))
            return
        at = parse_branch(programme, branch, required=False)
        gone = await staff.dismiss(
            session, owner=owner, owners=owners, user_id=user_id, role=role_name, now=utcnow(), branch=at
        )
        await message.answer(t("staff-removed", user=str(user_id), role=gone.role.value))
        await withdraw_menu(bot, user_id)
        return
    person = await staff.appoint(
        session,
        programme,
        owner=owner,
        owners=owners,
        user_id=user_id,
        role=role_name,
        max_sale=words[3] if len(words) > 3 else None,
        points_per_day=words[4] if len(words) > 4 else None,
        now=utcnow(),
        branch=branch,
    )
    lines = [t("staff-added", user=str(user_id), role=person.role.value)]
    if (place := programme.branch(person.branch)) is not None:
        lines.append(t("staff-branch", branch=place.name))
    if person.limits.max_sale_cents is not None and person.limits.points_per_day is not None:
        lines.append(
            t(
                "staff-limits",
                max_sale=person.limits.max_sale_cents // 100,
                currency=programme.currency,
                points_per_day=person.limits.points_per_day,
            )
        )
    await message.answer("\n".join(lines))
    await publish_menu(bot, texts, person, console_url)  # the welcome follows through the outbox


def router(texts: Texts) -> Router:
    router = Router(name="appointments")
    router.message.filter(HasRole(Role.OWNER))
    router.message.register(staff_command, Command("staff"))
    return router
