"""`python -m bench` runs every benchmark in turn with its default sizes; `python -m bench NAME` runs one.

Each benchmark prints its own figures and its ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("sales", "webhook", "campaigns", "offers", "console", "memory")


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names or BENCHMARKS:
        print(f"== bench.{name}", flush=True)
        failed |= subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
