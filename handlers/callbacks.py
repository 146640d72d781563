"""Every button's callback data, in one place so that prefixes never clash."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ConsentAnswer(CallbackData, prefix="consent"):
    agree: bool
    ref: str = ""


class MarketingAnswer(CallbackData, prefix="mkt"):
    agree: bool
