"""Member numbers as people see and type them: the id, a dash, and a Damm check digit (member 21 is `21-0`).

The Damm algorithm catches every single wrong digit and every swap of two neighbouring digits, so `/sale 12-0`
typed for member 21 is refused instead of crediting member 12. The dash makes the check digit part of the shape:
without it one bare number in ten would be another member's number with its check digit, so a number typed without
its check digit (`21`, or `210`) is refused too.
"""

from __future__ import annotations

import re

from models.core.errors import MemberNumberMistyped

ID_DIGITS = 8  # the longest id a member number carries; with the check digit 9 digits, fewer than any phone's
_SHAPE = re.compile(rf"([0-9]{{1,{ID_DIGITS}}})-([0-9])")

# The Damm quasigroup of order 10 (a weakly totally anti-symmetric one), from Damm's 2004 thesis.
_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _interim(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _TABLE[interim][int(digit)]
    return interim


def shown(member_id: int) -> str:
    """The member number as shown to people: `572` is shown as `572-4`."""
    digits = str(member_id)
    return f"{digits}-{_interim(digits)}"


def looks_like(typed: str) -> bool:
    """Whether staff meant a member number, well typed or not: digits (9 at most, more make a phone number), maybe
    with dashes or spaces, and nothing else."""
    digits = sum(ch in "0123456789" for ch in typed)
    return 0 < digits <= ID_DIGITS + 1 and all(ch in "0123456789- " for ch in typed)


def read(typed: str) -> int:
    """The member id a typed member number (`<id>-<check digit>`) names; raises MemberNumberMistyped when the check
    digit does not match or is missing (`21`, `210`: the dash is part of the number)."""
    shape = _SHAPE.fullmatch(typed)
    if shape is None or _interim(shape.group(1) + shape.group(2)) != 0:
        raise MemberNumberMistyped()
    return int(shape.group(1))
