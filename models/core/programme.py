"""The programme's rules, read from a TOML file (PRODUCT.md section 4) into one frozen, validated object."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.core.clock import DEFAULT_ZONE, known_zone

LANGUAGES = ("en", "ru")
# The RFM segments every member falls into (computed by `models.analytics`): campaigns and promotions name them.
Segment = Literal["champions", "loyal", "promising", "new", "at_risk", "hibernating", "lost"]
RFM_SEGMENTS: tuple[str, ...] = get_args(Segment)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)  # in the order of `date.weekday()`


class ProgrammeError(Exception):
    """The programme file cannot be used; the message names the field and the problem."""


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalText(_Rules):
    """A text the business writes in both of the bot's languages."""

    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def in_(self, language: str) -> str:
        return self.ru if language == "ru" else self.en


class Earning(_Rules):
    points_per_100: Decimal = Field(gt=0, description="points earned per 100 units of currency spent")
    rounding: Literal["down", "half_up"] = "down"
    max_sale: Decimal = Field(default=Decimal(1_000_000), gt=0, description="largest amount one sale may carry")


class StaffLimits(_Rules):
    """Defaults for every cashier; an owner may set other limits for one cashier with /staff add."""

    max_sale: Decimal = Field(default=Decimal(50_000), gt=0, description="largest single sale a cashier may record")
    points_per_day: int = Field(default=10_000, gt=0, description="points a cashier may move in one business day")
    refund_window_days: int = Field(
        default=14, gt=0, description="how old a sale a cashier may refund; older ones need an admin or owner"
    )
    adjust_points_per_day: int = Field(
        default=1_000, gt=0, description="points an admin may add or take away by hand (/adjust) in one business day"
    )


class Bonuses(_Rules):
    welcome: int = Field(default=0, ge=0)
    birthday: int = Field(default=0, ge=0)
    referral_inviter: int = Field(default=0, ge=0)
    referral_invitee: int = Field(default=0, ge=0)
    referral_min_purchase: Decimal = Field(
        default=Decimal(0), ge=0, description="the least purchase that pays the referral bonuses"
    )


class Expiry(_Rules):
    days: int = Field(gt=0, description="how long earned points live")
    remind_days_before: int = Field(default=14, ge=0)

    def of_points_earned(self, at: datetime) -> datetime:
        """When points earned at that moment expire: every lot, whatever earned it, lives the same `days`."""
        return at + timedelta(days=self.days)


class Tier(_Rules):
    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    title: LocalText
    threshold: Decimal = Field(ge=0, description="spend within the window that reaches this tier")
    multiplier: Decimal = Field(gt=0)
    perks: list[LocalText] = []


class Tiers(_Rules):
    window_days: int = Field(default=365, gt=0)
    grace_days: int = Field(
        default=0, ge=0, description="how long a member keeps a tier after their spend has fallen below it"
    )
    warn_days: int = Field(default=0, ge=0, description="how many days before a drop the member is warned")
    levels: list[Tier] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _ascending_from_zero(cls, levels: list[Tier]) -> list[Tier]:
        if levels[0].threshold != 0:
            raise ValueError("the first tier must have threshold 0, so that every member has a tier")
        thresholds = [level.threshold for level in levels]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tier thresholds must strictly increase")
        names = [level.name for level in levels]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        return levels


OfferKind = Literal["reward", "gift", "access", "collection", "discount"]


