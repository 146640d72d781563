"""A campaign delivered by three bot processes behind nginx, on one PostgreSQL and one Redis: together they keep one
pace, even across a stall at Telegram's end, a 429 pauses all of them, and killing the leader mid-campaign loses
only what it had in flight, doubles nothing, and leaves the rest to the others."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox.telegram import FakeTelegram, Sent
from models.campaigns.planning import progress
from models.campaigns.records import RecipientStatus
from tests.support.app import OWNER
from tests.support.audiences import FIRST_TELEGRAM_ID, add_members, busiest_second, programme_file
from tests.support.cluster import running_cluster

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="several processes share one database, so the topology needs PostgreSQL (set TEST_DATABASE_URL)",
    ),
    pytest.mark.timeout(600),
]

AUDIENCE = 2_000
RATE = 100
TEXT = "One pace for all"
RETRY_AFTER = 2  # seconds Telegram asks every process to wait
STALL = 1.5  # seconds Telegram answers nothing
# What the killed process may have had claimed and not confirmed: two claims of rate/10 rows, sends in flight and
# outcomes not yet written (every 0.2 s).
IN_FLIGHT_AT_MOST = 60


def received(telegram: FakeTelegram) -> list[Sent]:
    return [sent for sent in telegram.sent if sent.text == TEXT]


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109 - polls
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def sends_counted(metrics: str, outcome: str) -> float:
    found = re.search(rf'^loyalty_campaign_sends_total\{{outcome="{outcome}"\}} (\S+)$', metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_three_processes_share_one_pace_and_survive_the_leader_being_killed(
    telegram: FakeTelegram, database_url: str, redis_url: str, session: AsyncSession, tmp_path: Path
) -> None:
    await add_members(session, AUDIENCE)
    programme = str(programme_file(tmp_path))
    async with running_cluster(
        telegram, database_url, redis_url, tmp_path, BROADCAST_RATE=str(RATE), PROGRAMME_FILE=programme
    ) as cluster:
        leader = await cluster.leader()
        mark = len(telegram.sent)
        telegram.push_text(OWNER, f"/campaign all now | {TEXT}")
        await telegram.wait_for(OWNER.id, contains="is starting now", after=mark, timeout=60)

        await until(lambda: len(received(telegram)) >= 300, 60, "300 messages")
        telegram.fail_next("sendMessage", status=429, retry_after=RETRY_AFTER)
        await until(lambda: len(received(telegram)) >= 600, 60, "600 messages")
        # Telegram stalls, then takes what the three processes sent meanwhile all at once.
        telegram.hold_calls("sendMessage")
        await asyncio.sleep(STALL)
        telegram.release_calls("sendMessage")
        await until(lambda: len(received(telegram)) >= 900, 60, "900 messages")
        await cluster.kill(leader)
        at_kill = len(received(telegram))
        assert at_kill < AUDIENCE * 0.8, "the campaign was nearly over at the kill; nothing was tested"

        report = await telegram.wait_for(OWNER.id, contains="has finished", after=mark, timeout=180)
        survivors = [bot.index for bot in cluster.processes if bot.running]
        metrics = [await cluster.metrics(index) for index in survivors]

    messages = received(telegram)
    per_member = Counter(sent.chat_id for sent in messages)
    assert max(per_member.values()) == 1, "a member received the campaign twice"
    assert all(FIRST_TELEGRAM_ID <= chat < FIRST_TELEGRAM_ID + AUDIENCE for chat in per_member)

    campaign_id = 1
    counts = (await progress(session, [campaign_id]))[campaign_id]
    sent, unknown = counts[RecipientStatus.SENT], counts[RecipientStatus.UNKNOWN]
    # Every row ends sent or unknown; only the killed process's rows in flight are unknown, and the others sent all
    # the rest.
    assert sent + unknown == counts.audience == AUDIENCE, counts.counts
    assert unknown <= IN_FLIGHT_AT_MOST
    assert sent <= len(per_member) <= sent + unknown
    assert f"Sent: {sent:,}" in (report.text or "")
    assert len([m for m in telegram.sent if m.chat_id == OWNER.id and "has finished" in (m.text or "")]) == 1

    # One pace for the three: no second at Telegram's end holds more than the rate, the stall's included (the
    # server stamps a message after it arrived and before it answers, so a stall of the test's process bunches
    # only what the pace counted as on the way).
    stamps = sorted(sent.at for sent in messages)
    assert busiest_second(stamps) <= RATE
    # The 429 paused all three: nobody sent for (nearly) the whole retry_after, not just the process that got it.
    longest_silence = max(later - earlier for earlier, later in itertools.pairwise(stamps))
    assert longest_silence >= RETRY_AFTER * 0.9
    # The survivors counted what they sent, for Prometheus.
    assert sum(sends_counted(text, "sent") for text in metrics) > 0
