"""The lines a sale or a refund adds to what people see: points paying the bill, stamp cards, rewards, promotions.

Shared by the member's notice (`handlers.notices`), the cashier's answers (`handlers.staff.till`, `refund`) and the
member's /balance and /card, so that a stamp card reads the same everywhere: `☕ 4 of 6 · A cappuccino on us`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers.formatting import money
from handlers.i18n import Translator
from models.core.programme import Programme
from models.till.payment import worth_cents


def paid_line(t: Translator, programme: Programme, *, points: int, covered: int, remaining: int) -> str:
    return t(
        "till-paid", points=points, covered=money(covered), remaining=money(remaining), currency=programme.currency
    )


def worth_line(t: Translator, programme: Programme, points: int) -> list[str]:
    """What the points pay at the till; nothing when points do not pay bills in this programme."""
    worth = worth_cents(programme, points)
    return [] if worth is None else [t("till-worth", amount=money(worth), currency=programme.currency)]


def stamp_lines(t: Translator, programme: Programme, cards: Iterable[tuple[str, int]]) -> list[str]:
    """`☕ 4 of 6 · A cappuccino on us` for each (card id, stamps on it) of a card the programme still runs."""
    lines = []
    by_id = {card.id: card for card in programme.stamp_cards}
    for card_id, have in cards:
        card = by_id.get(card_id)
        offer = None if card is None else programme.offer(card.reward)
        if card is not None and offer is not None:
            title = offer.title.in_(t.language)
            lines.append(t("till-stamps", symbol=card.symbol, have=have, total=card.stamps, reward=title))
    return lines


def reward_lines(t: Translator, programme: Programme, rewards: Iterable[tuple[str, str]], key: str) -> list[str]:
    """A line per reward coupon (offer id, code) a completed card issued, in the words of text `key`."""
    lines = []
    for offer_id, code in rewards:
        offer = programme.offer(offer_id)
        lines.append(t(key, code=code, title=offer.title.in_(t.language) if offer else offer_id))
    return lines


def promotion_line(t: Translator, programme: Programme, promotion_id: str, ends: dict[str, str]) -> list[str]:
    """`🔥 Double points on pastries until Sunday`; `ends` is {kind: value} (see `models.points.promotions.Until`)."""
    promotion = next((p for p in programme.promotions if p.id == promotion_id), None)
    if promotion is None:
        return []
    title = promotion.title.in_(t.language)
    kind, value = next(iter(ends.items()), ("none", ""))
    until = t.raw(f"till-until-{value}") if kind == "weekday" else value
    return [t("till-promotion", title=title, kind=kind, until=until)]


def notice_lines(t: Translator, programme: Programme, payload: dict[str, Any]) -> list[str]:
    """What a sale's or a refund's notice says beyond its ledger entry (see `models.till.sales`, `refunds`)."""
    lines = []
    if paid := payload.get("paid"):
        lines.append(paid_line(t, programme, **paid))
    if returned := payload.get("returned"):
        lines.append(t("till-returned", points=returned))
    if promotion := payload.get("promotion"):
        ends = {kind: value for kind, value in promotion.items() if kind != "id"}
        lines += promotion_line(t, programme, promotion["id"], ends)
    lines += stamp_lines(t, programme, payload.get("stamps", ()))
    lines += reward_lines(t, programme, payload.get("rewards", ()), "till-reward")
    if payload.get("withdrawn"):
        lines.append(t("till-withdrawn"))
    return lines
