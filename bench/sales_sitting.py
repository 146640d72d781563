"""Issue 15's target as the issue states it: the sales benchmark with 50 cashiers, before and after, in one sitting.

Run: `.venv/bin/python -m bench.sales_sitting --before <a git worktree of the older code>` (`--rounds`, `--seconds`).
Three runs of `bench.sales` take turns, one round each, the order reversed every other round: the older tree's
plain sales, this tree's plain sales, and this tree's sales with the mechanics (pay= on a third, two stamp cards).
Each run has a process of its own, which builds its own database once (100,000 members) and then waits for its
turns, so that the machine's speed, which swings by half within minutes here, is shared by the runs alike, and a
database grows by its own run's sales only. Every process tunes the collector as the bot does once started, the
older code too, so that the sales' code is what differs. Prints each round, then the medians of the per-round
ratios: mechanics / before (the target: at least 0.90) and mechanics / plain.

With `--same-data`, a fourth run: the older code again, on a database like this tree's, where every member holds a
500-point welcome lot (the older benchmark's members held nothing, and a sale paying with points needs them). It
tells the cost of the larger ledger apart from the cost of the code; the target stays mechanics / before.
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
    """One run's process, in one tree: a round on request, answered with its sales per second and CPU per sale.
    `lots`: the points of the welcome lot an older tree's members are given (none by default)."""

    def __init__(self, tree: Path, seconds: float, *, lots: int = 0) -> None:
        from bot.runtime import YOUNG_THRESHOLD  # here, not at the top: the side process has another tree's `bot`

        self.process = subprocess.Popen(
            [sys.executable, str(HERE), "--side", str(seconds), str(YOUNG_THRESHOLD), str(lots)],
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


def _give_welcome_lots(path: Path, points: int, sales: Any) -> None:
    """Every member of an older tree's database gets the welcome lot this tree's benchmark starts them with."""
    import sqlite3
    from datetime import timedelta

    joined, expires = sales._stamp(sales.NOW - timedelta(days=30)), sales._stamp(sales.NOW + timedelta(days=300))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE members SET balance = ?", (points,))
        db.execute(
            "INSERT INTO ledger_entries (member_id, amount, kind, reason, key, rule, expires_at, balance_after,"
            " created_at) SELECT id, ?, 'welcome', '', 'welcome:' || id, 'bonuses.welcome', ?, ?, ? FROM members",
            (points, expires, points, joined),
        )


def side(seconds: float, young_threshold: int, lots: int) -> None:
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
                sales._database(Path(folder), 100_000)
                if older
                else sales._database(Path(folder), 100_000, sales.STARTING_POINTS)
            )
            if older and lots:
                _give_welcome_lots(path, lots, sales)
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
    parser.add_argument("--same-data", action="store_true", help="also the older code with every member's lot")
    options = parser.parse_args()
    older = options.before.resolve()
    # A process and a database for each run: a database gets slower as its indexes outgrow one page per batch, so
    # runs sharing one would each find it grown by the other's sales.
    runs = {
        "before": (Side(older, options.seconds), False),
        "plain": (Side(ROOT, options.seconds), False),
        "mechanics": (Side(ROOT, options.seconds), True),
    }
    if options.same_data:
        from bench.sales import STARTING_POINTS

        runs["before, lots"] = (Side(older, options.seconds, lots=STARTING_POINTS), False)
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for number in range(options.rounds):
        order = list(runs) if number % 2 == 0 else list(reversed(runs))
        for name in order:
            figures[name].append(runs[name][0].round(runs[name][1]))
        line = "  ".join(f"{name} {figures[name][-1][0]:,.0f}/s ({figures[name][-1][1]:.0f} µs CPU)" for name in runs)
        print(f"round {number + 1}: {line}", flush=True)
    for process, _ in runs.values():
        process.close()
    rate = {name: [r for r, _ in figures[name]] for name in runs}
    for name in runs:
        print(f"{name:>12}: median {statistics.median(rate[name]):,.0f} sales/s")
    for over in [name for name in runs if name != "mechanics"]:
        ratios = [m / o for m, o in zip(rate["mechanics"], rate[over], strict=True)]
        print(f"mechanics / {over}: median {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--side"]:
        side(float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
