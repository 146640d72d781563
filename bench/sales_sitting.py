"""Issue 15's target as the issue states it: the sales benchmark with 50 cashiers, before and after, in one sitting.

Run: `.venv/bin/python -m bench.sales_sitting --before <a git worktree of the older code>` (`--rounds`, `--seconds`).
Three runs of `bench.sales` take turns, one round each, the order reversed every other round: the older tree's
plain sales, this tree's plain sales, and this tree's sales with the mechanics (pay= on a third, two stamp cards).
Each tree runs in a process of its own, which builds its database once (100,000 members) and then waits for its
turns, so that the machine's speed, which swings by half within minutes here, is shared by the three alike. Every
process tunes the collector as the bot does once started, the older code too, so that the sales' code is what
differs. Prints each round, then the medians of the per-round ratios: mechanics / before (the target: at least
0.90) and mechanics / plain.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent


class Side:
    """One tree's process: a round on request, answered with its sales per second and CPU per sale."""

    def __init__(self, tree: Path, seconds: float) -> None:
        from bot.runtime import YOUNG_THRESHOLD  # here, not at the top: the side process has another tree's `bot`

        self.process = subprocess.Popen(
            [sys.executable, str(HERE), "--side", str(seconds), str(YOUNG_THRESHOLD)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},  # its own `bench` and domain, not this tree's
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        if self.stdout.readline().strip() != "ready":
            raise SystemExit(f"{tree}: the benchmark did not start")

    def round(self, mechanics: bool) -> tuple[float, float]:
        self.stdin.write("mechanics\n" if mechanics else "plain\n")
        self.stdin.flush()
        rate, cpu = self.stdout.readline().split()
        return float(rate), float(cpu)

    def close(self) -> None:
        self.stdin.close()
        self.process.wait()


def side(seconds: float, young_threshold: int) -> None:
    """In the tree's own process: build the database, then run a round per line read."""
    import asyncio
    import gc
    import inspect
    import tempfile
    import time

    import bench.sales

    sales: Any = bench.sales  # the tree's (PYTHONPATH names it), whose functions may take older arguments

    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            older = len(inspect.signature(sales._database).parameters) == 2  # before issue 15: no points, no lots
            path = await (
                sales._database(Path(folder), 100_000) if older else sales._database(Path(folder), 100_000, 500)
            )
            # `bot.runtime.tune_garbage_collector`, written out: the older tree has no such module
            gc.collect()
            gc.freeze()
            gc.set_threshold(young_threshold, *gc.get_threshold()[1:])
            print("ready", flush=True)
            for line in sys.stdin:
                mechanics = line.strip() == "mechanics"
                started = time.process_time()
                if older:
                    rate = await sales.domain_rate(path, sales._programme(), 50, seconds, 100_000, grouped=True)
                else:
                    programme = sales._programme(stamp_cards=sales.STAMP_CARDS if mechanics else ())
                    rate = await sales.domain_rate(
                        path, programme, 50, seconds, 100_000, grouped=True, mechanics=mechanics
                    )
                cpu = (time.process_time() - started) / (rate * seconds) * 1e6
                print(f"{rate:.0f} {cpu:.0f}", flush=True)

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, required=True, help="a git worktree of the older code")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each run")
    options = parser.parse_args()
    before, after = Side(options.before.resolve(), options.seconds), Side(ROOT, options.seconds)
    runs = {"before": (before, False), "plain": (after, False), "mechanics": (after, True)}
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for number in range(options.rounds):
        order = list(runs) if number % 2 == 0 else list(reversed(runs))
        for name in order:
            figures[name].append(runs[name][0].round(runs[name][1]))
        line = "  ".join(f"{name} {figures[name][-1][0]:,.0f}/s ({figures[name][-1][1]:.0f} µs CPU)" for name in runs)
        print(f"round {number + 1}: {line}", flush=True)
    for process in (before, after):
        process.close()
    rate = {name: [r for r, _ in figures[name]] for name in runs}
    for name in runs:
        print(f"{name:>10}: median {statistics.median(rate[name]):,.0f} sales/s")
    for over in ("before", "plain"):
        ratios = [m / o for m, o in zip(rate["mechanics"], rate[over], strict=True)]
        print(f"mechanics / {over}: median {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--side"]:
        side(float(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
