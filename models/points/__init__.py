"""Points: the append-only ledger and its lots, expiry, the purchases that tiers (and analytics) are computed from,
a member's standing (balance, tier, next expiry), tiers that move both ways, their history, "this wasn't me" flags,
and the check that verifies every balance from the entries."""
