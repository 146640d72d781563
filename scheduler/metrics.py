"""What the scheduler's work counts for Prometheus (served on /metrics with the rest of the process's metrics)."""

from __future__ import annotations

from prometheus_client import Counter

CAMPAIGN_SENDS = Counter(
    "loyalty_campaign_sends_total",
    "Campaign messages handed to Telegram, by outcome: sent, blocked, failed, unknown (fate not known, never "
    "repeated), and 429 for each answer asking every process to wait.",
    ["outcome"],
)
