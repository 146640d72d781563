"""Member numbers as people see and type them: the id followed by a Damm check digit.

The Damm algorithm catches every single wrong digit and every swap of two neighbouring digits, so `/sale 12...`
typed for member 21 is refused instead of crediting member 12.
"""

from __future__ import annotations

from models.core.errors import MemberNumberMistyped

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
    """The member number as shown to people: `12` is shown as `125`."""
    digits = str(member_id)
    return digits + str(_interim(digits))


def read(typed: str) -> int:
    """The member id a typed member number (decimal digits, check digit last) names; raises MemberNumberMistyped
    when the check digit does not match, which is also what a number typed without its check digit gets."""
    if len(typed) < 2 or not typed.isdecimal() or _interim(typed) != 0:
        raise MemberNumberMistyped()
    return int(typed[:-1])
