"""Personal offers end to end over the fake Bot API: reasons from the member's own purchases, a coupon activated
with its QR code, used once at the till; used, expired and another member's coupons refused with the reason."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.analytics.member_stats import MemberStats
from models.core.base import utcnow
from models.core.uow import transaction
from models.members.numbers import shown
from models.offers.coupons import Coupon, issue_coupon
from tests.journeys import eventually, join, press, send
from tests.support.app import OWNER
from tests.test_enrolment_e2e import decode_qr

ANNA = FakeUser(id=5101, first_name="Anna", language_code="en")
BORIS = FakeUser(id=5102, first_name="Борис", language_code="ru")
CROISSANT = "A fresh croissant with your coffee"
NOT_BOUGHT = ("Tea", "Breakfast", "Seasonal drinks", "Coffee beans")


async def sell(telegram: FakeTelegram, member: int, words: str) -> None:
    answer = await send(telegram, OWNER, f"/sale {shown(member)} {words}")
    assert "recorded" in (answer.text or ""), answer.text


async def regular(app: App, telegram: FakeTelegram, user: FakeUser) -> int:
    """A member who has bought coffee three times and a pastry once (their analytics follow each sale)."""
    number = await join(telegram, user)
    for words in ("400 coffee", "400 coffee", "400 pastry", "400 coffee"):
        await sell(telegram, number, words)

    async def notified() -> bool | None:  # each sale's notice comes through the outbox, just after the answer
        notices = [sent for sent in telegram.messages_to(user.id) if "+20 points" in (sent.text or "")]
        return True if len(notices) == 4 else None

    await eventually(notified, "the member did not hear of each sale")

    async def counted() -> int | None:  # the refresh runs just after the cashier's answer
        async with transaction(app.sessionmaker) as session:
            frequency = await session.scalar(select(MemberStats.frequency).where(MemberStats.member_id == number))
        return number if frequency == 4 else None

    return await eventually(counted, "the member's analytics did not follow the sales")


async def activate(telegram: FakeTelegram, user: FakeUser, offers: Sent, title: str) -> tuple[str, Sent]:
    """Tap "Activate" under the offer; returns the coupon code read from the QR code, and the photo's message."""
    mark = len(telegram.sent)
    await press(telegram, user, offers, title)
    photo = await telegram.wait_for(user.id, after=mark, method="sendPhoto")
    code = decode_qr(photo.file_bytes or b"")
    assert code in (photo.text or "")
    return code, photo


class TestOffers:
    async def test_best_three_with_reasons_from_the_members_own_purchases(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await regular(app, telegram, ANNA)
        offers = await send(telegram, ANNA, "🎁 Offers")
        text = offers.text or ""
        assert text.startswith("🎁 Picked for you")
        reasons = [line for line in text.splitlines() if line.startswith("Why you:")]
        assert len(reasons) == 3
        assert any("Coffee" in line for line in reasons), reasons
        assert not any(name in line for line in reasons for name in NOT_BOUGHT), reasons
        assert "Taste the whole menu: collect all six: 2 of 6" in text
        assert "No badges yet" in text
        assert [button["text"] for button in offers.buttons()][:2] == [
            f"Activate: {CROISSANT}",
            "Activate: A cappuccino on us",
        ]

    async def test_a_newcomer_is_offered_a_first_treat(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, BORIS)
        text = (await send(telegram, BORIS, "/offers")).text or ""
        assert "Подобрано для вас" in text
        assert "первая покупка ещё впереди" in text


class TestCouponLifecycle:
    async def test_activate_show_redeem_once(self, app: App, telegram: FakeTelegram) -> None:
        number = await regular(app, telegram, ANNA)
        offers = await send(telegram, ANNA, "/offers")
        code, photo = await activate(telegram, ANNA, offers, CROISSANT)
        assert "Valid until" in (photo.text or "")
        again, _ = await activate(telegram, ANNA, offers, CROISSANT)  # a double tap shows the same coupon
        assert again == code
        listed = await send(telegram, ANNA, "/offers")
        assert f"Your coupon: {code}" in (listed.text or "")  # under "Your coupons": its offer is used up
        assert listed.button("Show my coupon")

        mark = len(telegram.sent)
        used = await send(telegram, OWNER, f"/redeem {code}")
        assert f"Coupon {code} used: {CROISSANT} for member №{shown(number)}" in (used.text or "")
        told = await telegram.wait_for(ANNA.id, after=mark, contains="was used")
        assert code in (told.text or "")
        twice = await send(telegram, OWNER, f"/redeem {code.lower()}")
        assert "was already used" in (twice.text or "")

    async def test_expired_and_foreign_and_unknown_codes_are_refused(self, app: App, telegram: FakeTelegram) -> None:
        anna = await regular(app, telegram, ANNA)
        boris = await join(telegram, BORIS)
        async with transaction(app.sessionmaker) as session:
            old = await issue_coupon(
                session, app.programme, anna, "tasting_evening", utcnow() - timedelta(days=40), "t1"
            )
            await session.commit()
        expired = await send(telegram, OWNER, f"/redeem {old.coupon.shown_code}")
        assert "expired on" in (expired.text or "")

        code, _ = await activate(telegram, ANNA, await send(telegram, ANNA, "/offers"), CROISSANT)
        foreign = await send(telegram, OWNER, f"/redeem {shown(boris)} {code}")
        assert f"belongs to another member, not to member №{shown(boris)}" in (foreign.text or "")
        unknown = await send(telegram, OWNER, "/redeem ABCD-EFGH")
        assert "is not a coupon code" in (unknown.text or "")
        async with transaction(app.sessionmaker) as session:
            rows = (await session.scalars(select(Coupon).order_by(Coupon.id))).all()
        assert [row.redeemed_at for row in rows] == [None, None]
        mine = await send(telegram, OWNER, f"/redeem {shown(anna)} {code}")
        assert re.search(rf"Coupon {code} used", mine.text or "")


class TestValueCard:
    async def test_member_card_shows_segment_rhythm_favourites_and_coupons(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        number = await regular(app, telegram, ANNA)
        code, _ = await activate(telegram, ANNA, await send(telegram, ANNA, "/offers"), CROISSANT)
        card = (await send(telegram, OWNER, f"/member {shown(number)}")).text or ""
        assert "Segment: new · R5 F5 M5" in card  # the only buyer so far
        assert "❤️ Favourites: Coffee\n" in card  # a single pastry is not yet a favourite
        assert "Usually: " in card
        assert "Discount dependency: 0%" in card
        assert f"Coupon {code}: {CROISSANT}" in card
