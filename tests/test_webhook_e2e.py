"""Webhook mode over real HTTP: the secret is checked, each update is handled before the answer, and only once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.base import utcnow
from models.core.uow import transaction
from models.core.updates import HandledUpdate
from models.members.numbers import shown
from models.members.registry import ConsentEvent, set_marketing_consent
from models.points.purchases import Purchase
from tests.dbstate import dump, settled_dump
from tests.support.app import NO_FLOOD_LIMIT, OWNER, bot_settings
from tests.support.members import enrol_member

SECRET = "s3cret-Token_1"
PATH = "/telegram/updates"
ANNA = FakeUser(id=5001, first_name="Anna")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def text_update(update_id: int, user: FakeUser, text: str) -> dict[str, Any]:
    """A text message as Telegram posts it to a webhook."""
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name, "language_code": user.language_code}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def _nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for _ in range(depth):
        document = {"reply_to_message": document}
    return document


def _with_chat_id(update: dict[str, Any], chat_id: int) -> dict[str, Any]:
    update["message"]["chat"]["id"] = chat_id
    return update


@dataclass
class Webhook:
    app: App
    url: str
    http: aiohttp.ClientSession

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self.http.post(self.url, json=update, headers=headers) as response:
            return response.status


@pytest.fixture
async def webhook(telegram: FakeTelegram, database_url: str) -> AsyncIterator[Webhook]:
    port = free_port()
    settings = bot_settings(
        telegram,
        database_url,
        webhook_url=f"https://bot.example.test{PATH}",
        webhook_secret=SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
    )
    app = await App.create(settings, flood=NO_FLOOD_LIMIT)
    task = asyncio.create_task(app.run())
    async with asyncio.timeout(10):
        while telegram.webhook is None:
            if task.done():
                task.result()  # start-up failed: show why
            await asyncio.sleep(0.02)
    async with aiohttp.ClientSession() as http:
        yield Webhook(app, f"http://127.0.0.1:{port}{PATH}", http)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await app.close()


async def member_with_marketing(app: App, user: FakeUser) -> int:
    async with transaction(app.sessionmaker) as session:
        member = await enrol_member(session, app.programme, user.id, first_name=user.first_name, now=utcnow())
        await set_marketing_consent(session, app.programme, member, granted=True, now=utcnow())
        return member


async def count(app: App, model: type[ConsentEvent] | type[HandledUpdate]) -> int:
    async with transaction(app.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestWebhook:
    async def test_the_webhook_is_registered_with_the_secret(self, webhook: Webhook, telegram: FakeTelegram) -> None:
        assert telegram.webhook is not None
        assert telegram.webhook["url"] == f"https://bot.example.test{PATH}"
        assert telegram.webhook["secret_token"] == SECRET

    async def test_an_update_is_handled_before_the_answer(self, webhook: Webhook, telegram: FakeTelegram) -> None:
        assert await webhook.post(text_update(1, ANNA, "/help")) == 200
        assert "Here is what I can do" in (telegram.messages_to(ANNA.id)[-1].text or "")

    @pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
    async def test_a_missing_or_wrong_secret_is_refused_and_changes_nothing(
        self, webhook: Webhook, telegram: FakeTelegram, secret: str | None
    ) -> None:
        await member_with_marketing(webhook.app, ANNA)
        before = await settled_dump(webhook.app.engine)
        assert await webhook.post(text_update(1, ANNA, "/stop"), secret=secret) == 401
        assert await dump(webhook.app.engine) == before
        assert telegram.messages_to(ANNA.id) == []

    async def test_the_same_update_posted_twice_is_applied_once(self, webhook: Webhook, telegram: FakeTelegram) -> None:
        await member_with_marketing(webhook.app, ANNA)
        events = await count(webhook.app, ConsentEvent)
        update = text_update(7, ANNA, "/stop")
        assert await webhook.post(update) == 200
        assert await webhook.post(update) == 200
        replies = [sent.text or "" for sent in telegram.messages_to(ANNA.id)]
        assert len(replies) == 1
        assert "no more promotional messages" in replies[0]
        assert await count(webhook.app, ConsentEvent) == events + 1

    async def test_an_update_that_could_not_be_answered_is_handled_when_sent_again(
        self, webhook: Webhook, telegram: FakeTelegram
    ) -> None:
        telegram.fail_next("sendMessage", times=2, status=502)  # the answer and then the apology both fail
        update = text_update(3, ANNA, "/help")
        assert await webhook.post(update) == 500
        assert await count(webhook.app, HandledUpdate) == 0
        assert await webhook.post(update) == 200
        assert len(telegram.messages_to(ANNA.id)) == 1

    async def test_malformed_json_with_the_right_secret_is_a_bad_request(self, webhook: Webhook) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with webhook.http.post(webhook.url, data=b"{not json", headers=headers) as response:
            assert response.status == 400

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-beyond-the-parser"),
            pytest.param(json.dumps({"update_id": 1, "message": _nested(40)}).encode(), id="nested-beyond-any-update"),
            pytest.param(json.dumps(text_update(2**64, ANNA, "/stop")).encode(), id="update-id-beyond-64-bits"),
            pytest.param(json.dumps(_with_chat_id(text_update(5, ANNA, "/stop"), -(2**63) - 1)).encode(), id="chat-id"),
            pytest.param(b"1" * 5000, id="a-number-too-long-to-read"),
            pytest.param(b'{"update_id": 1e999}', id="infinite"),
            pytest.param(b"[1, 2]", id="an-array"),
            pytest.param(b'"update"', id="a-string"),
            pytest.param(b"null", id="null"),
            pytest.param(b"\xff\xfe", id="not-utf-8"),
        ],
    )
    async def test_an_odd_body_is_a_bad_request_and_changes_nothing(
        self, webhook: Webhook, telegram: FakeTelegram, body: bytes
    ) -> None:
        await member_with_marketing(webhook.app, ANNA)
        before = await settled_dump(webhook.app.engine)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with webhook.http.post(webhook.url, data=body, headers=headers) as response:
            assert response.status == 400
        assert await dump(webhook.app.engine) == before
        assert telegram.messages_to(ANNA.id) == []

    async def test_an_update_whose_answer_failed_after_its_effects_committed_applies_once(
        self, webhook: Webhook, telegram: FakeTelegram
    ) -> None:
        member = await member_with_marketing(webhook.app, ANNA)
        update = text_update(11, OWNER, f"/sale {shown(member)} 450 #W-1")
        telegram.fail_chat(OWNER.id)  # every answer to the cashier is lost on the way, after the sale committed
        assert await webhook.post(update) == 500
        telegram.heal_chat(OWNER.id)
        assert await webhook.post(update) == 200  # Telegram sends it again: handled before, so nothing happens
        await telegram.wait_for(ANNA.id, contains="#W-1")
        await telegram.wait_idle()
        async with transaction(webhook.app.sessionmaker) as session:
            assert await session.scalar(select(func.count()).select_from(Purchase)) == 1
        assert len([sent for sent in telegram.messages_to(ANNA.id) if "#W-1" in (sent.text or "")]) == 1
        assert telegram.messages_to(OWNER.id) == []
