"""/campaign (one line, or guided when sent alone), /campaigns, /campaign_stats and /campaign_cancel: admins only."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import HasRole
from handlers.formatting import money
from handlers.i18n import Texts, Translator
from handlers.ports import CampaignTimetable
from handlers.staff import campaign_dialogue
from handlers.staff.campaign_chart import ChartLabels, cumulative_chart
from handlers.staff.campaign_input import (
    InputError,
    audience_label,
    created_text,
    photo_of,
    read_one_line,
    read_percent,
    read_when,
    shown_time,
)
from handlers.staff.till import actor_of
from models.campaigns.effect import CampaignReport, Effect, campaign_report
from models.campaigns.planning import CampaignDraft, cancel_campaign, create_campaign, recent_campaigns
from models.campaigns.records import MAX_HOLDOUT_PERCENT, RecipientStatus
from models.core.amounts import parse_id
from models.core.base import utcnow
from models.core.programme import Programme
from models.core.updates import UpdateWork
from models.team.staff import Role


async def campaign_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    role: Role,
    t: Translator,
    session: AsyncSession,
    work: UpdateWork,
    programme: Programme,
    campaigns: CampaignTimetable,
) -> None:
    if not command.args and not message.photo:
        await campaign_dialogue.begin(message, state, t, session, programme)
        return
    now = utcnow()
    try:
        line = read_one_line(message.html_text, programme)
        draft = CampaignDraft(
            segment=line.segment,
            text=line.text,
            photo=photo_of(message),
            offer=line.options.get("offer"),
            holdout_percent=read_percent(line.options.get("holdout", "0"), MAX_HOLDOUT_PERCENT),
            send_at=read_when(programme, line.when, now),
        )
    except InputError as error:
        await message.answer(t(error.key, **error.values))
        return
    campaign = await create_campaign(session, programme, draft, actor_of(message, role), now)
    work.after_commit(lambda: campaigns.schedule(campaign))  # delivery reads the campaign once it is committed
    await message.answer(created_text(t, programme, campaign, now))


async def list_command(message: Message, t: Translator, session: AsyncSession, programme: Programme) -> None:
    summaries = await recent_campaigns(session)
    if not summaries:
        await message.answer(t("campaign-list-empty"))
        return
    lines = [t("campaign-list-title")]
    for summary in summaries:
        campaign, counts = summary.campaign, summary.progress
        when = shown_time(programme, campaign.started_at or campaign.send_at)
        status = t.raw(f"campaign-status-{campaign.status}")
        lines.append(
            t("campaign-list-line", id=campaign.id, status=status, segment=audience_label(t, campaign), when=when)
        )
        if counts.audience:
            lines.append(
                t(
                    "campaign-list-progress",
                    done=counts.resolved,
                    audience=counts.audience,
                    sent=counts[RecipientStatus.SENT],
                    held_out=counts[RecipientStatus.HELD_OUT],
                )
            )
    await message.answer("\n".join(lines))


def _campaign_id(command: CommandObject) -> int | None:
    words = (command.args or "").split()
    return parse_id(words[0]) if len(words) == 1 else None


def _effect_lines(t: Translator, programme: Programme, effect: Effect) -> list[str]:
    recipients, holdout = effect.recipients, effect.holdout
    spend_diff = round(recipients.spend_per_member_cents - holdout.spend_per_member_cents)
    lines = [
        t(
            "campaign-stats-effect",
            days=effect.days,
            since=shown_time(programme, effect.since),
            until=shown_time(programme, effect.until),
            recipients_rate=f"{100 * recipients.rate:.1f}",
            recipients_spend=money(round(recipients.spend_per_member_cents)),
            holdout_rate=f"{100 * holdout.rate:.1f}",
            holdout_spend=money(round(holdout.spend_per_member_cents)),
            rate_diff=f"{100 * (recipients.rate - holdout.rate):+.1f}",
            spend_diff=("+" if spend_diff >= 0 else "−") + money(abs(spend_diff)),
            currency=programme.currency,
            issued=effect.coupons_issued,
            redeemed=effect.coupons_redeemed,
        )
    ]
    if not holdout.members:
        lines.append(t("campaign-stats-no-holdout"))
    return lines


def _report_text(t: Translator, programme: Programme, report: CampaignReport) -> str:
    campaign, counts = report.campaign, report.progress
    status = t.raw(f"campaign-status-{campaign.status}")
    lines = [
        t("campaign-stats-title", id=campaign.id, status=status, segment=audience_label(t, campaign)),
        t(
            "campaign-stats-delivery",
            sent=counts[RecipientStatus.SENT],
            blocked=counts[RecipientStatus.BLOCKED],
            failed=counts[RecipientStatus.FAILED],
            unknown=counts[RecipientStatus.UNKNOWN],
            skipped=counts[RecipientStatus.SKIPPED],
            held_out=counts[RecipientStatus.HELD_OUT],
            waiting=counts[RecipientStatus.PENDING] + counts[RecipientStatus.SENDING],
        ),
    ]
    if report.effect is None:
        lines.append(t("campaign-stats-not-started", when=shown_time(programme, campaign.send_at)))
    else:
        lines += _effect_lines(t, programme, report.effect)
    return "\n\n".join(lines)


async def stats_command(
    message: Message, command: CommandObject, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    campaign_id = _campaign_id(command)
    if campaign_id is None:
        await message.answer(t("campaign-id-usage", command="campaign_stats"))
        return
    report = await campaign_report(session, programme, campaign_id, utcnow())
    await message.answer(_report_text(t, programme, report))
    if report.effect is not None and report.progress[RecipientStatus.SENT]:
        labels = ChartLabels(
            t.raw("campaign-chart-title"),
            t.raw("campaign-chart-recipients"),
            t.raw("campaign-chart-holdout"),
            t.raw("campaign-chart-day"),
        )
        png = await asyncio.to_thread(cumulative_chart, report.effect.cumulative, labels)
        await message.answer_photo(BufferedInputFile(png, f"campaign-{campaign_id}.png"))


async def cancel_command(
    message: Message,
    command: CommandObject,
    role: Role,
    t: Translator,
    session: AsyncSession,
    work: UpdateWork,
    campaigns: CampaignTimetable,
) -> None:
    campaign_id = _campaign_id(command)
    if campaign_id is None:
        await message.answer(t("campaign-id-usage", command="campaign_cancel"))
        return
    cancelled = await cancel_campaign(session, campaign_id, actor_of(message, role), utcnow())
    work.after_commit(lambda: campaigns.cancel(campaign_id))  # its delivery stops once the cancellation is committed
    await message.answer(t("campaign-cancelled", id=campaign_id, count=cancelled.not_reached))


def router(texts: Texts) -> Router:
    router = Router(name="campaigns")
    router.message.filter(HasRole(Role.ADMIN))
    router.callback_query.filter(HasRole(Role.ADMIN))
    router.message.register(campaign_command, Command("campaign"))
    router.message.register(list_command, Command("campaigns"))
    router.message.register(stats_command, Command("campaign_stats"))
    router.message.register(cancel_command, Command("campaign_cancel"))
    campaign_dialogue.register(router)
    return router
