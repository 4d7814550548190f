"""Helpers of the browser tests: Debian's Chromium driven by Playwright, tabs, screenshots.

Playwright cannot download its own browsers here, so the tests launch the system Chromium
(``CHROMIUM``, default ``/usr/bin/chromium``). Each person in a test gets a browser context of
their own (their own cookies and localStorage), as if on their own machine.
"""

import os
import re
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Dialog, Page

from .servers import ROOT, DaphneServer, service_missing

SCREENSHOTS = ROOT / "docs" / "screenshots"
# No sandbox (containers run as root), no GPU, and nothing that phones home: the machine has
# no internet, and background requests would only slow the start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 860}
COUNTDOWN = re.compile(r"^(\d+):(\d\d)$")


def chromium_path() -> str:
    """The Chromium to drive; skipped locally when missing, a failure under CI."""
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        service_missing(
            f"Chromium is not installed at {path}: run scripts/install-test-tools "
            "(or `apt-get install chromium`), or set CHROMIUM=/path/to/chromium."
        )
    return path


class Tabs:
    """The browser tabs of one test, one context each; records dialogs and script errors."""

    def __init__(self, browser: Browser, server: DaphneServer) -> None:
        self.browser = browser
        self.base_url = server.http_url
        self.contexts: list[BrowserContext] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    async def open(self, who: str, path: str | None = "/") -> Page:
        """A new person's tab (own cookies and storage), at ``path`` unless None."""
        context = await self.browser.new_context(base_url=self.base_url, viewport=VIEWPORT)
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(10_000)

        async def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{who}: {dialog.type} {dialog.message!r}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(f"{who}: {error}"))
        if path is not None:
            await page.goto(path)
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def sign_in(page: Page, username: str, *, lands_on: str = "/dashboard/") -> None:
    """Through the sign-in form, as a person would (the test users' password is pw-NAME)."""
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(f"pw-{username}")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{lands_on}")


async def join_with_name(page: Page, name: str) -> None:
    """The display-name form of the candidate and spectator pages."""
    await page.get_by_label("Display name").fill(name)
    await page.get_by_role("button", name="Join").click()


async def countdown_seconds(page: Page) -> int:
    """The seconds the page's countdown shows (it reads m:ss)."""
    text = (await page.get_by_role("timer", name="Time left").text_content() or "").strip()
    found = COUNTDOWN.match(text)
    assert found, f"the countdown reads {text!r}"
    return int(found.group(1)) * 60 + int(found.group(2))


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page to docs/screenshots/<name>.png, replacing the last run's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path
