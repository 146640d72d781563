"""What a campaign message looks like to its recipient; the manager's preview uses the same function."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from models.programme import Offer


def campaign_text(
    t: Translator,
    text: str,
    offer: Offer | None = None,
    coupon_code: str | None = None,
    coupon_until: date | None = None,
) -> str:
    """The campaign's HTML text, then the offer it carries in the member's language and their coupon, if any."""
    parts = [text]
    if offer is not None:
        parts.append(
            t("campaign-offer", title=offer.title.in_(t.language), description=offer.description.in_(t.language))
        )
    if coupon_code is not None:
        if coupon_until is None:
            parts.append(t("campaign-coupon", code=coupon_code))
        else:
            parts.append(t("campaign-coupon-until", code=coupon_code, date=coupon_until))
    return "\n\n".join(parts)
