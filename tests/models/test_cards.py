"""Card tokens: only the signing key in the database makes them, and only their one spelling is accepted."""

from __future__ import annotations

import asyncio
import base64

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core.errors import InvalidCardToken
from models.members.cards import KEY_BYTES, PREFIX, CardSigner, signing_key
from tests.models.till import CARDS, NOW

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class TestSigningKey:
    async def test_the_key_is_random_and_kept(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker.begin() as session:
            first = await signing_key(session)
        async with sessionmaker.begin() as session:
            again = await signing_key(session)
        assert len(first) == KEY_BYTES
        assert again == first

    async def test_processes_starting_together_agree_on_one_key(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async def start() -> bytes:
            async with sessionmaker.begin() as session:
                return await signing_key(session)

        keys = await asyncio.gather(*(start() for _ in range(8)))
        assert len(set(keys)) == 1


class TestCanonicalTokens:
    def test_every_other_spelling_of_a_token_is_refused(self) -> None:
        token = CARDS.issue(42, NOW)
        assert CARDS.verify(token, NOW) == 42
        # 22 bytes take 30 characters, 180 bits: the last character carries 4 bits the decoder ignores.
        same_bytes = [
            token[:-1] + ch
            for ch in ALPHABET
            if ch != token[-1] and base64.urlsafe_b64decode(token[len(PREFIX) : -1] + ch + "==") == _raw(token)
        ]
        assert same_bytes, "the token's last character should have spare bits"
        for spelling in same_bytes:
            with pytest.raises(InvalidCardToken):
                CARDS.verify(spelling, NOW)

    def test_padding_is_not_another_spelling(self) -> None:
        with pytest.raises(InvalidCardToken):
            CARDS.verify(CARDS.issue(42, NOW) + "==", NOW)

    def test_a_token_signed_with_another_key_is_refused(self) -> None:
        with pytest.raises(InvalidCardToken):
            CardSigner(b"another key").verify(CARDS.issue(42, NOW), NOW)


def _raw(token: str) -> bytes:
    encoded = token[len(PREFIX) :]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
