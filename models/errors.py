"""Domain exceptions: each names a situation the interface turns into a short, helpful answer."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; nothing was changed. `code` picks the text shown to the user."""

    code = "error"

    def __init__(self, **details: object) -> None:
        super().__init__(self.code, details)
        self.details = details


class NotAMember(DomainError):
    code = "not-a-member"


class UnknownMember(DomainError):
    code = "unknown-member"


class MemberForgotten(DomainError):
    code = "member-forgotten"


class InsufficientPoints(DomainError):
    code = "insufficient-points"


class AlreadyRecorded(DomainError):
    code = "already-recorded"


class InvalidCardToken(DomainError):
    code = "card-invalid"


class ExpiredCardToken(DomainError):
    code = "card-expired"


class InvalidReferral(DomainError):
    code = "referral-invalid"


class NotYourContact(DomainError):
    code = "contact-not-yours"
