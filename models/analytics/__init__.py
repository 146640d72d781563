"""Analytics: habits from purchases, RFM scores and segments, each member's stats row, and the programme's figures.
Recomputing them, which also ranks each member's offers, is `models.offers.recompute`."""
