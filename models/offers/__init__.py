"""Offers: the facts a ranking may know of a member, the ranking with its reasons, each member's stored pick,
single-use coupons, and collectible series."""
