"""What customers do: join, show their card, see their points."""
