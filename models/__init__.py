"""The domain, one package per feature; knows nothing of Telegram.

Bottom first, each importing only those before it (tests/test_layers.py checks): `core` (base, database, errors,
programme, time), `members` (the register), `team` (staff and the audit trail), `points`, `analytics`, `offers`,
`till`, `campaigns`, and `membership` (joining and erasure, across every feature's tables).
Importing `models` loads every table module, so that the metadata (and Alembic) sees the whole schema; the packages
themselves import nothing, so that a feature's modules may import each other's in any order.
"""

from models.analytics import days, habits, member_stats, segments  # noqa: F401 - tables
from models.campaigns import records  # noqa: F401 - tables
from models.core import job_runs, outbox, programme_versions, updates  # noqa: F401 - tables
from models.members import cards, consent, erasures, preferences, registry  # noqa: F401 - tables
from models.membership import enrolment, privacy  # noqa: F401 - tables
from models.offers import collections, coupons  # noqa: F401 - tables
from models.points import flags, ledger, purchases, standing, tiers  # noqa: F401 - tables
from models.team import audit, invitations, staff  # noqa: F401 - tables
from models.till import adjustments, limits, stamps  # noqa: F401 - tables
