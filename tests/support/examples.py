"""What a hypothesis example did, counted for `--hypothesis-show-statistics`."""

from __future__ import annotations

from hypothesis import event
from hypothesis.control import currently_in_test_context


def seen(what: str) -> None:
    """Count `what` for the example being run (the fixed examples that replay the same steps count nothing)."""
    if currently_in_test_context():
        event(what)
