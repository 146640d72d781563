"""The CPU each party of a benchmark gets while it runs, read from /proc: a thread samples the CPU time of every
process that belongs to a party (told by its command line) and of the whole machine, so that afterwards the CPU of
any stretch of the run (say, from the first message to the last) can be told apart: what the delivering processes,
the fake server, PostgreSQL and Redis got, and what was left to other work on the machine."""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_EVERY = 0.2  # seconds
# Seconds after its start when a process's command line is taken as final: a child shows its parent's until it
# runs its own program, and a PostgreSQL backend sets its title once the client logged in.
SETTLED = 3.0
TICKS = os.sysconf("SC_CLK_TCK")

Party = Callable[[int, str], bool]  # (parent pid, command line) -> whether the process belongs to the party


def _command_line(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, CPU seconds used so far, start in seconds since boot) of a process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, int(fields[19]) / TICKS


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def machine_busy() -> float:
    """CPU seconds the whole machine spent on anything but idling, since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values[:8]) - idle) / TICKS


@dataclass
class CpuShares:
    """Samples, until stopped, the CPU of each party's processes (each process by pid) and of the machine."""

    parties: dict[str, Party]
    times: list[float] = field(default_factory=list)
    samples: list[dict[str, float]] = field(default_factory=list)  # per sample: party -> CPU seconds so far
    _members: dict[int, str | None] = field(default_factory=dict)  # pid -> its party, once its command line settled
    _used: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> its party and CPU seconds, last seen
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._sample()
        self._thread = threading.Thread(target=self._run, name="cpu-shares", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self._sample()

    def _sample(self) -> None:
        uptime = _uptime()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid in self._members and self._members[pid] is None:
                continue  # not a party's
            stat = _stat(pid)
            if stat is None:
                continue
            parent, used, started = stat
            name = self._members.get(pid)
            if pid not in self._members:
                command = _command_line(pid)
                found = (name for name, party in self.parties.items() if command and party(parent, command))
                name = next(found, None)
                if name is not None or uptime - started > SETTLED:
                    self._members[pid] = name
            if name is not None:
                self._used[pid] = (name, used)  # a process that ended keeps its last value
        totals = dict.fromkeys(self.parties, 0.0)
        for name, used in self._used.values():
            totals[name] += used
        totals["machine"] = machine_busy()
        self.times.append(time.monotonic())
        self.samples.append(totals)

    def between(self, began: float, ended: float) -> dict[str, float]:
        """Each party's CPU seconds per second of wall time (cores) from `began` to `ended` (time.monotonic()), by
        the samples nearest inside; "machine" is everything the machine ran."""
        first = min(bisect.bisect_left(self.times, began), len(self.times) - 1)
        last = max(bisect.bisect_right(self.times, ended) - 1, first)
        seconds = self.times[last] - self.times[first]
        if seconds <= 0:
            return {}
        before, after = self.samples[first], self.samples[last]
        return {name: (after[name] - before[name]) / seconds for name in after}
