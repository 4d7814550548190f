"""Helpers of the browser tests: Debian's Chromium driven by Playwright, tabs, screenshots,
the answer editor, and axe-core's accessibility check.

Playwright cannot download its own browsers here, so the tests launch the system Chromium
(``CHROMIUM``, default ``/usr/bin/chromium``). Each person in a test gets a browser context of
their own (their own cookies and localStorage), as if on their own machine.
"""

import os
import re
from pathlib import Path

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    expect,
)

from .servers import ROOT, DaphneServer, Peer, service_missing

SCREENSHOTS = ROOT / "docs" / "screenshots"
# axe-core, vendored by `make vendor` at the version frontend/editor's lockfile pins.
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
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
# In the page: the tab hidden, or shown again, as switching tabs would say.
TAB = """(state) => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""
# A busy machine (a full test run beside other suites) can take a few seconds per step.
expect.set_options(timeout=10_000)


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

        def on_console(message: ConsoleMessage) -> None:
            # The browser reports what the Content-Security-Policy blocked on the console.
            if message.type == "error" and "Content Security Policy" in message.text:
                self.errors.append(f"{who}: {message.text}")

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(f"{who}: {error}"))
        page.on("console", on_console)
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


async def screenshot(page: Page, name: str, *, of: Locator | None = None) -> Path:
    """Save the whole page (or one part of it) to docs/screenshots/<name>.png, replacing the
    last run's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if of is None:
        await page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    else:
        await of.screenshot(path=path, animations="disabled", caret="hide")
    return path


async def answer_editor(page: Page) -> Locator:
    """The candidate's answer field, once the code editor has taken the textarea's place."""
    editor = page.get_by_role("textbox", name="Answer", exact=True)
    await expect(editor).to_have_attribute("contenteditable", "true")
    return editor


async def expect_answer(page: Page, text: str) -> None:
    """The answer editor holds exactly ``text``: every line, its indentation included."""
    lines = page.get_by_label("Answer", exact=True).locator(".cm-line")
    await expect(lines).to_have_text(
        [re.compile(f"^{re.escape(line)}$") for line in text.split("\n")]
    )


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2.1 A and AA on the page as it is.

    axe is evaluated as a function by the test driver, which the page's CSP does not govern:
    the page itself still runs only what it would run anyway.
    """
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.evaluate("() => {\n" + AXE.read_text() + "\n}")
    results = await page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        })""",
        WCAG_21_AA,
    )
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}:"
        f" {[node['target'] for node in rule['nodes']]}"
        for rule in results["violations"]
        if rule["impact"] in ("serious", "critical")
    ]


def leaderboard(page: Page) -> Locator:
    """The rows of the page's leaderboard."""
    return page.get_by_role("list", name="Leaderboard").get_by_role("listitem")


async def pushed(panel: Peer, question_id: int, **data) -> dict:
    """Push a question over the panel's protocol socket; the ack's data."""
    reply = await panel.command("question.push", {"question_id": question_id, **data})
    assert reply["type"] == "ack", reply
    return reply["data"]


async def assert_accessible(page: Page, view: str) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page."""
    assert await accessibility_violations(page) == [], f"axe on the {view}"
