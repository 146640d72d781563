"""Who may reach a router: members, or staff of at least a given role."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from models.members.registry import MemberView
from models.team.staff import Role


class IsMember(Filter):
    async def __call__(self, event: TelegramObject, member: MemberView | None) -> bool:
        return member is not None


class HasRole(Filter):
    """Passes staff whose role is at least `needed`; everyone else falls through to the refusal answers."""

    def __init__(self, needed: Role) -> None:
        self.needed = needed

    async def __call__(self, event: TelegramObject, role: Role | None) -> bool:
        return role is not None and role.can(self.needed)
