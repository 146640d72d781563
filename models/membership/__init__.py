"""A membership from joining to erasure, across every feature's tables (the register itself is `models.members`):
enrolment with the welcome bonus paid once per person, what a member's invitations brought, and privacy (the export
of everything kept about a member, and its erasure). It sits above every other feature because erasure touches all
of their tables."""
