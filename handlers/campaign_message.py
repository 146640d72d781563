"""What a campaign message looks like to its recipient: the scheduler's delivery sends it, the manager's preview
shows it, both through this one function, which sits in the handlers layer so that both may import it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.i18n import Translator
from models.core.clock import DEFAULT_ZONE
from models.core.programme import Offer
from models.offers.coupons import CouponView


def campaign_text(
    t: Translator, text: str, offer: Offer | None = None, coupon: CouponView | None = None, timezone: str = DEFAULT_ZONE
) -> str:
    """The campaign's HTML text, then the offer it carries in the member's language and their coupon, if any."""
    parts = [text]
    if offer is not None:
        parts.append(
            t("campaign-offer", title=offer.title.in_(t.language), description=offer.description.in_(t.language))
        )
    if coupon is not None:
        until = coupon.expires_at.astimezone(ZoneInfo(timezone)).date()
        parts.append(t("campaign-coupon", code=coupon.shown_code, date=until))
    return "\n\n".join(parts)


def sample_coupon(t: Translator, offer: Offer, now: datetime) -> CouponView:
    """A coupon as a recipient of the preview would get it, with a placeholder code."""
    code = t.raw("campaign-coupon-sample")
    return CouponView(code, 0, offer.id, offer.kind, 0, now, now + timedelta(days=offer.valid_days), None)
