"""What cashiers, admins and owners do."""
