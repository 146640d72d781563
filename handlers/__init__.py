"""The Telegram interface: one router per feature, assembled by `build_router` (callable any number of times).

Also what the scheduler, one layer up, shares with it: the translator and locale files (`i18n`), and the rendering
of what both send (`notices`, `campaign_message`). Handlers import only `models` and their own modules; what they
need from above (the campaign timetable, the owners' ids) `bot` passes in as workflow data, typed in `ports`.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router

from handlers import errors, fallback
from handlers.customer import (
    balance,
    card,
    chat_status,
    enrolment,
    help,
    history,
    invite,
    offers,
    preferences,
    privacy,
    terms,
)
from handlers.i18n import Texts
from handlers.staff import (
    adjust,
    appointments,
    campaigns,
    console,
    flags,
    invitations,
    panel,
    pay,
    redeem,
    refund,
    sale,
    stats,
    value_card,
)

RouterFactory = Callable[[Texts], Router]

# Order matters only where filters overlap: the fallback router must stay last.
FEATURES: tuple[RouterFactory, ...] = (
    errors.router,
    chat_status.router,  # the member blocked or restarted the bot (no message, nothing to answer)
    invitations.router,  # a staff invitation link is for anyone, member or not, whatever terms they agreed to
    privacy.router,  # /stop, /mydata, /forget stay open to members who have not agreed to new terms
    terms.router,  # then members who have not agreed to the terms in force are asked to, before anything else
    enrolment.router,
    card.router,
    balance.router,
    history.router,
    offers.router,
    invite.router,
    sale.router,
    redeem.router,
    refund.router,
    adjust.router,
    value_card.router,
    panel.router,
    pay.router,
    appointments.router,
    flags.router,
    campaigns.router,
    stats.router,
    console.router,
    help.router,
    preferences.router,
)


def build_router(texts: Texts) -> Router:
    root = Router(name="root")
    for factory in (*FEATURES, fallback.router):
        root.include_router(factory(texts))
    return root
