"""Once started, the bot's process keeps the collector off what start-up built (see `bot.runtime`)."""

from __future__ import annotations

import subprocess
import sys

from bot.runtime import YOUNG_THRESHOLD
from tests.support.paths import ROOT


def test_start_up_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    # In a fresh interpreter: the settings are the process's own, and this test process keeps its defaults.
    code = (
        "import gc, json, bot.app\n"
        "from bot.runtime import tune_garbage_collector\n"
        "before = gc.get_threshold()[0]\n"
        "tune_garbage_collector()\n"
        "print(json.dumps([before, gc.get_threshold()[0], gc.get_freeze_count(), len(gc.get_objects())]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    before, after, frozen, watched = (int(value) for value in result.stdout.strip("[]\n").split(","))
    assert (before, after) == (700, YOUNG_THRESHOLD)
    assert frozen > 100_000, "aiogram's models alone are well over 100,000 objects"
    assert watched < 1_000, "the collector still watches start-up's objects"
