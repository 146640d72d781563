"""Branches: the places of a business that has several (`[[branches]]` in the programme file).

Staff are appointed to a branch; each sale, redemption, refund and adjustment records the branch of whoever made it,
and a cashier's limits and business day are their branch's. A programme without branches names none and records
none: a business in one place works as if branches did not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from models.core.clock import business_day
from models.core.errors import BranchNeeded, UnknownBranch
from models.core.programme import Programme


def listed(programme: Programme) -> str:
    """The branch ids staff may type, for an answer that says what to type instead."""
    return ", ".join(branch.id for branch in programme.branches)


def parse_branch(programme: Programme, text: str | None, *, required: bool) -> str | None:
    """A branch id as typed, in any letter case; None when left out and not `required` (or there are no branches)."""
    if text is None:
        if required and programme.branches:
            raise BranchNeeded(branches=listed(programme))
        return None
    branch = programme.branch(text.strip().lower())
    if branch is None:
        raise UnknownBranch(given=text, branches=listed(programme) or "-")
    return branch.id


def day_at(programme: Programme, branch_id: str | None, now: datetime) -> date:
    """The business day at a branch: in the branch's own time zone when it has one, else the programme's."""
    branch = programme.branch(branch_id)
    if branch is None or branch.timezone is None:
        return business_day(programme, now)
    return now.astimezone(ZoneInfo(branch.timezone)).date()
