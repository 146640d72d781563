"""The till: staff and their roles, branches, cashiers' limits, the audit trail, sales (one at a time or
group-committed by the desk), redemptions, refunds, manual adjustments, purchases, and the value card staff see of a
member."""
