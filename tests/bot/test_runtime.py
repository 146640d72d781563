"""Once started, the bot's process keeps the collector off what start-up built (see `bot.runtime`)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from pathlib import Path

from bot.runtime import YOUNG_THRESHOLD
from bot.sandbox.telegram import FakeTelegram
from bot.settings import Settings
from tests.support.paths import ROOT, SAMPLE_PROGRAMME


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


async def test_python_m_bot_tunes_its_process_once_started(telegram: FakeTelegram, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env |= {
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "PROGRAMME_FILE": str(SAMPLE_PROGRAMME),
        "PYTHONPATH": str(ROOT),
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert bot.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while "bot started" not in "".join(lines) or "frozen" not in lines[-1]:
                line = (await bot.stderr.readline()).decode()
                assert line, f"the bot stopped: {''.join(lines)}"
                lines.append(line)
    finally:
        bot.terminate()
        await bot.wait()
    assert "objects frozen out of the collector" in lines[-1]
    assert gc.get_threshold()[0] == 700, "an app started in-process (as in tests) leaves the process's settings alone"
