"""Recording sales at the till: points earned, the tier recomputed, the referral paid, limits kept, all audited.

Earning rule: points = the part of the amount paid in money x `earning.points_per_100` / 100 x the multiplier of
the tier the member holds *before* the sale x the multiplier of the promotion that applies (at most one, see
`models.points.promotions`), computed exactly and rounded once at the end by `earning.rounding` ("down" by default:
5 points per 100 on 199.99 is 9 points). The sale then counts towards the tier (its whole amount), so a tier reached
takes effect from the next sale; a sale only ever moves a member up (drops wait for the nightly review and its grace,
`models.points.tiers`). A sale may pay part of the bill with points (`models.till.payment`) and add stamps to stamp
cards (`models.till.stamps`); the member hears of it all in one notice.

`record_sales` does the work of any number of sales in one transaction with a fixed number of statements (the rows
of all their members read at once, every purchase, entry, balance and audit line written in one statement each):
one sale at a time through `record_sale`, or many at once through the group commit of `models.till.desk`. What the
batch gathers and writes is `models.till.sale_batch`, the referral bonuses `models.till.referrals`, and what members
are told `models.till.sale_notices`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy import (
    bindparam,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberStats
from models.core import clock, updates
from models.core.amounts import parse_amount, parse_category, parse_quantity, parse_receipt
from models.core.base import table_of
from models.core.errors import DomainError, LimitExceeded, MemberForgotten, OwnMembership, UnknownMember
from models.core.programme import Programme, Promotion, Tier
from models.core.uow import writing
from models.members import lookup
from models.members.cards import CardSigner
from models.points import ledger, promotions
from models.points.purchases import Purchase, rolling_spend
from models.points.tiers import at_sale, moved, rank
from models.team import audit
from models.team.staff import Actor, placed
from models.till import payment
from models.till.limits import Tally, breach_trail
from models.till.referrals import pay_referrals, referral_due, referral_paid
from models.till.sale_batch import Batch, Decided, ReadSale, write_batch
from models.till.sale_notices import completed_rewards, tell
from models.till.stamps import Progress, StampBook, packed_cards


def points_for(programme: Programme, amount_cents: int, tier: Tier, promotion: Promotion | None = None) -> int:
    exact = Decimal(amount_cents) / 100 * programme.earning.points_per_100 / 100 * tier.multiplier
    if promotion is not None:
        exact *= promotion.multiplier
    rounding = ROUND_HALF_UP if programme.earning.rounding == "half_up" else ROUND_DOWN
    return int(exact.quantize(Decimal(1), rounding=rounding))


# Built once, at import: building a statement and its cache key costs more than running it for a batch of sales.
# What a batch reads about each member with their row (the rolling spend since `since`, whether their referral was
# paid), and which of its keys were recorded before. On the tables' columns, so that they run as Core (see
# `models.points.ledger.entries`).
_HOLD_FOR_SALE = ledger.hold_query(
    rolling_spend(ledger.MEMBER_ID, bindparam("since")), referral_paid(ledger.MEMBER_ID), referrers=True
)
# The same with each member's stamp cards, for a programme that runs some.
_HOLD_WITH_STAMPS = ledger.hold_query(
    rolling_spend(ledger.MEMBER_ID, bindparam("since")),
    referral_paid(ledger.MEMBER_ID),
    packed_cards(ledger.MEMBER_ID),
    referrers=True,
)
_STATS = table_of(MemberStats).c
_SEGMENTS = select(_STATS.member_id, _STATS.segment).where(_STATS.member_id.in_(bindparam("members", expanding=True)))
_PURCHASE_KEY = table_of(Purchase).c.key
_RECORDED = select(_PURCHASE_KEY).where(_PURCHASE_KEY.in_(bindparam("keys", expanding=True)))


def source_of(kind: str, chat_id: int, message_id: int) -> str:
    """What asked for a sale or a redemption, unique forever: a message in a chat (`msg`), or the question a typed
    answer replies to (`ask`: the panel's question, so that the question answered twice records once). Telegram's
    update ids are no key: they restart at a random value after a week without updates."""
    return f"{kind}:{chat_id}:{message_id}"


@dataclass(frozen=True)
class SaleRequest:
    """A sale as staff typed it: the member (number, phone or card code), the amount, optional category and receipt."""

    actor: Actor
    member: str
    amount: str
    category: str | None = None
    receipt: str | None = None
    source: str = ""  # what asked for the sale, unique forever (see `source_of`): its key when there is no receipt
    handled_update: int | None = None  # the update to record as handled with the sale (see `models.core.updates`)
    quantity: str | None = None  # items for stamp cards, as typed: x2
    pay_points: int = 0  # points that pay part of the bill, as quoted to the cashier (`models.till.payment.quote`)

    def __post_init__(self) -> None:
        if not self.receipt and not self.source:
            raise ValueError("a sale without a receipt needs its source")


@dataclass(frozen=True)
class SaleResult:
    created: bool
    member_id: int
    receipt: str | None
    amount_cents: int
    points: int
    balance: int
    tier: Tier
    promoted: bool
    notices: tuple[ledger.Notice, ...]
    telegram_id: int | None  # where the member hears of a promotion
    language: str
    paid_points: int = 0  # points that paid part of the bill
    covered_cents: int = 0  # what they paid
    stamps: tuple[Progress, ...] = ()  # the member's cards of the sale's category, after it
    rewards: tuple[tuple[str, str], ...] = ()  # coupons of the cards it completed: (offer, code as printed)
    promotion: Promotion | None = None  # the promotion its points were earned under


async def _read(
    session: AsyncSession, programme: Programme, cards: CardSigner, index: int, request: SaleRequest, now: datetime
) -> ReadSale:
    amount = parse_amount(request.amount, programme)
    category = parse_category(request.category, programme)
    receipt = None if request.receipt is None else parse_receipt(request.receipt)
    key = f"sale:{receipt}" if receipt else f"sale:{request.source}"
    quantity = parse_quantity(request.quantity)
    member_id = await lookup.member_id(session, request.member, cards, now)
    return ReadSale(index, request, amount, category, receipt, key, member_id, quantity)


async def _replays(
    session: AsyncSession, programme: Programme, book: ledger.Book, replayed: list[ReadSale]
) -> dict[int, SaleResult]:
    """What to answer for sales recorded before (in an earlier transaction or earlier in this batch)."""
    keys = [sale.key for sale in replayed]
    purchases = {p.key: p for p in await session.scalars(select(Purchase).where(Purchase.key.in_(keys)))}
    points = dict(
        (
            await session.execute(
                select(ledger.LedgerEntry.key, ledger.LedgerEntry.amount).where(ledger.LedgerEntry.key.in_(keys))
            )
        ).all()
    )
    await book.lock(purchase.member_id for purchase in purchases.values())
    results = {}
    for sale in replayed:
        purchase = purchases[sale.key]
        holder = book.holders[purchase.member_id]
        results[sale.index] = SaleResult(
            False,
            holder.member_id,
            purchase.receipt,
            purchase.amount_cents,
            points.get(sale.key, 0),
            book.balance(holder.member_id),
            programme.tier(holder.tier),
            False,
            (),
            holder.telegram_id,
            holder.language,
        )
    return results


async def record_sales(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    requests: Sequence[SaleRequest],
    now: datetime,
) -> list[SaleResult | DomainError]:
    """The work of several sales inside the caller's transaction, in order; each gets its result or its refusal.

    A sale's key is `sale:<receipt>`, or `sale:<source>` without a receipt: a key recorded before (or earlier
    in the same batch) is answered with `created=False` and changes nothing. A refused sale changes nothing; a limit
    breach leaves an audit line. The caller commits (or rolls back everything).
    """
    outcomes: list[SaleResult | DomainError | None] = [None] * len(requests)
    read: list[ReadSale] = []
    for index, request in enumerate(requests):
        try:
            read.append(await _read(session, programme, cards, index, request, now))
        except DomainError as refusal:
            outcomes[index] = refusal
    book = ledger.Book(session, now, clock.zone(programme))
    since = now - timedelta(days=programme.tiers.window_days)
    spenders = [sale.member_id for sale in read if sale.request.pay_points]
    hold = _HOLD_WITH_STAMPS if programme.stamp_cards else _HOLD_FOR_SALE
    facts = await book.lock((sale.member_id for sale in read), hold, spending=spenders, since=since)
    holders = book.holders
    spend = {member_id: int(extra[0]) for member_id, extra in facts.items()}
    paid = {f"referral:{member_id}" for member_id, extra in facts.items() if extra[1]}
    recorded = set(await session.scalars(_RECORDED, {"keys": [sale.key for sale in read]}))
    actors = await placed(session, programme, (sale.request.actor for sale in read))
    tally = await Tally.load(session, programme, actors.values(), now)
    batch = Batch([], [], [], {member_id: holders[member_id].tier for member_id in spend}, [], [])
    stamps = StampBook(programme, now)
    for member_id, extra in facts.items():
        stamps.unpack(member_id, extra[2] if programme.stamp_cards else None)
    segments = await _segments(session, programme, spend)
    decided: list[Decided] = []
    expires = programme.expiry.of_points_earned(now)
    replayed: list[ReadSale] = []
    for sale in read:
        holder = holders.get(sale.member_id)
        actor = actors[sale.request.actor.telegram_id]
        if holder is None or holder.forgotten:
            outcomes[sale.index] = UnknownMember(member=sale.request.member) if holder is None else MemberForgotten()
            continue
        if sale.key in recorded:
            replayed.append(sale)
            continue
        if holder.telegram_id == actor.telegram_id:
            outcomes[sale.index] = OwnMembership()
            continue
        tier = programme.tier(batch.tiers[sale.member_id])
        paying = sale.request.pay_points
        try:
            if paying:
                payment.points_to_pay(programme, sale.amount_cents, book.balance(sale.member_id), paying)
        except DomainError as refusal:  # the member's points changed since the cashier's quote
            outcomes[sale.index] = refusal
            continue
        promotion = promotions.best(
            programme, category=sale.category, tier=tier.name, segment=segments.get(sale.member_id), now=now
        )
        money = sale.amount_cents - ((payment.worth_cents(programme, paying) or 0) if paying else 0)
        points = points_for(programme, money, tier, promotion)
        due = referral_due(programme, book, sale, paid)
        triggered = points + paying + sum(bonus.amount for bonus in due)  # what the cashier moves, bonuses too
        try:
            tally.check(actor, points=triggered, amount_cents=sale.amount_cents, asked=sale.request.amount)
        except LimitExceeded as breach:
            outcomes[sale.index] = breach
            line, alert = breach_trail(actor, breach, now)
            batch.audits.append(line)
            batch.messages.append(alert)
            continue
        recorded.add(sale.key)
        tally.add(actor, triggered)
        batch.purchases.append(
            {
                "member_id": sale.member_id,
                "amount_cents": sale.amount_cents,
                "category": sale.category,
                "receipt": sale.receipt,
                "key": sale.key,
                "staff_id": actor.telegram_id,
                "created_at": now,
                "branch": actor.branch,
            }
        )
        reason = f"#{sale.receipt}" if sale.receipt else ""
        if paying:
            book.post(
                member_id=sale.member_id,
                amount=-paying,
                kind="pay",
                reason=reason,
                key=payment.pay_key(sale.key),
                now=now,
                rule="point_value",
                actor_id=actor.telegram_id,
                lots=await _lots_for(book, batch, sale.member_id, paying),
                branch=actor.branch,
            )
            batch.owners.append((sale.index, "pay"))
        if points:
            rule = f"earning x{tier.multiplier}" + (f" {promotion.id} x{promotion.multiplier}" if promotion else "")
            book.post(
                member_id=sale.member_id,
                amount=points,
                kind="sale",
                reason=reason,
                key=sale.key,
                now=now,
                rule=rule,
                actor_id=actor.telegram_id,
                expires_at=expires,
                branch=actor.branch,
            )
            batch.owners.append((sale.index, "sale"))
        pay_referrals(book, batch, sale, due, paid, expires, now)
        progress = stamps.add(sale.member_id, sale.category, sale.amount_cents, sale.quantity, sale.key)
        spend[sale.member_id] += sale.amount_cents
        new_tier = at_sale(programme, tier.name, spend[sale.member_id])  # `tier` is still the one held
        promoted = new_tier is not tier and rank(programme, new_tier) > rank(programme, tier)
        batch.tiers[sale.member_id] = new_tier.name
        detail = (
            f"amount_cents={sale.amount_cents} points={points} paid={paying} quantity={sale.quantity}"
            f" category={sale.category or '-'}"
        )
        line = audit.line(actor, "sale", now=now, member_id=sale.member_id, subject=sale.key, detail=detail)
        batch.audits.append(line)
        if promoted:
            batch.messages += moved(programme, holder.telegram_id, holder.language, tier, new_tier)
        used = promotion if points else None
        decided.append(Decided(sale, points, paying, promoted, book.balance(sale.member_id), progress, used))
    posted = batch.written + await book.write()
    codes = await stamps.write(session)
    notices = tell(programme, book, batch, posted, decided, codes, now)
    handled = [updates.record(r.handled_update, now) for r in requests if r.handled_update is not None]
    await write_batch(session, batch, holders, tally, handled, now)
    for done in decided:
        sale = done.sale
        holder = holders[sale.member_id]
        outcomes[sale.index] = SaleResult(
            True,
            sale.member_id,
            sale.receipt,
            sale.amount_cents,
            done.points,
            done.balance,
            programme.tier(batch.tiers[sale.member_id]),
            done.promoted,
            tuple(notices.get(sale.index, ())),
            holder.telegram_id,
            holder.language,
            done.paid,
            payment.worth_cents(programme, done.paid) or 0,
            done.stamps,
            completed_rewards(done.stamps, codes),
            done.promotion,
        )
    if replayed:
        for index, result in (await _replays(session, programme, book, replayed)).items():
            outcomes[index] = result
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


async def _segments(session: AsyncSession, programme: Programme, member_ids: Iterable[int]) -> dict[int, str]:
    """The members' RFM segments, read only when a promotion asks for one."""
    if not any(promotion.segment for promotion in programme.promotions):
        return {}
    return dict((await session.execute(_SEGMENTS, {"members": sorted(member_ids)})).all())


async def _lots_for(book: ledger.Book, batch: Batch, member_id: int, points: int) -> tuple[tuple[int, int], ...]:
    """The lots that pay `points`. Points the batch credited earlier are lots only once written: when the lots read
    fall short, the postings so far are written and the member's lots read again (rare: one member, two sales)."""
    taken = book.take(member_id, points)
    if taken is None:
        batch.written += await book.write()
        await book.settle([member_id], spending=[member_id])
        taken = book.take(member_id, points)
    assert taken is not None, "the held balance covers it, so the lots do"
    return taken


async def record_sale(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    amount: str,
    category: str | None,
    receipt: str | None,
    source: str,
    now: datetime,
    quantity: str | None = None,
    pay_points: int = 0,
) -> SaleResult:
    """Record one purchase and its points, once per receipt (or per source, see `source_of`, without one).

    A limit breach is refused and raises LimitExceeded; its trail (audit line, owners' alert) is written with the
    refusal, so the caller commits in either case.
    """
    await writing(session)
    request = SaleRequest(actor, member, amount, category, receipt, source, None, quantity, pay_points)
    (outcome,) = await record_sales(session, programme, cards, [request], now)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome
