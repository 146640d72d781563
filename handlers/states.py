"""Every conversation state, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class SettingsStates(StatesGroup):
    birthday = State()  # waiting for the member to type their birthday


class TillStates(StatesGroup):
    amount = State()  # a member panel's button asked the cashier for a sale's amount or the points to redeem
