"""A campaign's prepared request reaches Telegram as aiogram's own call would, and every answer but a success is
read as aiogram reads it: the delivery's decisions (retry, blocked, failed, unknown) rest on aiogram's exceptions."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from aiohttp import ClientConnectorError
from PIL import Image

from bot.app import create_bot
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from scheduler.prepared_request import PreparedRequest

CHAT = 4242
TEXT = "<b>Fresh</b> croissants &amp; coffee = 2 × ☕ for 150 ₽ (50% off); see https://example.com/?a=1&amp;b=2"
SEEN = "Fresh croissants & coffee = 2 × ☕ for 150 ₽ (50% off); see https://example.com/?a=1&b=2"


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """The bot as the product builds it, with its defaults (HTML, no link previews)."""
    bot = create_bot(Settings(_env_file=None, bot_token=telegram.token, telegram_api_url=telegram.url))
    yield bot
    await bot.session.close()


def prepared(bot: Bot, text: str = TEXT) -> PreparedRequest:
    return PreparedRequest(bot, SendMessage(chat_id=0, text=text), timeout=5)


class TestWhatTelegramReceives:
    async def test_a_prepared_message_arrives_as_aiograms_own_call_would(
        self, telegram: FakeTelegram, bot: Bot
    ) -> None:
        by_aiogram = await bot.send_message(CHAT, TEXT)
        message_id = await prepared(bot).send(CHAT + 1)

        first, second = telegram.sent
        assert second.message_id == message_id
        assert (first.text, first.chat_id, second.chat_id) == (second.text, CHAT, CHAT + 1)
        assert first.text == by_aiogram.text == SEEN
        assert {key: value for key, value in second.params.items() if key != "chat_id"} == {
            key: value for key, value in first.params.items() if key != "chat_id"
        }
        assert second.params["parse_mode"] == "HTML"
        assert second.params["link_preview_options"] == {"is_disabled": True}

    async def test_one_prepared_message_goes_to_each_chat_with_its_own_message_id(
        self, telegram: FakeTelegram, bot: Bot
    ) -> None:
        request = prepared(bot, "Bench")
        ids = [await request.send(chat) for chat in (1, 2, 2, 3)]

        assert [(sent.chat_id, sent.message_id) for sent in telegram.sent] == list(zip((1, 2, 2, 3), ids, strict=True))
        assert ids[1] != ids[2]

    async def test_a_photo_goes_by_its_file_id_with_the_text_as_its_caption(
        self, telegram: FakeTelegram, bot: Bot
    ) -> None:
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 120, 10)).save(picture, format="PNG")
        uploaded = await bot.send_photo(CHAT, BufferedInputFile(picture.getvalue(), "p.png"))
        assert uploaded.photo is not None
        file_id = uploaded.photo[-1].file_id

        request = PreparedRequest(bot, SendPhoto(chat_id=0, photo=file_id, caption=TEXT), timeout=5)
        message_id = await request.send(CHAT + 1)

        sent = telegram.sent[-1]
        assert (sent.method, sent.chat_id, sent.message_id) == ("sendPhoto", CHAT + 1, message_id)
        assert sent.text == SEEN
        assert sent.file_bytes == picture.getvalue()


REFUSALS: dict[str, Callable[[FakeTelegram], None]] = {
    "retry after": lambda telegram: telegram.fail_next("sendMessage", status=429, retry_after=7),
    "blocked": lambda telegram: telegram.block_user(CHAT),
    "bad request": lambda telegram: telegram.fail_next("sendMessage", status=400, description="Bad Request: x"),
    "server error": lambda telegram: telegram.fail_next("sendMessage", status=502),
    "server error after the message went out": lambda telegram: telegram.fail_next(
        "sendMessage", status=500, delivered=True
    ),
}


async def raised(call: Awaitable[object]) -> TelegramAPIError:
    with pytest.raises(TelegramAPIError) as caught:
        await call
    return caught.value


class TestWhatTelegramAnswers:
    @pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
    async def test_a_refusal_raises_what_aiogram_raises(
        self, telegram: FakeTelegram, bot: Bot, refusal: Callable[[FakeTelegram], None]
    ) -> None:
        refusal(telegram)
        by_aiogram = await raised(bot.send_message(CHAT, TEXT))
        refusal(telegram)
        by_prepared = await raised(prepared(bot).send(CHAT))

        assert type(by_prepared) is type(by_aiogram)
        assert by_prepared.message == by_aiogram.message
        if isinstance(by_aiogram, TelegramRetryAfter):
            assert isinstance(by_prepared, TelegramRetryAfter)
            assert by_prepared.retry_after == by_aiogram.retry_after == 7

    async def test_no_connection_is_a_network_error_that_says_nothing_arrived(self, bot: Bot) -> None:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        session = AiohttpSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}"))
        nowhere = Bot(bot.token, session=session)
        try:
            error = await raised(prepared(nowhere).send(CHAT))
        finally:
            await session.close()

        assert isinstance(error, TelegramNetworkError)
        assert isinstance(error.__cause__, ClientConnectorError)

    async def test_an_answer_that_never_comes_is_a_timeout(self, telegram: FakeTelegram, bot: Bot) -> None:
        telegram.set_delay(2, "sendMessage")
        request = PreparedRequest(bot, SendMessage(chat_id=0, text=TEXT), timeout=0.3)

        error = await raised(request.send(CHAT))

        assert isinstance(error, TelegramNetworkError)
        assert error.message == "Request timeout error"
