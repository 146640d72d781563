"""What managers type and read about campaigns: the one-line form, times in the business's zone, shares, and the
answers both ways of composing share."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from aiogram.types import Message

from handlers.i18n import Translator
from models.campaigns.marketing_rules import quiet_until
from models.campaigns.records import CampaignKind, CampaignView
from models.core import clock
from models.core.programme import Programme

NOW_WORDS = frozenset({"now", "сейчас"})
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M")
SHOWN_FORMAT = "%Y-%m-%d %H:%M"
OPTIONS = frozenset({"offer", "holdout"})


class InputError(Exception):
    """What was typed cannot be read; `key` and `values` are the answer that says what to type instead."""

    def __init__(self, key: str, **args: str | int) -> None:
        super().__init__(key)
        self.key = key
        self.values = args


@dataclass(frozen=True)
class OneLine:
    """`/campaign <segment> <when> [offer=<id>] [holdout=<percent>] | <text>`, split into its parts."""

    segment: str
    when: str
    text: str  # HTML
    options: dict[str, str] = field(default_factory=dict)


def shown_time(programme: Programme, moment: datetime) -> str:
    """A moment as a manager reads it: local time in the business's zone."""
    return clock.local(programme, moment).strftime(SHOWN_FORMAT)


def example_time(programme: Programme, now: datetime) -> str:
    """Tomorrow at ten, local: an example of a time to type."""
    tomorrow = clock.business_day(programme, now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(10)).strftime(SHOWN_FORMAT)


def read_when(programme: Programme, raw: str, now: datetime) -> datetime | None:
    """`now` (None) or a local date and time such as `2026-12-01 10:00`, as an aware UTC moment."""
    cleaned = " ".join(raw.replace("T", " ").split())
    if cleaned.lower() in NOW_WORDS:
        return None
    for shape in TIME_FORMATS:
        try:
            local = datetime.strptime(cleaned, shape)
        except ValueError:
            continue
        return clock.from_local(programme, local)
    raise InputError("campaign-bad-time", value=raw, zone=programme.timezone, example=example_time(programme, now))


def read_percent(raw: str, limit: int) -> int:
    try:
        return int(raw.strip().rstrip("%"))
    except ValueError:
        raise InputError("campaign-bad-holdout-number", limit=limit) from None


def read_one_line(html_text: str, programme: Programme) -> OneLine:
    """Split the one-line form; the text after `|` keeps the manager's formatting."""
    head, bar, text = html_text.partition("|")
    words = html.unescape(head).split()[1:]  # the command itself comes first
    usage = InputError("campaign-usage", zone=programme.timezone)
    if not bar or len(words) < 2:
        raise usage
    options: dict[str, str] = {}
    when: list[str] = []
    for word in words[1:]:
        name, equals, value = word.partition("=")
        if not equals:
            when.append(word)
        elif name.lower() in OPTIONS and value:
            options[name.lower()] = value
        else:
            raise InputError("campaign-bad-option", option=word)
    if not when:
        raise usage
    return OneLine(words[0], " ".join(when), text.strip(), options)


def photo_of(message: Message) -> str | None:
    """The largest size of a photo the manager attached, as a file id the bot can send again."""
    return message.photo[-1].file_id if message.photo else None


def audience_label(t: Translator, campaign: CampaignView) -> str:
    """A segment's name, or what an automated campaign is about."""
    if campaign.kind == CampaignKind.MANUAL:
        return campaign.segment
    return t.raw(f"campaign-kind-{campaign.kind}")


def created_text(t: Translator, programme: Programme, campaign: CampaignView, now: datetime) -> str:
    """The answer to a new campaign: when it goes, and whether quiet hours hold it back."""
    if campaign.send_at <= now + timedelta(seconds=1):
        lines = [t("campaign-created-now", id=campaign.id, segment=campaign.segment)]
    else:
        lines = [
            t(
                "campaign-created-later",
                id=campaign.id,
                segment=campaign.segment,
                when=shown_time(programme, campaign.send_at),
                zone=programme.timezone,
            )
        ]
    held_until = quiet_until(programme.marketing, programme.timezone, max(campaign.send_at, now))
    if held_until is not None:
        lines.append(t("campaign-quiet-hours", until=shown_time(programme, held_until)))
    return "\n".join(lines)
