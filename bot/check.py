"""`python -m bot check`: verify the ledger against the balances and every rule the database cannot check alone."""

from __future__ import annotations

from bot.settings import Settings
from models.core.db import create_engine, create_sessionmaker
from models.points.check import verify

SHOWN_PROBLEMS = 50


async def check(settings: Settings) -> int:
    """Print a summary and each problem found; 0 when the ledger is whole, 1 otherwise. Changes nothing."""
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            report = await verify(session)
    finally:
        await engine.dispose()
    print(f"members: {report.members}, ledger entries: {report.entries}, points held: {report.points}")
    if report.ok:
        print("ledger OK: every balance equals the sum of its entries; lots, debits and reversals agree")
        return 0
    print(f"ledger BROKEN: {len(report.problems)} problem(s)")
    for problem in report.problems[:SHOWN_PROBLEMS]:
        print(f"  {problem.rule}: {problem.subject} ({problem.found})")
    return 1
