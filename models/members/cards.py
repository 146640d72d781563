"""Member card tokens: signed and short-lived, so a screenshot of a card stops working after a few minutes.

A token is `c` + base64url(member id, issue time, truncated HMAC-SHA256): short enough for a `/start` payload
(64 characters of [A-Za-z0-9_-]) and for a QR code a phone camera reads at a glance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime, timedelta

from models.core.errors import ExpiredCardToken, InvalidCardToken

PREFIX = "c"
TTL = timedelta(minutes=5)
_LAYOUT = struct.Struct(">QI")  # member id, issue time (unix seconds)
_MAC_BYTES = 10


class CardSigner:
    """Issues and checks card tokens with a key that never leaves the process."""

    def __init__(self, secret: bytes, ttl: timedelta = TTL) -> None:
        self._key = hashlib.sha256(b"loyalty-card-token:" + secret).digest()
        self.ttl = ttl

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, member_id: int, now: datetime) -> str:
        body = _LAYOUT.pack(member_id, int(now.timestamp()))
        return PREFIX + base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def verify(self, token: str, now: datetime) -> int:
        """The member id the token was issued for; raises when it is forged, malformed or too old."""
        if not token.startswith(PREFIX):
            raise InvalidCardToken()
        encoded = token[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (ValueError, TypeError):
            raise InvalidCardToken() from None
        if len(raw) != _LAYOUT.size + _MAC_BYTES:
            raise InvalidCardToken()
        body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidCardToken()
        member_id, issued = _LAYOUT.unpack(body)
        age = now.timestamp() - issued
        if age > self.ttl.total_seconds() or age < -60:
            raise ExpiredCardToken()
        return int(member_id)

    @staticmethod
    def looks_like_token(payload: str) -> bool:
        return payload.startswith(PREFIX) and len(payload) > 20