class Offer(_Rules):
    """One entry of the offer catalogue; who it suits and what it costs."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    kind: OfferKind
    title: LocalText
    description: LocalText
    points_cost: int = Field(default=0, ge=0, description="points spent when the member activates it")
    business_cost: Decimal = Field(default=Decimal(0), ge=0, description="what one use costs the business")
    value: Decimal = Field(default=Decimal(0), ge=0, description="what one use is worth to the member")
    discount_percent: int | None = Field(default=None, gt=0, le=100)
    segments: list[str] = []
    tiers: list[str] = []
    categories: list[str] = []
    valid_days: int = Field(default=14, gt=0, description="how long an activated coupon stays valid")
    per_member_limit: int = Field(default=1, gt=0)
    limit_days: int | None = Field(
        default=None, gt=0, description="the period per_member_limit counts over; none: ever"
    )
    points_mode: Literal["spend", "reserve"] = Field(
        default="spend", description="spend: points go at activation; reserve: they come back if the coupon expires"
    )
    available_from: date | None = None
    available_until: date | None = None
    occasion: Literal["birthday"] | None = Field(default=None, description="birthday: offered in the birthday week")
    collection_items: list[str] = Field(default=[], description="for a collection: the categories to collect")
    completion_points: int = Field(default=0, ge=0)
    min_purchase: Decimal = Field(
        default=Decimal(0), ge=0, description="for a collection: the least purchase that counts towards it"
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> Offer:
        if self.kind == "discount" and self.discount_percent is None:
            raise ValueError("a discount offer needs discount_percent")
        if self.kind == "collection" and len(self.collection_items) < 2:
            raise ValueError("a collection offer needs at least two collection_items")
        if self.kind == "reward" and self.points_cost == 0:
            raise ValueError("a reward offer needs a points_cost")
        if self.kind != "collection" and self.min_purchase:
            raise ValueError("min_purchase is for collection offers only")
        if self.kind == "collection" and (self.points_cost or self.occasion):
            raise ValueError("a collection fills up from purchases: it has no points_cost or occasion")
        if self.available_from and self.available_until and self.available_from > self.available_until:
            raise ValueError("available_from must not be after available_until")
        return self


class QuietHours(_Rules):
    start: time
    end: time


class FrequencyCap(_Rules):
    messages: int = Field(gt=0)
    days: int = Field(gt=0)


class Marketing(_Rules):
    quiet_hours: QuietHours | None = None
    frequency_cap: FrequencyCap | None = None
    effect_days: int = Field(default=14, gt=0, description="how long after a campaign its effect is measured")


class Automation(_Rules):
    kind: Literal["birthday", "expiring_points", "win_back"]
    at: time = time(10, 0)
    text: LocalText
    offer: str | None = None


class Branch(_Rules):
    """One place where the business serves customers; staff are appointed to one (`/staff add ... <branch>`)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="what staff type, e.g. centre")
    name: str = Field(min_length=1, max_length=64)
    timezone: str | None = Field(default=None, description="IANA name, when it differs from the programme's")
    max_sale: Decimal | None = Field(default=None, gt=0, description="this branch's cashiers' largest sale")
    points_per_day: int | None = Field(default=None, gt=0, description="this branch's cashiers' daily points")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)


class StampCard(_Rules):
    """A "sixth coffee free" card: each purchase of `category` of at least `min_purchase` adds a stamp (`x2` at the
    till adds two); the `stamps`-th completes the card, issues the `reward` offer as a coupon and starts a new card."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    category: str
    stamps: int = Field(ge=2, le=50, description="stamps that complete the card")
    reward: str = Field(description="the id of the catalogue offer a completed card gives as a coupon")
    min_purchase: Decimal = Field(default=Decimal(0), ge=0, description="the least purchase that earns a stamp")
    symbol: str = Field(default="☕", min_length=1, max_length=4, description="shown before the progress: ☕ 4 of 6")


class HourRange(_Rules):
    """From `start` to `end` on the business's wall clock, within one day."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> HourRange:
        if self.start >= self.end:
            raise ValueError("start must be before end (a range within one day)")
        return self


