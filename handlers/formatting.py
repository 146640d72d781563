"""How numbers look in messages, the same in every feature."""

from __future__ import annotations


def money(cents: int) -> str:
    """`1 000`, `450.50`, `−12.30`: thousands apart, kopecks or cents only when there are any."""
    sign = "−" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return sign + f"{whole:,}".replace(",", " ") + (f".{part:02d}" if part else "")
