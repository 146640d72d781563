"""The domain, one package per feature; knows nothing of Telegram.

`core` (base, database, errors, programme, time), `members`, `points`, `till`, `offers`, `analytics` and `campaigns`.
Importing `models` loads every table module, so that the metadata (and Alembic) sees the whole schema; the packages
themselves import nothing, so that a feature's modules may import each other's in any order.
"""

from models.analytics import habits, member_stats, segments  # noqa: F401 - tables
from models.campaigns import automations, planning, queue  # noqa: F401 - tables
from models.core import outbox, updates  # noqa: F401 - tables
from models.members import cards, consent, enrolment, erasures, preferences, privacy, registry  # noqa: F401 - tables
from models.offers import collections, coupons  # noqa: F401 - tables
from models.points import flags, ledger, standing, tiers  # noqa: F401 - tables
from models.till import adjustments, audit, limits, purchases, staff, stamps  # noqa: F401 - tables
