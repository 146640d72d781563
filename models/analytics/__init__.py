"""Analytics: habits from purchases, RFM scores and segments, each member's stats row and its recomputation,
the programme's figures, and what staff are told of one member."""
