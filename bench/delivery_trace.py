"""Where a delivering process spends its time, for `bench.campaigns --trace`: each database step of the engine and
each decision of the pace is timed and counted (wall time, so concurrent waits overlap), claims are counted by
the rows asked for and the rows taken (the difference: rows another process took first, or skipped members), and
the time from each grant to its answer is summed up (from the moment the grant reached this process: the pace's
own measure is a little longer), since a send holds its place in the pace's window for that long beyond it."""

from __future__ import annotations

import functools
import resource
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from models.campaigns import queue
from scheduler.ratelimit import Grant, LocalPace
from scheduler.shared_pace import SharedPace

_totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
_counts: dict[str, int] = defaultdict(int)
_granted_at: deque[float] = deque()  # when each unanswered send was granted, matched to answers oldest first
_answer_delays: list[float] = []


def _timed(name: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(function)
    async def timed(*arguments: Any, **keywords: Any) -> Any:
        began = time.perf_counter()
        try:
            return await function(*arguments, **keywords)
        finally:
            total = _totals[name]
            total[0] += 1
            total[1] += time.perf_counter() - began

    return timed


def install() -> None:
    """Wrap the engine's steps (the engine calls them through their modules, so the wrappers are seen)."""
    for name in ("due_page", "claim_next", "claim", "record", "renew_lease", "queue_state"):
        setattr(queue, name, _timed(name, getattr(queue, name)))
    original_claim = queue.claim

    async def claim(session: Any, programme: Any, campaign: Any, rows: Any, *rest: Any) -> Any:
        claimed = await original_claim(session, programme, campaign, rows, *rest)
        _counts["rows asked"] += len(rows)
        _counts["rows claimed"] += len(claimed)
        _counts["empty claims"] += not claimed
        return claimed

    setattr(queue, "claim", claim)  # noqa: B010 - replaced for the whole process, whatever its signature
    for pace in (SharedPace, LocalPace):
        take = pace._take

        async def counted(self: Any, wanted: int, take: Any = take) -> Grant:
            grant: Grant = await take(self, wanted)
            _counts["grants"] += grant.granted
            _counts["refusals"] += not grant.granted
            _granted_at.extend([time.monotonic()] * grant.granted)
            return grant

        setattr(pace, "_take", _timed("pace decision", counted))  # noqa: B010 - as above
        answered = pace.answered

        def timed_answer(self: Any, answered: Any = answered) -> None:
            if _granted_at:
                _answer_delays.append(time.monotonic() - _granted_at.popleft())
            answered(self)

        setattr(pace, "answered", timed_answer)  # noqa: B010 - as above


def report() -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    steps = {name: {"calls": int(calls), "seconds": round(seconds, 2)} for name, (calls, seconds) in _totals.items()}
    delays = sorted(_answer_delays)
    answers = {}
    if delays:
        answers = {
            f"p{share}_ms": round(delays[min(len(delays) - 1, len(delays) * share // 100)] * 1000, 1)
            for share in (50, 90, 99)
        }
        answers["mean_ms"] = round(sum(delays) / len(delays) * 1000, 1)
    cpu = round(usage.ru_utime + usage.ru_stime, 2)
    return {"steps": steps, "counts": dict(_counts), "answer delays": answers, "cpu_seconds": cpu}
