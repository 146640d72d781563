"""What members hear of a batch's sales: each sale in one message (its points, what points paid, its stamps, the
rewards it completed, its promotion), and the referral bonuses it paid in their own."""

from __future__ import annotations

from datetime import datetime

from models.core import outbox
from models.core.programme import Programme
from models.points import ledger, promotions
from models.till import payment
from models.till.sale_batch import Batch, Decided
from models.till.stamps import Progress


def completed_rewards(progress: tuple[Progress, ...], codes: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The coupons of the cards a sale completed: (offer, code as printed)."""
    return tuple((card.card.reward, codes[key]) for card in progress for key in card.completed)


def tell(
    programme: Programme,
    book: ledger.Book,
    batch: Batch,
    posted: list[ledger.Posted],
    decided: list[Decided],
    codes: dict[str, str],
    now: datetime,
) -> dict[int, list[ledger.Notice]]:
    """Queue what members hear: each sale in one message (its points, what points paid, its stamps, rewards and
    promotion), the bonuses it paid in their own; returns each sale's notices."""
    notices: dict[int, list[ledger.Notice]] = {}
    own: dict[int, dict[str, ledger.Notice]] = {}
    for (owner, role), item in zip(batch.owners, posted, strict=True):
        target = book.holders[item.member_id]
        if target.telegram_id is None or target.forgotten:
            continue
        notice = ledger.Notice(target.telegram_id, target.language, item)
        notices.setdefault(owner, []).append(notice)
        if role == "bonus":
            batch.messages.append(ledger.entry_message(notice))
        else:
            own.setdefault(owner, {})[role] = notice
    for done in decided:
        holder = book.holders[done.sale.member_id]
        if holder.telegram_id is None or holder.forgotten:
            continue
        entries = own.get(done.sale.index, {})
        main = entries.get("sale") or entries.get("pay")
        extra = _sale_extras(programme, done, codes, now)
        if main is not None:
            batch.messages.append(ledger.entry_message(main, extra))
        elif extra:
            payload = {"entry_id": None, "language": holder.language, **extra}
            batch.messages.append(outbox.Message(holder.telegram_id, outbox.ENTRY, payload))
    return notices


def _sale_extras(programme: Programme, done: Decided, codes: dict[str, str], now: datetime) -> dict[str, object]:
    """What a sale's notice says beyond its entry: what points paid, the stamp cards, the rewards, the promotion."""
    extra: dict[str, object] = {}
    if done.paid:
        covered = payment.worth_cents(programme, done.paid) or 0
        extra["paid"] = {"points": done.paid, "covered": covered, "remaining": done.sale.amount_cents - covered}
    if done.stamps:
        extra["stamps"] = [[card.card.id, card.have] for card in done.stamps]
        if rewards := completed_rewards(done.stamps, codes):
            extra["rewards"] = [list(reward) for reward in rewards]
    if done.promotion is not None:
        ends = promotions.until(programme, done.promotion, now)
        extra["promotion"] = {"id": done.promotion.id} | ({} if ends is None else {ends.kind: ends.value})
    return extra
