"""The domain: tables and the rules that act on them. Knows nothing of Telegram."""

from models import accounts, analytics, cards, enrolment, ledger, members, purchases, segments, staff  # noqa: F401 - every table module is imported so the metadata is complete