class Promotion(_Rules):
    """Extra points for a while: `multiplier` on the points a matching sale earns (see `models.points.promotions`
    for the combining rule). Every condition given must hold; none given means every sale."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title: LocalText = Field(description="what the member's notice calls it: double points on pastries")
    multiplier: Decimal = Field(gt=1, le=10)
    category: str | None = None
    weekdays: list[Weekday] = Field(default=[], description="the days it runs on (all when empty)")
    hours: HourRange | None = Field(default=None, description="the hours it runs in (happy hours)")
    starts: date | None = None
    ends: date | None = Field(default=None, description="its last day")
    segment: Segment | None = None
    tier: str | None = None

    @model_validator(mode="after")
    def _dates_ordered(self) -> Promotion:
        if self.starts and self.ends and self.starts > self.ends:
            raise ValueError("starts must not be after ends")
        return self


class Programme(_Rules):
    name: str = Field(min_length=1)
    currency: str = Field(min_length=1, max_length=8)
    timezone: str = Field(default=DEFAULT_ZONE, description="IANA name; TIMEZONE in the settings overrides it")
    consent_version: str = Field(default="1", min_length=1, max_length=16)
    earning: Earning
    bonuses: Bonuses = Bonuses()
    expiry: Expiry
    tiers: Tiers
    categories: dict[str, LocalText] = {}
    offers: list[Offer] = []
    marketing: Marketing = Marketing()
    automations: list[Automation] = []
    staff: StaffLimits = StaffLimits()
    # Paying with points, stamp cards and earning promotions (models.till.payment, models.till.stamps,
    # models.points.promotions).
    point_value: Decimal | None = Field(
        default=None, gt=0, description="money one point pays at the till; none: points do not pay bills"
    )
    max_pay_share: Decimal = Field(
        default=Decimal("0.5"), gt=0, le=1, description="the largest share of a bill that points may pay"
    )
    stamp_cards: list[StampCard] = []
    promotions: list[Promotion] = []
    # The places of a business in several (models.team.branches).
    branches: list[Branch] = Field(
        default=[], description="none for a business in one place: then nobody names a branch"
    )

    @field_validator("point_value")
    @classmethod
    def _whole_cents(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value != value.quantize(Decimal("0.01")):
            raise ValueError("a point's value has at most two decimals (kopecks or cents)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _references_resolve(self) -> Programme:
        ids = [offer.id for offer in self.offers]
        if len(set(ids)) != len(ids):
            raise ValueError("offer ids must be unique")
        tier_names = {level.name for level in self.tiers.levels}
        for offer in self.offers:
            unknown = [c for c in (*offer.categories, *offer.collection_items) if c not in self.categories]
            if unknown:
                raise ValueError(f"offer {offer.id!r} names unknown categories {unknown}")
            if bad_tiers := [t for t in offer.tiers if t not in tier_names]:
                raise ValueError(f"offer {offer.id!r} names unknown tiers {bad_tiers}")
        branch_ids = [branch.id for branch in self.branches]
        if len(set(branch_ids)) != len(branch_ids):
            raise ValueError("branch ids must be unique")
        for automation in self.automations:
            if automation.offer is not None and automation.offer not in ids:
                raise ValueError(f"automation {automation.kind!r} names unknown offer {automation.offer!r}")
        return self

    @property
    def collections(self) -> list[Offer]:
        return [offer for offer in self.offers if offer.kind == "collection"]

    @model_validator(mode="after")
    def _till_rules_resolve(self) -> Programme:
        """Stamp cards and promotions name categories, offers and tiers that exist; each is named in the error."""
        for field, items in (("stamp_cards", self.stamp_cards), ("promotions", self.promotions)):
            item_ids = [item.id for item in items]
            if len(set(item_ids)) != len(item_ids):
                raise ValueError(f"{field}: ids must be unique")
        for index, card in enumerate(self.stamp_cards):
            where = f"stamp_cards.{index}"
            if card.category not in self.categories:
                raise ValueError(f"{where}.category: unknown category {card.category!r}")
            reward = self.offer(card.reward)
            if reward is None or reward.kind == "collection":
                raise ValueError(f"{where}.reward: no offer {card.reward!r} in the catalogue to give as a coupon")
        tier_names = {level.name for level in self.tiers.levels}
        for index, promotion in enumerate(self.promotions):
            where = f"promotions.{index}"
            if promotion.category is not None and promotion.category not in self.categories:
                raise ValueError(f"{where}.category: unknown category {promotion.category!r}")
            if promotion.tier is not None and promotion.tier not in tier_names:
                raise ValueError(f"{where}.tier: unknown tier {promotion.tier!r}")
        return self

    def tier(self, name: str) -> Tier:
        return next((level for level in self.tiers.levels if level.name == name), self.tiers.levels[0])

    def offer(self, offer_id: str) -> Offer | None:
        return next((offer for offer in self.offers if offer.id == offer_id), None)

    def branch(self, branch_id: str | None) -> Branch | None:
        return next((branch for branch in self.branches if branch.id == branch_id), None)


def load_programme(path: Path) -> Programme:
    """Read and validate the programme file, or raise ProgrammeError naming the field and the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgrammeError(f"{path}: file not found; set PROGRAMME_FILE or copy the sample programme.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Programme.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ProgrammeError(f"{path}: {where}: {message}") from None
