"""Offers: the facts a ranking may know of a member, the ranking with its reasons, each member's stored pick,
single-use coupons, collectible series, and the recomputation of members' analytics that ends in their picks and
collection payouts."""
