"""What every feature stands on: the declarative base, engines and the unit of work, domain errors, the programme
file, amounts as staff type them, the business clock, and the few SQL spellings that differ between databases."""
