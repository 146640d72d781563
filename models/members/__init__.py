"""Members: the register and enrolment with recorded consent, renewed terms, preferences, privacy (export and
erasure, and the keyed hash of erased members' Telegram ids that refuses a second welcome bonus), finding a member as
staff name them, signed card tokens, and what invitations brought."""
