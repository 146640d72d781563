"""What staff type at the till, read strictly: amounts of money, points, receipt numbers, categories.

Each parser returns the value or raises a DomainError whose text shows an example of the right form.
"""

from __future__ import annotations

import re

from models.core.errors import BadAmount, BadPay, BadPoints, BadQuantity, BadReceipt, UnknownCategory
from models.core.programme import Programme

AMOUNT = re.compile(r"^(\d{1,12})(?:[.,](\d{1,2}))?$")
RECEIPT = re.compile(r"^#?([A-Za-z0-9][A-Za-z0-9_/-]{0,59})$")
AMOUNT_EXAMPLE = "450.50"
MAX_POINTS_DIGITS = 9
QUANTITY = re.compile(r"^[xх×](\d{1,9})$", re.IGNORECASE)  # x2, or with the Cyrillic х a Russian keyboard types
MAX_QUANTITY = 20  # items of one category in one sale that earn stamps; more is a typo
PAY_MAX = "max"
ID = re.compile(r"^#?(\d{1,15})$")  # Telegram user ids and our own ids fit; a longer number is a typo


def parse_amount(text: str, programme: Programme) -> int:
    """Cents from `450`, `450.50` or `450,50`; anything else (zero, negative, above `earning.max_sale`) is refused."""
    found = AMOUNT.match(text.strip())
    limit = programme.earning.max_sale
    cents = 0 if found is None else int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    if cents <= 0 or cents > limit * 100:
        raise BadAmount(given=text, example=AMOUNT_EXAMPLE, max=str(limit))
    return cents


def parse_points(text: str) -> int:
    """A positive whole number of points."""
    cleaned = text.strip()
    if not cleaned.isdecimal() or len(cleaned) > MAX_POINTS_DIGITS or int(cleaned) == 0:
        raise BadPoints(given=text)
    return int(cleaned)


def parse_id(text: str) -> int | None:
    """A user, campaign or record id as typed (`1042` or `#1042`), or None when it cannot be one."""
    found = ID.match(text.strip())
    return None if found is None else int(found.group(1))


def parse_receipt(text: str) -> str:
    """A receipt number as typed (`#A-1042` or `A-1042`), without its `#`."""
    found = RECEIPT.match(text.strip())
    if found is None:
        raise BadReceipt(given=text)
    return found.group(1)


def parse_category(text: str | None, programme: Programme) -> str | None:
    """One of the programme's categories, by name in any letter case; the refusal lists the valid ones."""
    if text is None:
        return None
    name = text.strip().lower()
    if name not in programme.categories:
        raise UnknownCategory(given=text, valid=", ".join(programme.categories))
    return name


def looks_like_quantity(word: str) -> bool:
    return QUANTITY.match(word.strip()) is not None


def parse_quantity(text: str | None) -> int:
    """How many items a sale is for (`x2`), 1 when not given; 0 or more than MAX_QUANTITY is refused."""
    if text is None:
        return 1
    found = QUANTITY.match(text.strip())
    count = 0 if found is None else int(found.group(1))
    if not 1 <= count <= MAX_QUANTITY:
        raise BadQuantity(given=text, max=MAX_QUANTITY)
    return count


def parse_pay(text: str) -> int | None:
    """Points to pay with from `pay=150` (or `150`); None for `pay=max`, the most the bill allows."""
    value = text.strip().lower().removeprefix("pay=")
    if value == PAY_MAX:
        return None
    if not value.isdecimal() or len(value) > MAX_POINTS_DIGITS or int(value) == 0:
        raise BadPay(given=text)
    return int(value)
