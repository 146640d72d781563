"""The domain: tables and the rules that act on them. Knows nothing of Telegram."""

from models import (  # noqa: F401 - every table module is imported so the metadata is complete
    accounts,
    analytics,
    audit,
    automations,
    campaigns,
    cards,
    consent,
    delivery,
    enrolment,
    flags,
    inbox,
    ledger,
    limits,
    members,
    preferences,
    privacy,
    purchases,
    segments,
    staff,
)
