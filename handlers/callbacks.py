"""Every button's callback data, in one place so that prefixes never clash."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ConsentAnswer(CallbackData, prefix="consent"):
    agree: bool
    ref: str = ""


class MarketingAnswer(CallbackData, prefix="mkt"):
    agree: bool


class TermsAnswer(CallbackData, prefix="terms"):
    """The answer to a new version of the terms; `version` is the one the member was shown."""

    agree: bool
    version: str


class ForgetAnswer(CallbackData, prefix="forget"):
    confirm: bool


class SettingsPage(StrEnum):
    MAIN = "main"
    INTERESTS = "interests"


class SettingsOpen(CallbackData, prefix="setopen"):
    page: SettingsPage


class SettingsLanguage(CallbackData, prefix="setlang"):
    language: str


class SettingsMarketing(CallbackData, prefix="setmkt"):
    on: bool


class SettingsInterest(CallbackData, prefix="setint"):
    category: str


class SettingsBirthday(CallbackData, prefix="setbday"):
    """Ask for the birthday (`day` empty), or save the one the member typed and confirmed (`day` in ISO form)."""

    day: str = ""


class CampaignStep(StrEnum):
    SEGMENT = "seg"
    OFFER = "off"
    WHEN = "when"
    HOLDOUT = "hold"
    CONFIRM = "ok"
    ABORT = "stop"


class CampaignChoice(CallbackData, prefix="cmp", sep=";"):
    """An answer in the /campaign dialogue; `;` separates because segment names contain `:`."""

    step: CampaignStep
    value: str = ""


class PanelAction(StrEnum):
    SALE = "sale"
    REDEEM = "redeem"
    PAY = "pay"  # a sale paid partly with points


class PanelButton(CallbackData, prefix="pnl"):
    """A member panel's Sale or Redeem button; `at` (minutes since the epoch) tells an old panel from a fresh one."""

    action: PanelAction
    member: int
    at: int


class PayAnswer(CallbackData, prefix="payok"):
    """The cashier's answer to a quote of a sale paid partly with points (the quote itself waits in their state)."""

    confirm: bool


class NotMe(CallbackData, prefix="notme"):
    """The member's "this wasn't me" on the announcement of one ledger entry."""

    entry: int


class HistoryPageButton(CallbackData, prefix="hist"):
    page: int


class OfferActivate(CallbackData, prefix="ofa"):
    """Turn an offer into a coupon (or show the live coupon again)."""

    offer: str


class StaffInvitationAnswer(CallbackData, prefix="sinv"):
    """Accepting a staff invitation; `token` is the link's, checked again when pressed."""

    token: str
