"""/offers: the member's best offers with the reason each is theirs, coupons with QR codes, collections and badges."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import OfferActivate
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.images import qr_png
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.programme import Offer, Programme
from models.members.registry import MemberView
from models.offers.collections import Progress
from models.offers.coupons import CouponView
from models.offers.ranking import OffersPage, RankedOffer, Reason, activate_offer, offers_page


def category_name(t: Translator, programme: Programme, category: str) -> str:
    names = programme.categories.get(category)
    return names.in_(t.language) if names else category


def reason_text(t: Translator, programme: Programme, reason: Reason) -> str:
    """The reason's sentence: its key picks the text, its facts fill it in, in the member's language."""
    when = t.raw(f"rhythm-{reason.days or 'any'}-{reason.part or 'any'}") if reason.days or reason.part else ""
    return t(
        f"reason-{reason.key}",
        category=category_name(t, programme, reason.category) if reason.category else "",
        when=when,
        number=reason.number or 0,
        total=reason.total or 0,
        tier=programme.tier(reason.tier).title.in_(t.language) if reason.tier else "",
    )


def coupon_line(t: Translator, programme: Programme, coupon: CouponView) -> str:
    return t("offer-coupon-live", code=coupon.shown_code, date=business_day(programme, coupon.expires_at))


def _offer_block(t: Translator, programme: Programme, ranked: RankedOffer, page: OffersPage) -> str:
    offer = ranked.offer
    lines = [
        t("offer-title", title=offer.title.in_(t.language)),
        t("offer-description", text=offer.description.in_(t.language)),
        t("offer-why", reason=reason_text(t, programme, ranked.reason)),
    ]
    if offer.points_cost:
        lines.append(t("offer-cost", points=offer.points_cost, mode=offer.points_mode))
    if (coupon := page.coupon_for(offer.id)) is not None:
        lines.append(coupon_line(t, programme, coupon))
    return "\n".join(lines)


def _progress_line(t: Translator, progress: Progress) -> str:
    return t(
        "collection-progress", title=progress.offer.title.in_(t.language), done=progress.items, total=progress.total
    )


def _coupon_button(t: Translator, offer: Offer, live: bool) -> list[InlineKeyboardButton]:
    label = t.raw("offer-show-coupon" if live else "offer-activate", title=offer.title.in_(t.language))
    return [InlineKeyboardButton(text=label, callback_data=OfferActivate(offer=offer.id).pack())]


def render_offers(t: Translator, programme: Programme, page: OffersPage) -> tuple[str, InlineKeyboardMarkup | None]:
    blocks = [t("offers-title") if page.offers else t("offers-none")]
    blocks += [_offer_block(t, programme, ranked, page) for ranked in page.offers]
    shown = {ranked.offer.id for ranked in page.offers}
    held = [
        (offer, coupon)
        for coupon in page.coupons
        if coupon.offer_id not in shown and (offer := programme.offer(coupon.offer_id)) is not None
    ]
    if held:
        lines = [t("coupons-title")]
        lines += [
            t("coupon-held", title=offer.title.in_(t.language)) + " " + coupon_line(t, programme, coupon)
            for offer, coupon in held
        ]
        blocks.append("\n".join(lines))
    if page.progress:
        blocks.append("\n".join(_progress_line(t, progress) for progress in page.progress))
    titles = [offer.title.in_(t.language) for name in page.badges if (offer := programme.offer(name)) is not None]
    blocks.append(t("badges-list", badges=", ".join(titles)) if titles else t("badges-none"))
    buttons = [
        _coupon_button(t, ranked.offer, page.coupon_for(ranked.offer.id) is not None)
        for ranked in page.offers
        if ranked.offer.kind != "collection"
    ]
    buttons += [_coupon_button(t, offer, live=True) for offer, _ in held]
    return "\n\n".join(blocks), InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None


async def show_offers(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    page = await offers_page(session, programme, member.id, utcnow())
    text, markup = render_offers(t, programme, page)
    await message.answer(text, reply_markup=markup)


def coupon_caption(t: Translator, programme: Programme, offer: Offer, coupon: CouponView) -> str:
    lines = [
        t("coupon-caption", title=offer.title.in_(t.language), code=coupon.shown_code),
        t("coupon-until", date=business_day(programme, coupon.expires_at)),
    ]
    if coupon.points:
        lines.append(t("coupon-points", points=coupon.points, mode=offer.points_mode))
    return "\n".join(lines)


async def activate(
    query: CallbackQuery,
    callback_data: OfferActivate,
    event_update: Update,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    issued = await activate_offer(
        session, programme, member.id, callback_data.offer, utcnow(), key=f"activate:{event_update.update_id}"
    )
    offer = programme.offer(callback_data.offer)
    assert offer is not None  # activate_offer refuses offers the catalogue no longer has
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_photo(
            BufferedInputFile(qr_png(issued.coupon.shown_code), filename="coupon.png"),
            caption=coupon_caption(t, programme, offer, issued.coupon),
        )


def router(texts: Texts) -> Router:
    router = Router(name="offers")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(show_offers, Command("offers"))
    router.message.register(show_offers, F.text.in_(texts.variants("menu-offers")))
    router.callback_query.register(activate, OfferActivate.filter())
    return router
