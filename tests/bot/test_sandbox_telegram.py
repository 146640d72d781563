"""The fake Bot API server answers a real aiogram Bot over HTTP the way Telegram would."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from PIL import Image

from bot.sandbox.telegram import FakeTelegram, FakeUser
from bot.sandbox.telegram.html import HtmlParseError, parse_html

ALICE = FakeUser(id=1001, first_name="Alice", username="alice")
BOB = FakeUser(id=1002, first_name="Bob")
OFFER_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Take offer", callback_data="offer:take:7")],
        [InlineKeyboardButton(text="Rules", url="https://example.com/rules")],
    ]
)


def png(width: int = 400, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(tg.token, session=AiohttpSession(api=tg.api))
    yield bot
    await bot.session.close()


class TestSendMessage:
    async def test_message_is_returned_and_recorded(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Your balance: 120", reply_markup=OFFER_KEYBOARD)

        assert isinstance(message, Message)
        assert message.from_user is not None
        assert message.from_user.id == tg.bot_id
        assert (message.chat.id, message.chat.type, message.text) == (ALICE.id, "private", "Your balance: 120")
        assert message.reply_markup is not None
        assert message.reply_markup.model_dump() == OFFER_KEYBOARD.model_dump()
        [sent] = tg.sent
        assert (sent.method, sent.chat_id, sent.message_id, sent.text) == (
            "sendMessage",
            ALICE.id,
            message.message_id,
            "Your balance: 120",
        )
        assert sent.params["chat_id"] == ALICE.id
        assert tg.messages_to(ALICE.id) == [sent]
        assert tg.calls == [("sendMessage", sent.params)]

    async def test_buttons_are_found_by_their_text(self, tg: FakeTelegram, bot: Bot) -> None:
        await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)

        sent = tg.sent[0]
        assert [button["text"] for button in sent.buttons()] == ["Take offer", "Rules"]
        assert sent.button("Take")["callback_data"] == "offer:take:7"
        with pytest.raises(AssertionError, match=r"'Take offer', 'Rules'"):
            sent.button("Cancel")

    async def test_reply_keyboard_is_recorded_but_not_echoed(self, tg: FakeTelegram, bot: Bot) -> None:
        keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Share phone", request_contact=True)]])

        message = await bot.send_message(ALICE.id, "Send your phone", reply_markup=keyboard)

        assert message.reply_markup is None
        assert tg.sent[0].button("phone")["request_contact"] is True

    async def test_chat_that_never_wrote_still_receives(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(424242, "Welcome")

        assert (message.chat.id, message.chat.first_name) == (424242, "Test")

    async def test_message_ids_count_per_chat(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.push_text(ALICE, "hello")

        first_to_alice = await bot.send_message(ALICE.id, "one")
        first_to_bob = await bot.send_message(BOB.id, "one")

        assert (first_to_alice.message_id, first_to_bob.message_id) == (2, 1)

    async def test_html_is_recorded_as_the_user_sees_it(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "<b>120</b> points &amp; a gift", parse_mode="HTML")

        assert tg.sent[0].text == message.text == "120 points & a gift"
        assert tg.sent[0].params["text"] == "<b>120</b> points &amp; a gift"
        assert message.entities is not None
        assert (message.entities[0].type, message.entities[0].offset, message.entities[0].length) == ("bold", 0, 3)

    async def test_unescaped_html_is_refused(self, tg: FakeTelegram, bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match=r"can't parse entities: Unsupported start tag \"3\""):
            await bot.send_message(ALICE.id, "We <3 you", parse_mode="HTML")

        assert tg.sent == []
        assert [method for method, _ in tg.calls] == ["sendMessage"]

    async def test_oversized_callback_data_is_refused(self, bot: Bot) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x" * 65)]])

        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(ALICE.id, "Offer", reply_markup=keyboard)

    async def test_empty_text_is_refused(self, bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(ALICE.id, "<b> </b>", parse_mode="HTML")


class TestEditing:
    async def test_edit_replaces_text_and_drops_keyboard_not_resent(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)

        edited = await bot.edit_message_text("Offer taken", chat_id=ALICE.id, message_id=message.message_id)

        assert isinstance(edited, Message)
        assert (edited.text, edited.reply_markup, edited.edit_date is not None) == ("Offer taken", None, True)
        assert (tg.sent[-1].method, tg.sent[-1].message_id, tg.sent[-1].text) == (
            "editMessageText",
            message.message_id,
            "Offer taken",
        )

    async def test_edit_without_change_is_refused(self, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)

        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_reply_markup(
                chat_id=ALICE.id, message_id=message.message_id, reply_markup=OFFER_KEYBOARD
            )

    async def test_deleted_message_cannot_be_edited(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Offer")

        assert await bot.delete_message(ALICE.id, message.message_id)

        assert tg.deleted == [(ALICE.id, message.message_id)]
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text("Gone", chat_id=ALICE.id, message_id=message.message_id)

    async def test_copy_and_forward_repeat_the_content(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.push_text(ALICE, "my receipt is lost")

        copied = await bot.copy_message(chat_id=BOB.id, from_chat_id=ALICE.id, message_id=1)
        forwarded = await bot.forward_message(chat_id=BOB.id, from_chat_id=ALICE.id, message_id=1)

        assert (copied.message_id, forwarded.message_id) == (1, 2)
        assert forwarded.text == "my receipt is lost"
        assert [(sent.method, sent.text) for sent in tg.messages_to(BOB.id)] == [
            ("copyMessage", "my receipt is lost"),
            ("forwardMessage", "my receipt is lost"),
        ]


class TestFiles:
    async def test_photo_upload_is_recorded_and_downloadable(self, tg: FakeTelegram, bot: Bot) -> None:
        image = png()

        message = await bot.send_photo(ALICE.id, BufferedInputFile(image, "card.png"), caption="Your card")

        [sent] = tg.sent
        assert (sent.method, sent.text, sent.file_name, sent.file_bytes) == (
            "sendPhoto",
            "Your card",
            "card.png",
            image,
        )
        assert message.photo is not None
        assert [(size.width, size.height) for size in message.photo] == [(320, 240), (400, 300)]
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None
        assert downloaded.read() == image

    async def test_photo_can_be_resent_by_file_id(self, tg: FakeTelegram, bot: Bot) -> None:
        first = await bot.send_photo(ALICE.id, BufferedInputFile(png(), "card.png"))
        assert first.photo is not None

        again = await bot.send_photo(BOB.id, first.photo[-1].file_id)

        assert again.photo == first.photo
        assert tg.sent[-1].file_bytes == tg.sent[0].file_bytes

    async def test_document_upload_is_recorded(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_document(ALICE.id, BufferedInputFile(b"a,b\n1,2\n", "report.csv"))

        assert message.document is not None
        assert (message.document.file_name, message.document.mime_type) == ("report.csv", "text/csv")
        assert (tg.sent[0].file_bytes, tg.sent[0].file_name) == (b"a,b\n1,2\n", "report.csv")

    async def test_photo_that_is_not_an_image_is_refused(self, tg: FakeTelegram, bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
            await bot.send_photo(ALICE.id, BufferedInputFile(b"not an image", "card.png"))

        assert tg.sent == []

    async def test_user_photo_can_be_downloaded_by_the_bot(self, tg: FakeTelegram, bot: Bot) -> None:
        image = png(100, 80)
        tg.push_photo(ALICE, "receipt", content=image)

        [update] = await bot.get_updates()

        assert update.message is not None
        assert update.message.photo is not None
        assert update.message.caption == "receipt"
        downloaded = await bot.download(update.message.photo[-1].file_id)
        assert downloaded is not None
        assert downloaded.read() == image


class TestFaults:
    async def test_rate_limit_raises_retry_after_once(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.fail_next("sendMessage", retry_after=3)

        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(ALICE.id, "hello")
        await bot.send_message(ALICE.id, "hello")

        assert caught.value.retry_after == 3
        assert [sent.text for sent in tg.sent] == ["hello"]
        assert [method for method, _ in tg.calls] == ["sendMessage", "sendMessage"]

    async def test_server_error_without_retry_after(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.fail_next("sendMessage", status=400, description="Bad Request: chat not found")

        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(ALICE.id, "hello")

    async def test_an_error_after_delivery_comes_once_the_message_went_out(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.fail_next("sendMessage", status=502, delivered=True)

        with pytest.raises(TelegramServerError):
            await bot.send_message(ALICE.id, "hello")
        await bot.send_message(ALICE.id, "again")

        assert [sent.text for sent in tg.sent] == ["hello", "again"]

    async def test_blocked_user_raises_forbidden(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.block_user(ALICE.id)

        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(ALICE.id, "hello")
        await bot.send_message(BOB.id, "hello")

        assert [sent.chat_id for sent in tg.sent] == [BOB.id]
        assert [params["chat_id"] for method, params in tg.calls] == [ALICE.id, BOB.id]

    async def test_delay_slows_one_method(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.set_delay(0.3, "sendMessage")

        started = time.monotonic()
        await bot.send_message(ALICE.id, "slow")
        await bot.get_me()

        assert time.monotonic() - started >= 0.3
        assert tg.sent[0].at - started >= 0.3

    async def test_unknown_method_is_not_found(self, tg: FakeTelegram) -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{tg.url}/bot{tg.token}/sendTeleport", data={"chat_id": "1"}) as response,
        ):
            body = await response.json()

        assert response.status == 404
        assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        assert tg.calls == [("sendTeleport", {"chat_id": 1})]

    async def test_json_body_is_accepted(self, tg: FakeTelegram) -> None:
        payload = {"chat_id": ALICE.id, "text": "42", "reply_markup": OFFER_KEYBOARD.model_dump(exclude_none=True)}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{tg.url}/bot{tg.token}/sendMessage", json=payload) as response,
        ):
            body = await response.json()

        assert body["ok"] is True
        assert tg.sent[0].text == "42"
        assert tg.sent[0].button("Take")["callback_data"] == "offer:take:7"

    async def test_wrong_token_is_unauthorized(self, tg: FakeTelegram) -> None:
        stranger = Bot("999:other-token", session=AiohttpSession(api=tg.api))
        try:
            with pytest.raises(TelegramUnauthorizedError):
                await stranger.get_me()
        finally:
            await stranger.session.close()


class TestUpdates:
    async def test_pushed_updates_arrive_in_order_and_parse(self, tg: FakeTelegram, bot: Bot) -> None:
        pushed = [
            tg.push_text(ALICE, "/start ref42"),
            tg.push_text(BOB, "hi"),
            tg.push_contact(ALICE, "+15550001", ALICE.id),
        ]

        updates = await bot.get_updates()

        assert [update.update_id for update in updates] == pushed
        start, greeting, contact = (update.message for update in updates)
        assert start is not None
        assert greeting is not None
        assert contact is not None
        assert start.text == "/start ref42"
        assert start.entities is not None
        assert (start.entities[0].type, start.entities[0].length) == ("bot_command", 6)
        assert start.from_user is not None
        assert (start.from_user.username, start.chat.id) == ("alice", ALICE.id)
        assert greeting.chat.id == BOB.id
        assert contact.contact is not None
        assert (contact.contact.phone_number, contact.contact.user_id) == ("+15550001", ALICE.id)

    async def test_offset_confirms_earlier_updates(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.push_text(ALICE, "one")
        tg.push_text(ALICE, "two")

        first = await bot.get_updates()
        unconfirmed = await bot.get_updates()
        third = tg.push_text(ALICE, "three")
        after_offset = await bot.get_updates(offset=first[-1].update_id + 1)

        assert [update.update_id for update in unconfirmed] == [update.update_id for update in first]
        assert [update.update_id for update in after_offset] == [third]
        assert await bot.get_updates(offset=third + 1) == []

    async def test_limit_caps_a_batch(self, tg: FakeTelegram, bot: Bot) -> None:
        for number in range(5):
            tg.push_text(ALICE, str(number))

        batch = await bot.get_updates(limit=2)

        assert [update.message.text for update in batch if update.message] == ["0", "1"]

    async def test_callback_query_parses_and_can_be_answered(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)
        sent = tg.sent[-1]

        update_id = tg.push_callback(ALICE, sent, sent.button("Take")["callback_data"])
        [update] = await bot.get_updates()

        query = update.callback_query
        assert isinstance(query, CallbackQuery)
        assert (query.data, query.from_user.id) == ("offer:take:7", ALICE.id)
        assert isinstance(query.message, Message)
        assert query.message.message_id == message.message_id
        assert await bot.answer_callback_query(query.id, text="Taken")
        answer = tg.callback_answer(update_id)
        assert answer is not None
        assert answer["text"] == "Taken"
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_callback_query(query.id)

    async def test_callback_carries_the_message_as_edited(self, tg: FakeTelegram, bot: Bot) -> None:
        message = await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)
        await bot.edit_message_text(
            "Offer (2 left)", chat_id=ALICE.id, message_id=message.message_id, reply_markup=OFFER_KEYBOARD
        )

        tg.push_callback(ALICE, tg.sent[0], "offer:take:7")
        [update] = await bot.get_updates()

        assert update.callback_query is not None
        assert isinstance(update.callback_query.message, Message)
        assert update.callback_query.message.text == "Offer (2 left)"

    async def test_long_poll_waits_for_a_pushed_update(self, tg: FakeTelegram, bot: Bot) -> None:
        polling = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        assert not polling.done()

        pushed = tg.push_text(ALICE, "late")
        updates = await asyncio.wait_for(polling, 1)

        assert [update.update_id for update in updates] == [pushed]

    async def test_long_poll_returns_nothing_after_its_timeout(self, bot: Bot) -> None:
        started = time.monotonic()

        assert await bot.get_updates(timeout=1) == []
        assert time.monotonic() - started >= 0.9

    async def test_replayed_update_id_is_delivered_again(self, tg: FakeTelegram, bot: Bot) -> None:
        first = tg.push_text(ALICE, "receipt 1")
        [update] = await bot.get_updates()
        assert update.message is not None
        raw_message = {
            "message_id": update.message.message_id,
            "date": int(update.message.date.timestamp()),
            "chat": {"id": ALICE.id, "type": "private", "first_name": ALICE.first_name},
            "from": {"id": ALICE.id, "is_bot": False, "first_name": ALICE.first_name},
            "text": "receipt 1",
        }

        tg.push_update({"message": raw_message}, update_id=first)
        replayed = await bot.get_updates(offset=first + 1)

        assert [update.update_id for update in replayed] == [first]

    async def test_update_kinds_not_allowed_are_dropped(self, tg: FakeTelegram, bot: Bot) -> None:
        await bot.send_message(ALICE.id, "Offer", reply_markup=OFFER_KEYBOARD)
        tg.push_callback(ALICE, tg.sent[0], "offer:take:7")
        kept = tg.push_text(ALICE, "hi")

        updates = await bot.get_updates(allowed_updates=["message"])

        assert [update.update_id for update in updates] == [kept]


class TestWaiting:
    async def test_polling_dispatcher_answers_through_the_fake(self, tg: FakeTelegram, bot: Bot) -> None:
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(f"echo: {message.text}")

        polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
        try:
            tg.push_text(ALICE, "hello")
            sent = await tg.wait_for(ALICE.id, contains="echo: hello")
            tg.push_text(ALICE, "again")
            await tg.wait_idle()
        finally:
            await dispatcher.stop_polling()
            await asyncio.wait_for(polling, 5)

        assert sent.method == "sendMessage"
        assert [sent.text for sent in tg.messages_to(ALICE.id)] == ["echo: hello", "echo: again"]

    async def test_wait_for_skips_messages_before_after(self, tg: FakeTelegram, bot: Bot) -> None:
        await bot.send_message(ALICE.id, "Balance: 10")
        mark = len(tg.sent)

        waiting = asyncio.create_task(tg.wait_for(ALICE.id, contains="Balance", after=mark))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await bot.send_message(ALICE.id, "Balance: 20")

        assert (await asyncio.wait_for(waiting, 1)).text == "Balance: 20"

    async def test_wait_for_timeout_lists_recent_messages(self, tg: FakeTelegram, bot: Bot) -> None:
        await bot.send_message(ALICE.id, "Balance: 10")

        with pytest.raises(AssertionError, match=r"(?s)no message to chat 1001.*'Balance: 10'"):
            await tg.wait_for(ALICE.id, contains="Offer", timeout=0.1)

    async def test_wait_idle_fails_while_updates_are_unfetched(self, tg: FakeTelegram) -> None:
        tg.push_text(ALICE, "nobody polls")

        with pytest.raises(AssertionError, match="1 updates not fetched"):
            await tg.wait_idle(quiet=0.05, timeout=0.2)


class TestBotSetup:
    async def test_commands_are_kept_per_scope_and_language(self, tg: FakeTelegram, bot: Bot) -> None:
        commands = [BotCommand(command="start", description="Start"), BotCommand(command="card", description="Card")]

        await bot.set_my_commands(commands, language_code="ru")

        assert ('{"type": "default"}', "ru") in tg.commands
        assert [command["command"] for command in tg.commands_for(language_code="ru")] == ["start", "card"]
        published = await bot.get_my_commands(language_code="ru")
        assert [command.model_dump() for command in published] == [command.model_dump() for command in commands]
        assert await bot.get_my_commands() == []

    async def test_invalid_command_name_is_refused(self, bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand(command="MyCard", description="Card")])

    async def test_webhook_is_recorded_and_excludes_polling(self, tg: FakeTelegram, bot: Bot) -> None:
        await bot.set_webhook("https://bot.example.com/hook", secret_token="s3cret-token")

        assert tg.webhook is not None
        assert tg.webhook["secret_token"] == "s3cret-token"
        assert (await bot.get_webhook_info()).url == "https://bot.example.com/hook"
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert tg.webhook is None

    async def test_get_me_and_get_chat_describe_bot_and_user(self, tg: FakeTelegram, bot: Bot) -> None:
        tg.push_text(ALICE, "hi")

        me = await bot.get_me()
        chat = await bot.get_chat(ALICE.id)

        assert (me.id, me.username, me.is_bot) == (tg.bot_id, "loyalty_test_bot", True)
        assert (chat.id, chat.first_name, chat.username) == (ALICE.id, "Alice", "alice")


class TestParseHtml:
    def test_nested_entities_count_utf16_units(self) -> None:
        text, entities = parse_html('🎁 <b>Gift <i>now</i></b> <a href="https://x.example">here</a>')

        assert text == "🎁 Gift now here"
        assert entities == [
            {"type": "bold", "offset": 3, "length": 8},
            {"type": "italic", "offset": 8, "length": 3},
            {"type": "text_link", "offset": 12, "length": 4, "url": "https://x.example"},
        ]

    def test_pre_with_code_language_is_one_entity(self) -> None:
        _, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')

        assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]

    @pytest.mark.parametrize(
        ("source", "error"),
        [
            ("a <b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
            ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
            ("1 < 2", "Empty tag name at byte offset 2"),
            ("<br/>", 'Unsupported start tag "br" at byte offset 0'),
        ],
    )
    def test_what_telegram_refuses_is_refused(self, source: str, error: str) -> None:
        with pytest.raises(HtmlParseError) as caught:
            parse_html(source)

        assert str(caught.value) == error
