"""The system's Chromium (never a downloaded one) driven by Playwright, and the sandbox served on a free port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from bot.sandbox import web
from bot.sandbox.run import Sandbox
from tests.support.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def sandbox_page(database: Path) -> AsyncIterator[tuple[Sandbox, str]]:
    """The sandbox on `database`, its page served on a free port of 127.0.0.1; yields it and the page's address."""
    sandbox = Sandbox(database)
    await sandbox.start()
    runner = await web.serve(sandbox, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        yield sandbox, f"http://{host}:{port}"
    finally:
        await runner.cleanup()
        await sandbox.stop()


async def screenshot(page: Page, name: str) -> None:
    """Draw the page as the README shows it; the picture replaces docs/<name> only when UPDATE_SCREENSHOTS=1, so that
    a test run leaves the checkout as it found it."""
    picture = await page.screenshot(full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        (ROOT / "docs" / name).write_bytes(picture)
