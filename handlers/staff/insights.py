"""The analytics lines of the staff value card."""

from __future__ import annotations

from handlers.customer.offers import category_name
from handlers.i18n import Translator
from models.analytics.habits import SLOT_HOURS
from models.core.clock import business_day
from models.core.programme import Programme
from models.till.insights import Insights


def insight_lines(t: Translator, programme: Programme, insights: Insights | None) -> list[str]:
    """Segment and RFM, rhythm, favourites, next visit, discount dependency, best offer, live coupons."""
    if insights is None:
        return [t("insight-none")]
    lines = [
        t(
            "insight-segment",
            segment=t.raw(f"segment-{insights.segment}"),
            r=insights.r,
            f=insights.f,
            m=insights.m,
        )
    ]
    if insights.usual_weekdays or insights.usual_hours:
        days = ", ".join(t.raw(f"weekday-{day}") for day in insights.usual_weekdays) or "—"
        hours = ", ".join(f"{hour}–{hour + SLOT_HOURS}" for hour in insights.usual_hours) or "—"
        lines.append(t("insight-rhythm", days=days, hours=hours))
    if insights.favourites:
        names = ", ".join(category_name(t, programme, category) for category in insights.favourites)
        lines.append(t("insight-favourites", categories=names))
    if insights.expected_next_visit is not None:
        lines.append(t("insight-next-visit", date=insights.expected_next_visit))
    lines.append(t("insight-discounts", percent=round(insights.discount_share * 100)))
    if (best := programme.offer(insights.best_offer or "")) is not None:
        lines.append(t("insight-best-offer", title=best.title.in_(t.language)))
    for coupon in insights.coupons:
        offer = programme.offer(coupon.offer_id)
        title = offer.title.in_(t.language) if offer else coupon.offer_id
        lines.append(
            t("insight-coupon", code=coupon.shown_code, title=title, date=business_day(programme, coupon.expires_at))
        )
    return lines
