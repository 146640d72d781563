"""Members: the register with recorded consent and renewed terms, preferences, the keyed hash of erased members'
Telegram ids that refuses a second welcome bonus, finding a member as staff name them, and signed card tokens.
Joining and erasure, which reach into other features' tables, are `models.membership`'s."""
