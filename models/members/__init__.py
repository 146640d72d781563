"""Members: the register and enrolment with recorded consent, renewed terms, preferences, privacy (export and
erasure), finding a member as staff name them, signed card tokens, and what invitations brought."""
