"""The till: staff and their roles, cashiers' limits, the audit trail, sales (one at a time or group-committed by
the desk), redemptions, refunds, purchases, and the value card staff see of a member."""
