"""The team: staff and their roles (owners from the settings, admins and cashiers appointed by owners, or invited
by a one-time link), the audit trail of what each of them did, and owners' audited edits of the programme. Below
every feature a staff member acts in: points, offers, the till, campaigns."""
