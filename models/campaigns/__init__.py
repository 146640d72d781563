"""Campaigns: what they are stored as (records), planning (checks, storage, cancelling), the frozen audience with its
holdout and the delivery queue with quiet hours and caps, automated campaigns, and a campaign's effect against its
holdout."""
