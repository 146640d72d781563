"""How the bot's process keeps Python's garbage collector out of the way of its work.

Python collects its youngest objects every 700 allocations (net of frees) by default. Sending a message through
aiogram allocates a few hundred objects and keeps them until Telegram answers, so with dozens of messages on the way
(a campaign at full speed) the collector runs every few messages, promotes what is in flight each time, and every few
hundred messages scans the whole heap, some 300,000 objects that start-up built (the modules, aiogram's models and
their schemas) and that never become garbage: at unlimited rate that was about a fifth of the delivering process's
CPU per message (BENCHMARKS.md, issue 13). Start-up's objects are therefore frozen out of the collector's sight, and
the young generation is collected every YOUNG_THRESHOLD allocations, which costs a few MB at most: cycles wait a
little longer for their collection, nothing else changes.
"""

from __future__ import annotations

import gc
import logging

YOUNG_THRESHOLD = 10_000

log = logging.getLogger(__name__)


def tune_garbage_collector() -> None:
    """Call once start-up is done: what exists then is kept for the process's life. Once per process, its garbage
    collected first, so that nothing dead is kept."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


async def once_started() -> None:
    """The dispatcher's start-up handler of `python -m bot`, registered after the app's own."""
    tune_garbage_collector()
    log.info("start-up's %s objects frozen out of the collector's passes", gc.get_freeze_count())
