"""A running bot holds only what it uses: the libraries of a rarely used feature are loaded when it is used."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import ROOT

RARELY_NEEDED = ("matplotlib", "numpy")  # the /campaign_stats chart: about 40 MB in every process otherwise


def loaded_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    report = "import json, sys; print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_starting_the_bot_loads_no_charting_library() -> None:
    # Everything `python -m bot` imports before it serves, the dispatcher with every router included.
    loaded = loaded_after(
        "import bot.__main__, bot.webhook, scheduler.runner\n"
        "from bot.dispatcher import build_dispatcher\n"
        "import handlers.staff.campaigns"
    )
    assert "aiogram" in loaded, "the check itself is broken: the bot's modules were not imported"
    assert loaded.isdisjoint(RARELY_NEEDED), sorted(loaded & set(RARELY_NEEDED))


def test_drawing_a_chart_loads_it_when_asked() -> None:
    loaded = loaded_after(
        "from handlers.staff.campaign_chart import ChartLabels, cumulative_chart\n"
        "assert cumulative_chart([(1.0, 0.5)], ChartLabels('t', 'r', 'h', 'd')).startswith(b'\\x89PNG')"
    )
    assert "matplotlib" in loaded
