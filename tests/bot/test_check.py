"""`python -m bot check`: a whole ledger passes; a balance out of step with its entries fails, exit code 1."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.__main__ import main
from models.core.programme import Programme
from models.members.registry import Member
from tests.models.till import new_member, sale


def run_check(monkeypatch: pytest.MonkeyPatch, database_url: str) -> int:
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token-abcdef")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir("/")  # no .env file from the working tree
    return main(["check"])


async def test_whole_ledger_passes(
    session: AsyncSession,
    programme: Programme,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member = await new_member(session, programme, 1)
    await sale(session, programme, member, "1000", receipt="A1")
    code = await asyncio.to_thread(run_check, monkeypatch, database_url)
    out = capsys.readouterr().out
    assert code == 0
    assert "members: 1, ledger entries: 2, points held: 150" in out
    assert "ledger OK" in out


async def test_balance_out_of_step_with_its_entries_fails(
    session: AsyncSession,
    programme: Programme,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member = await new_member(session, programme, 1)
    await session.execute(update(Member).where(Member.id == member).values(balance=999))
    await session.commit()
    code = await asyncio.to_thread(run_check, monkeypatch, database_url)
    out = capsys.readouterr().out
    assert code == 1
    assert f"balance equals the sum of the member's entries and is not negative: {member} (999 vs 100)" in out
