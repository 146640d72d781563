"""Stamp cards: "the sixth coffee is on us". Purchases add stamps; a full card issues its reward as a coupon.

Rules (the programme's `[[stamp_cards]]`): a purchase of the card's category earns one stamp per item (`x2` at the
till: two), as long as it comes to at least `min_purchase` per item (fewer stamps otherwise). A member's card keeps
two counts: the stamps earned (`stamps`) and the cards completed (`rewards`); the card shows `stamps - rewards x
size` ("4 of 6"). Whenever the stamps fill another card, its reward is issued as a coupon (key
`stamp:<card>:<sale>:<n>`) and a new card starts.

A refund takes back the stamps its sale gave. When the stamps left no longer fill the cards rewarded, unused reward
coupons are withdrawn (the sale's own first, then the newest); a reward already used stays with the member, and the
card starts again from zero (the business absorbs it, as a refund never takes points below zero). Every change is an
entry keyed by its sale (`StampEntry`), so a replayed sale adds nothing and the refund knows what its sale gave.

A card's reward is the catalogue offer it names, earned by stamps rather than chosen: its coupon is issued free of
points, whatever the offer's own limits, and a member may hold several at once. Withdrawing one marks it released, as
a lapsed coupon is.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Insert,
    ScalarSelect,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base, table_of
from models.core.portable import dialect_insert, dialect_of
from models.core.programme import Programme, StampCard
from models.core.sqlite_trips import write_later, write_with_next
from models.offers.coupons import (
    CODE_ALPHABET,
    CODE_LENGTH,
    EARNED_BY_STAMPS,
    Coupon,
    CouponView,
    expiry_of,
    is_live,
)
from models.points.purchases import Purchase


class StampCardState(Base):
    """One member's progress on one stamp card: stamps earned and cards completed, for ever (less refunds)."""

    __tablename__ = "stamp_cards"
    __table_args__ = (
        CheckConstraint("stamps >= 0", name="stamps_nonnegative"),
        CheckConstraint("rewards >= 0", name="rewards_nonnegative"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    card: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamps: Mapped[int]
    rewards: Mapped[int]


# The entries that completed a card: the condition of their index, and of the query that uses it, the same text in
# both (compared with a bound value, PostgreSQL's generic plans would not see that the index applies).
COMPLETED_A_CARD = text("rewards > 0")


class StampEntry(Base):
    """What one sale (or its refund) did to one card: stamps and completed cards added (or taken back)."""

    __tablename__ = "stamp_entries"
    __table_args__ = (
        CheckConstraint("stamps <> 0 OR rewards <> 0", name="changes_something"),
        # The entries that completed cards, for a refund that must withdraw a newer reward: only those, so that the
        # stamps of an ordinary sale add no row at a random place of an index (about 5% of the till's throughput
        # with stamp cards). A member's other entries are found through their purchases (`entries_of`).
        Index(
            "ix_stamp_entries_member_card",
            "member_id",
            "card",
            postgresql_where=COMPLETED_A_CARD,
            sqlite_where=COMPLETED_A_CARD,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    sale_key: Mapped[str] = mapped_column(String(120), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    card: Mapped[str] = mapped_column(String(32))
    stamps: Mapped[int]
    rewards: Mapped[int]
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class Reward:
    """A completed card's reward to issue: the card's offer, to the member, once per key."""

    member_id: int
    offer_id: str
    key: str


@dataclass(frozen=True)
class Progress:
    """A card as the member sees it: `have` of `card.stamps`, and the coupons the sale just completed (keys)."""

    card: StampCard
    have: int
    completed: tuple[str, ...] = ()


def _entry_key(card: str, sale_key: str) -> str:
    return f"stamps:{card}:{sale_key}"


def _reward_key(card: str, sale_key: str, number: int) -> str:
    return f"{EARNED_BY_STAMPS}{card}:{sale_key}:{number}"


def stamps_earned(card: StampCard, amount_cents: int, quantity: int) -> int:
    """The stamps a purchase of the card's category earns: one per item, while the items average `min_purchase`."""
    if not card.min_purchase:
        return quantity
    return min(quantity, int(amount_cents // (card.min_purchase * 100)))


@functools.cache
def _save_states(dialect: str) -> Insert:
    """The batch's new counts, absolute (the members' rows are held): an upsert, one statement for all."""
    statement = dialect_insert(dialect, table_of(StampCardState))
    return write_with_next(statement).on_conflict_do_update(
        index_elements=[StampCardState.member_id, StampCardState.card],
        set_={"stamps": statement.excluded.stamps, "rewards": statement.excluded.rewards},
    )


_STATES = select(StampCardState.member_id, StampCardState.card, StampCardState.stamps, StampCardState.rewards).where(
    StampCardState.member_id.in_(bindparam("members", expanding=True))
)
_ADD_ENTRIES = write_with_next(insert(table_of(StampEntry)))  # read back only by a later refund


def entries_of(member_id: int) -> ColumnElement[bool]:
    """SQL: the member's stamp entries, found through their purchases' keys (the member's own index on the entries
    holds only those that completed a card)."""
    purchases = table_of(Purchase).c
    keys = select(purchases.key).where(purchases.member_id == member_id)
    return and_(StampEntry.member_id == member_id, StampEntry.sale_key.in_(keys))


def packed_cards(member: SQLColumnExpression[int]) -> ScalarSelect[str | None]:
    """SQL: the member's cards as `card:stamps:rewards`, comma-separated, to read with their row in the statement
    that holds it (`models.till.sales`), rather than in one more of its own; `StampBook.unpack` reads it. Written on
    the table's columns, so that the statement stays Core (see `models.points.ledger.entries`)."""
    cards = table_of(StampCardState).c
    state = cards.card + ":" + cast(cards.stamps, String) + ":" + cast(cards.rewards, String)
    return select(func.aggregate_strings(state, ",")).where(cards.member_id == member).scalar_subquery()


_ADD_COUPONS = insert(Coupon)


async def _fresh_codes(session: AsyncSession, count: int) -> list[str]:
    """`count` new coupon codes, none of them taken (checked in one query, drawn again on the rare clash)."""
    codes: list[str] = []
    while len(codes) < count:
        drawn = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count - len(codes))}
        taken = set(await session.scalars(select(Coupon.code).where(Coupon.code.in_(drawn))))
        codes += sorted(drawn - taken - set(codes))
    return codes


async def _issue(
    session: AsyncSession, programme: Programme, rewards: Sequence[Reward], now: datetime
) -> dict[str, str]:
    """The rewards' coupons, in one statement; their codes as printed, by key."""
    codes = await _fresh_codes(session, len(rewards))
    rows: list[dict[str, object]] = []
    for reward, code in zip(rewards, codes, strict=True):
        offer = programme.offer(reward.offer_id)
        assert offer is not None  # the programme checks every card's reward at start
        rows.append(
            {
                "code": code,
                "key": reward.key,
                "member_id": reward.member_id,
                "offer_id": offer.id,
                "kind": offer.kind,
                "points": 0,
                "reserved": False,
                "issued_at": now,
                "expires_at": expiry_of(offer, programme, now),
            }
        )
    await session.execute(_ADD_COUPONS, rows)
    return {reward.key: CouponView.printed(code) for reward, code in zip(rewards, codes, strict=True)}


async def _withdraw(session: AsyncSession, keys: Sequence[str], at_most: int, now: datetime) -> list[str]:
    """Withdraw up to `at_most` of these reward coupons that are still unused, in the order given; their keys."""
    live = select(Coupon.key).where(Coupon.key.in_(keys), is_live(now)).with_for_update()  # type: ignore[arg-type]
    unused = set(await session.scalars(live))  # held: a cashier cannot use one while it is withdrawn
    chosen = [key for key in keys if key in unused][:at_most]
    if chosen:
        await session.execute(update(Coupon).where(Coupon.key.in_(chosen)).values(released_at=now))
    return chosen


@dataclass
class StampBook:
    """The stamp cards of the members in one transaction (whose rows it holds, their cards read with them), changed
    in memory and written at once: at most three statements (the counts, the entries, the reward coupons) however
    many sales."""

    programme: Programme
    now: datetime
    _states: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)  # (member, card): stamps, rewards
    _changed: set[tuple[int, str]] = field(default_factory=set)
    _entries: list[dict[str, object]] = field(default_factory=list)
    _due: list[Reward] = field(default_factory=list)

    def cards_for(self, category: str | None) -> list[StampCard]:
        return [card for card in self.programme.stamp_cards if card.category == category]

    def unpack(self, member_id: int, packed: str | None) -> None:
        """Take in a held member's cards as `packed_cards` read them."""
        for state in filter(None, (packed or "").split(",")):
            card, stamps, rewards = state.split(":")
            self._states[member_id, card] = (int(stamps), int(rewards))

    def add(
        self, member_id: int, category: str | None, amount_cents: int, quantity: int, sale_key: str
    ) -> tuple[Progress, ...]:
        """Stamp the member's cards for a purchase; each card of its category with its progress after it."""
        shown = []
        for card in self.cards_for(category):
            earned = stamps_earned(card, amount_cents, quantity)
            stamps, rewards = self._states.get((member_id, card.id), (0, 0))
            stamps += earned
            completed: list[str] = []
            while stamps >= (rewards + 1) * card.stamps:
                rewards += 1
                completed.append(_reward_key(card.id, sale_key, len(completed) + 1))
            if earned:
                self._states[member_id, card.id] = (stamps, rewards)
                self._changed.add((member_id, card.id))
                self._entries.append(
                    {
                        "key": _entry_key(card.id, sale_key),
                        "sale_key": sale_key,
                        "member_id": member_id,
                        "card": card.id,
                        "stamps": earned,
                        "rewards": len(completed),
                        "created_at": self.now,
                    }
                )
                self._due += [Reward(member_id, card.reward, key) for key in completed]
            shown.append(Progress(card, stamps - rewards * card.stamps, tuple(completed)))
        return tuple(shown)

    async def write(self, session: AsyncSession) -> dict[str, str]:
        """Store the counts and entries and issue the rewards due; the rewards' codes by key."""
        if not self._entries:
            return {}
        states = [
            {"member_id": member_id, "card": card, "stamps": stamps, "rewards": rewards}
            for (member_id, card), (stamps, rewards) in sorted(self._states.items())
            if (member_id, card) in self._changed
        ]
        await write_later(session, _save_states(dialect_of(session)), states)
        await write_later(session, _ADD_ENTRIES, self._entries)
        codes = await _issue(session, self.programme, self._due, self.now) if self._due else {}
        self._entries, self._due, self._changed = [], [], set()
        return codes


@dataclass(frozen=True)
class TakenBack:
    """What a refund did to one card: stamps taken back, rewards withdrawn (keys), the card after it."""

    progress: Progress
    stamps: int
    withdrawn: tuple[str, ...]


async def take_back(session: AsyncSession, programme: Programme, sale_key: str, now: datetime) -> list[TakenBack]:
    """Take back the stamps a refunded sale gave (see the module for the rewards withdrawn). The caller holds the
    member's row and calls it once per sale refunded."""
    given = (
        await session.scalars(select(StampEntry).where(StampEntry.sale_key == sale_key, StampEntry.stamps > 0))
    ).all()
    done = []
    for entry in given:
        card = next((card for card in programme.stamp_cards if card.id == entry.card), None)
        state = await session.get(StampCardState, (entry.member_id, entry.card), with_for_update=True)
        if card is None or state is None:
            continue  # a card the programme no longer runs keeps what it gave
        stamps = state.stamps - entry.stamps
        excess = state.rewards - stamps // card.stamps
        withdrawn: list[str] = []
        if excess > 0:
            own = [_reward_key(card.id, sale_key, number) for number in range(1, entry.rewards + 1)]
            withdrawn = await _withdraw(session, [*own, *await _newest_rewards(session, entry)], excess, now)
        rewards = state.rewards - len(withdrawn)
        stamps = max(stamps, rewards * card.stamps)  # a reward already used: the card starts again from zero
        if stamps != state.stamps or withdrawn:
            session.add(
                StampEntry(
                    key=f"{entry.key}:refunded",
                    sale_key=sale_key,
                    member_id=entry.member_id,
                    card=card.id,
                    stamps=stamps - state.stamps,
                    rewards=-len(withdrawn),
                    created_at=now,
                )
            )
        taken = state.stamps - stamps
        state.stamps, state.rewards = stamps, rewards
        done.append(TakenBack(Progress(card, stamps - rewards * card.stamps), taken, tuple(withdrawn)))
    await session.flush()
    return done


async def _newest_rewards(session: AsyncSession, refunded: StampEntry) -> list[str]:
    """The keys of the card's other reward coupons, newest first: withdrawn when the sale's own do not suffice."""
    rows = await session.execute(
        select(StampEntry.sale_key, StampEntry.rewards)
        .where(
            StampEntry.member_id == refunded.member_id,
            StampEntry.card == refunded.card,
            COMPLETED_A_CARD,
            StampEntry.sale_key != refunded.sale_key,
        )
        .order_by(StampEntry.id.desc())
    )
    return [
        _reward_key(refunded.card, sale_key, number) for sale_key, rewards in rows for number in range(rewards, 0, -1)
    ]


async def progress_of(session: AsyncSession, programme: Programme, member_id: int) -> list[Progress]:
    """The member's cards as they stand (every card of the programme, empty ones too)."""
    rows = await session.execute(_STATES, {"members": [member_id]})
    states = {card: (stamps, rewards) for _, card, stamps, rewards in rows}
    found = []
    for card in programme.stamp_cards:
        stamps, rewards = states.get(card.id, (0, 0))
        found.append(Progress(card, max(0, stamps - rewards * card.stamps)))
    return found
