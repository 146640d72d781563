"""Every conversation state, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class SettingsStates(StatesGroup):
    birthday = State()  # waiting for the member to type their birthday


class CampaignStates(StatesGroup):
    """The guided /campaign dialogue, one state per question."""

    segment = State()
    text = State()
    offer = State()
    when = State()
    holdout = State()
    confirm = State()


class TillStates(StatesGroup):
    amount = State()  # a member panel's button asked the cashier for a sale's amount or the points to redeem
