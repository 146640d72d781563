"""The till: cashiers' limits, sales (one at a time or group-committed by the desk), redemptions, refunds, manual
adjustments, and the value card staff see of a member with what the analytics and offers say of them (insights)."""
