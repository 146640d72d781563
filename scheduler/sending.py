"""What a campaign says to Telegram: each member's message, sent and its answer read into the row's outcome, and the
report to the campaign's author once it is done (the delivery around them is `scheduler.broadcast`).

Telegram's answers decide each row, and only an answer proving that nothing was delivered leads to another try: 429
pauses every campaign in every process and retries the same message, a refused connection is retried with backoff
a few times, 403 marks the member unreachable and 400 fails the row. A request whose fate is unknown (a timeout, a
5xx, a connection lost after the request was written) is recorded `unknown` and never repeated: a 502 may come back
after the message went out.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, SendPhoto
from aiohttp import ClientConnectorError

from handlers.campaign_message import campaign_text
from models.campaigns.planning import get_campaign, progress
from models.campaigns.queue import Claimed, Outcome
from models.campaigns.records import CampaignKind, CampaignStatus, CampaignView, RecipientStatus
from models.core.uow import transaction
from models.members.registry import by_telegram_id
from scheduler.context import JobContext
from scheduler.metrics import CAMPAIGN_SENDS
from scheduler.prepared_request import PreparedRequest
from scheduler.ratelimit import Pace

log = logging.getLogger(__name__)
TOO_MANY_REQUESTS = "429"  # the sends counter's outcome for Telegram's "retry after"
ATTEMPTS = 4  # tries of one message when no connection could be made
BACKOFF = 0.5  # seconds before the first retry, doubling each time
REQUEST_TIMEOUT = 30  # seconds Telegram has to answer one message


def _never_arrived(error: TelegramNetworkError) -> bool:
    """A network error that proves the request never reached Telegram: no connection could be made. Any other
    (a timeout, a connection lost after the request was written) leaves the message's fate unknown."""
    return isinstance(error.__cause__, ClientConnectorError)


class CampaignSender:
    """Sends one campaign's messages, each try granted by the shared pace and reported to it once answered."""

    def __init__(self, context: JobContext, campaign: CampaignView, pace: Pace) -> None:
        self.context = context
        self.campaign = campaign
        self.pace = pace
        self._common: dict[str, PreparedRequest] = {}  # by language, the message that is the same for all who speak it

    async def send(self, row: Claimed, unsent: RecipientStatus) -> Outcome:
        """Send the row's message, retrying what may be retried; cancelled while waiting to retry, the row ends
        `unsent` (handed back to the queue, or cancelled with its campaign)."""
        failures = 0
        while True:
            try:
                message_id = await self._prepared(row).send(row.telegram_id)
            except TelegramRetryAfter as error:
                log.warning("Telegram asked to wait %ss; all campaigns pause", error.retry_after)
                CAMPAIGN_SENDS.labels(TOO_MANY_REQUESTS).inc()
                await self.pace.pause(error.retry_after)
                delay = 0.0
            except TelegramForbiddenError as error:
                return Outcome(row.id, row.member_id, RecipientStatus.BLOCKED, error=error.message)
            except TelegramNetworkError as error:
                if not _never_arrived(error):
                    return Outcome(row.id, row.member_id, RecipientStatus.UNKNOWN, error=error.message)
                failures, delay = failures + 1, BACKOFF * 2**failures
            except TelegramServerError as error:  # a 5xx may come after the message went out: never repeated
                return Outcome(row.id, row.member_id, RecipientStatus.UNKNOWN, error=error.message)
            except ClientDecodeError:  # an answer that is not Telegram's (a proxy's error page): the same
                return Outcome(row.id, row.member_id, RecipientStatus.UNKNOWN, error="unreadable answer")
            except TelegramAPIError as error:  # 400 and other refusals: Telegram says it did not send it
                return Outcome(row.id, row.member_id, RecipientStatus.FAILED, error=error.message)
            else:
                return Outcome(row.id, row.member_id, RecipientStatus.SENT, message_id=message_id)
            finally:
                self.pace.answered()  # the message arrived by now, if it ever will
            if failures >= ATTEMPTS:
                return Outcome(row.id, row.member_id, RecipientStatus.FAILED, error=f"gave up after {failures} tries")
            try:
                await asyncio.sleep(delay)
                await self.pace.acquire()
            except asyncio.CancelledError:
                return Outcome(row.id, row.member_id, unsent)

    def _prepared(self, row: Claimed) -> PreparedRequest:
        """The row's message, encoded once per language unless it carries the member's own offer or coupon."""
        campaign = self.campaign
        if row.offer_id is None and row.coupon is None:
            request = self._common.get(row.language)
            if request is None:
                t = self.context.texts[row.language]
                request = self._common[row.language] = self._request(campaign_text(t, campaign.text_for(row.language)))
            return request
        programme = self.context.programme
        offer = programme.offer(row.offer_id) if row.offer_id else None
        t = self.context.texts[row.language]
        text = campaign_text(t, campaign.text_for(row.language), offer, row.coupon, programme.timezone)
        return self._request(text)

    def _request(self, text: str) -> PreparedRequest:
        photo, placeholder = self.campaign.photo, 0  # the chat is written per message
        method = (
            SendPhoto(chat_id=placeholder, photo=photo, caption=text)
            if photo
            else SendMessage(chat_id=placeholder, text=text)
        )
        return PreparedRequest(self.context.bot, method, REQUEST_TIMEOUT)


async def report_to_author(context: JobContext, campaign: CampaignView) -> None:
    """Tell the manager who created the campaign how it went, once it is done."""
    if campaign.kind != CampaignKind.MANUAL or campaign.created_by is None:
        return
    async with transaction(context.sessionmaker) as session:
        current = await get_campaign(session, campaign.id)
        if current.status != CampaignStatus.DONE:
            return
        counts = (await progress(session, [campaign.id]))[campaign.id]
        manager = await by_telegram_id(session, campaign.created_by)
    t = context.texts[manager.language if manager else "en"]
    text = t(
        "campaign-finished",
        id=campaign.id,
        sent=counts[RecipientStatus.SENT],
        blocked=counts[RecipientStatus.BLOCKED],
        failed=counts[RecipientStatus.FAILED],
        unknown=counts[RecipientStatus.UNKNOWN],
        held_out=counts[RecipientStatus.HELD_OUT],
    )
    try:
        await context.bot.send_message(campaign.created_by, text)
    except TelegramAPIError as error:
        log.warning("campaign %s: could not report to its author: %s", campaign.id, error.message)
