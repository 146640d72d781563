"""The team: staff and their roles (owners from the settings, admins and cashiers appointed by owners), and the
audit trail of what each of them did. Below every feature a staff member acts in: points, offers, the till,
campaigns."""
