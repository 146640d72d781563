"""The domain: tables and the rules that act on them. Knows nothing of Telegram."""

from models import accounts, cards, enrolment, ledger, members, purchases, staff  # noqa: F401 - every table module is imported so the metadata is complete
