"""Domain exceptions: each names a situation the interface turns into a short, helpful answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

Trail = Callable[[AsyncSession], Awaitable[None]]


class DomainError(Exception):
    """A request the rules refuse; nothing was changed. `code` picks the text shown to the user, `details` fill it in.

    Only the code is the exception's message: details may be what someone typed or a phone number, and an error's
    message reaches the logs (aiogram logs the chain when an answer fails), so they stay out of `args`, str and repr.

    A refusal that must leave a trace (a cashier's limit breach is audited and owners hear of it) carries it as
    `trail`: the unit of work rolls the request back, then writes the trail in its place.
    """

    code = "error"
    trail: Trail | None = None

    def __init__(self, **details: object) -> None:
        super().__init__(self.code)
        self.details = details


class NotAMember(DomainError):
    code = "not-a-member"


class UnknownMember(DomainError):
    code = "unknown-member"


class MemberNumberMistyped(DomainError):
    """A member number whose check digit does not match: mistyped, or typed without its check digit."""

    code = "member-number-mistyped"


class MemberForgotten(DomainError):
    code = "member-forgotten"


class InsufficientPoints(DomainError):
    code = "insufficient-points"


class InvalidCardToken(DomainError):
    code = "card-invalid"


class ExpiredCardToken(DomainError):
    code = "card-expired"


class NotYourContact(DomainError):
    code = "contact-not-yours"


class BadAmount(DomainError):
    code = "bad-amount"


class BadPoints(DomainError):
    code = "bad-points"


class UnknownCategory(DomainError):
    code = "unknown-category"


class BadReceipt(DomainError):
    code = "bad-receipt"


class UnknownReceipt(DomainError):
    code = "unknown-receipt"


class BadPay(DomainError):
    """`pay=` with something other than a number of points or `max`."""

    code = "bad-pay"


class CannotPayWithPoints(DomainError):
    """Points cannot pay this much of the bill (`reason`: off, balance, share or nothing); `details` say what can."""

    code = "cannot-pay"


class BadQuantity(DomainError):
    """A stamp quantity (`x2`) outside 1..`max`."""

    code = "bad-quantity"


class LimitExceeded(DomainError):
    """A cashier asked for more than their limit allows; owners are told."""

    code = "limit-exceeded"


class OwnMembership(DomainError):
    """Staff acting at the till on their own membership: a colleague must do it."""

    code = "own-membership"


class RefundNeedsManager(DomainError):
    """A refund beyond what a cashier may do alone (`reason`: max_sale or window); an admin or owner must do it."""

    code = "refund-needs-manager"


class BadStaffRole(DomainError):
    code = "bad-staff-role"


class OwnerFromSettings(DomainError):
    code = "owner-from-settings"


class NotStaff(DomainError):
    code = "not-staff"


class UnknownEntry(DomainError):
    code = "unknown-entry"


class InvalidChoice(DomainError):
    """A button carried a value the programme does not offer (a forged or outdated button)."""

    code = "choice-invalid"


class BirthdayOutOfRange(DomainError):
    code = "birthday-out-of-range"


class BirthdayLocked(DomainError):
    """The birthday was changed less than a year ago; `date` says when it may change again."""

    code = "birthday-locked"


class CampaignUnknownSegment(DomainError):
    code = "campaign-segment"


class CampaignTextEmpty(DomainError):
    code = "campaign-text-empty"


class CampaignTextTooLong(DomainError):
    code = "campaign-text-long"


class CampaignUnknownOffer(DomainError):
    code = "campaign-offer"


class CampaignBadHoldout(DomainError):
    code = "campaign-holdout"


class CampaignTimeInPast(DomainError):
    code = "campaign-past"


class CampaignNotFound(DomainError):
    code = "campaign-not-found"


class CampaignNotCancellable(DomainError):
    code = "campaign-not-cancellable"


class UnknownOffer(DomainError):
    code = "offer-unknown"


class OfferUnavailable(DomainError):
    """The offer is not open to this member now (its dates, their segment or points, or it fills from purchases)."""

    code = "offer-unavailable"


class OfferLimitReached(DomainError):
    code = "offer-limit"


class CouponUnknown(DomainError):
    code = "coupon-unknown"


class CouponUsed(DomainError):
    code = "coupon-used"


class CouponExpired(DomainError):
    code = "coupon-expired"


class CouponForeign(DomainError):
    """The coupon belongs to a different member than the one at the till."""

    code = "coupon-foreign"


class UnknownBranch(DomainError):
    """A branch id the programme does not define; `branches` lists the ones it does."""

    code = "unknown-branch"


class BranchNeeded(DomainError):
    """A cashier appointed without a branch in a programme with branches: their sales must say where they were."""

    code = "branch-needed"


class AdjustmentNeedsAdmin(DomainError):
    """A cashier asked to adjust points by hand: admins and owners do that."""

    code = "adjust-needs-admin"


class AdjustmentNeedsReason(DomainError):
    """No reason given (or one too long): the member is told why their points moved."""

    code = "adjust-needs-reason"


class BadAdjustment(DomainError):
    """Not `+points` or `-points`."""

    code = "bad-adjustment"


class AdjustmentBelowZero(DomainError):
    """A negative adjustment larger than the balance: a balance never goes below zero."""

    code = "adjust-below-zero"


class InvitationUnknown(DomainError):
    """A staff invitation link that was never made (mistyped, or cut short when copied)."""

    code = "invitation-unknown"


class InvitationUsed(DomainError):
    code = "invitation-used"


class InvitationExpired(DomainError):
    code = "invitation-expired"
