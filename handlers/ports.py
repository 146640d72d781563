"""What handlers need from the layers above them, as protocols: `bot` injects the real objects by name.

Handlers sit below the scheduler, so they name the few methods they call rather than import its classes.
"""

from __future__ import annotations

from typing import Protocol

from models.campaigns.records import CampaignView


class CampaignTimetable(Protocol):
    """Puts campaigns on the timetable and takes them off; `scheduler.timetable.CampaignRunner` is the real one."""

    def schedule(self, campaign: CampaignView) -> None:
        """Deliver the campaign at its time (at once if due); harmless to call again for the same campaign."""

    async def cancel(self, campaign_id: int) -> None:
        """The campaign was cancelled in the database: stop whatever was planned or under way for it."""
