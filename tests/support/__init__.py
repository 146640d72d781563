"""Helpers that tests and benchmarks share; unlike conftest (fixtures, read by pytest alone), anyone may import them."""
