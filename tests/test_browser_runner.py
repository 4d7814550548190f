"""Running Python in the browser (issue 20, items 1 and 2): the candidate's Run button and
its Output, the limits of a run, and a sandbox that cannot act as the person whose browser
runs it.

The hostile suite runs in every runner host: the candidate's page (through its Run button)
and the panel's live page (signed in, so credentials are there to steal; the runner module
driven by the test, until the dashboard runs answers itself). Each attempt must fail with
nothing reaching the server: its access log shows no request after Pyodide has loaded.
The fixtures are the browser tests' (tests/browser_fixtures.py): one daphne per test, a
browser context per person.
"""

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from .browser import answer_editor, assert_accessible, join_with_name, pushed, screenshot, sign_in
from .servers import DaphneServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


# Loading Pyodide, and each run's fresh interpreter, take seconds on a busy machine.
RUN_TIMEOUT_MS = 60_000
PHONE = {"width": 390, "height": 844}
# A line of daphne's access log: every HTTP request and socket it was sent.
ACCESS = re.compile(r'^\S+ - - \[[^\]]+\] "(\S+) (\S+)"', re.MULTILINE)
# How the Output region says a run ended (run-panel.js), by status.
ENDINGS = {
    "ok": "Finished in ",
    "error": "Finished with an error",
    "timeout": "Stopped after 5 s",
    "memory": "Stopped: the program ran out of memory",
    "crashed": "Stopped: Python itself failed",
}


def requests_seen(server: DaphneServer) -> list[tuple[str, str]]:
    """Every request the server logged so far: (method, or WSCONNECTING for a socket; path)."""
    return ACCESS.findall(server.log())


@dataclass
class Ran:
    status: str
    output: str


class CandidateRunner:
    """The candidate's page: code typed into the answer editor, run with the Run button."""

    name = "candidate"

    def __init__(self, page: Page) -> None:
        self.page = page
        self.output = page.get_by_role("region", name="Output")

    async def run(self, code: str) -> Ran:
        editor = await answer_editor(self.page)
        await editor.fill(code)
        await self.page.get_by_role("button", name="Run", exact=True).click()
        status = self.output.get_by_role("status")
        ended = re.compile("|".join(map(re.escape, ENDINGS.values())))
        await expect(status).to_have_text(ended, timeout=RUN_TIMEOUT_MS)
        said = await status.text_content()
        (found,) = [key for key, start in ENDINGS.items() if said.startswith(start)]
        return Ran(found, await self.page.locator("#run-output").inner_text())


class PanelRunner:
    """The panel's live page, signed in, running code with the runner module itself."""

    name = "panel"

    def __init__(self, page: Page) -> None:
        self.page = page

    async def run(self, code: str) -> Ran:
        result = await self.page.evaluate(
            """async (code) => {
                const { PythonRunner } = await import("/static/interview/js/runner.js");
                window.panelRunner ??= new PythonRunner();
                return await window.panelRunner.run(code);
            }""",
            code,
        )
        return Ran(result["status"], result["output"])


@pytest.fixture(params=["candidate", "panel"])
async def runner_host(request, server, room, questions, tabs, peers):
    """A page that runs code, with a question open in the room; each host in turn."""
    panel = await peers.hello(server, room.code, room.owner_token)
    await pushed(panel, questions[0].id, time_limit_s=900)
    if request.param == "candidate":
        page = await tabs.open("cara", f"/s/{room.code}/")
        await join_with_name(page, "Cara")
        host = CandidateRunner(page)
    else:
        page = await tabs.open("alice", "/accounts/login/")
        await sign_in(page, "alice")
        await page.goto(f"/dashboard/s/{room.code}/")
        await expect(page.get_by_role("heading", name=questions[0].title).first).to_be_visible()
        host = PanelRunner(page)
    return host


def hostile_program(server: DaphneServer, code: str) -> str:
    """Every way out of the sandbox the issue names that does not end the program: each
    attempt prints "blocked: ..." or "LEAKED: ...". Absolute addresses: a worker's own
    address is a blob: URL, against which "/api/..." means nothing."""
    base = server.http_url
    return f"""
import asyncio, js
from pyodide.ffi import create_proxy, to_js

def options(**entries):
    return to_js(entries, dict_converter=js.Object.fromEntries)

def report(name, value):
    print(f"LEAKED: {{name}}: {{value!r}}"[:300])

async def attempt(name, action):
    try:
        value = action()
        if isinstance(value, js.Promise) or asyncio.iscoroutine(value):
            value = await value
    except BaseException as exc:
        print(f"blocked: {{name}}: {{type(exc).__name__}}")
    else:
        report(name, value)

async def websocket(url):
    opened = asyncio.get_running_loop().create_future()
    socket = js.WebSocket.new(url)
    socket.onopen = create_proxy(lambda event: opened.set_result("open"))
    socket.onerror = create_proxy(lambda event: opened.set_exception(ConnectionError()))
    return await asyncio.wait_for(opened, 10)

def xhr(url):
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.withCredentials = True
    request.send()
    return request.responseText

credentials = options(credentials="include")
await attempt("fetch results", lambda: js.fetch("{base}/api/sessions/{code}/results", credentials))
await attempt("fetch sessions", lambda: js.fetch("{base}/api/sessions/", credentials))
await attempt("request sessions", lambda: xhr("{base}/api/sessions/"))
await attempt("websocket", lambda: websocket("{server.ws_url(code)}"))
await attempt("import a script", lambda: js.importScripts("{base}/static/interview/js/api.js"))
await attempt("document.cookie", lambda: js.document.cookie)
await attempt("localStorage", lambda: js.localStorage.getItem("seat"))
await attempt("indexedDB", lambda: js.indexedDB.open("seat"))
await attempt("parent.document", lambda: js.parent.document.body.innerHTML)
await attempt("message to the parent", lambda: js.parent.postMessage("verdict", "*"))
# A forged end of the run with a verdict, and a verdict command, to whoever listens.
js.postMessage(options(type="done", status="ok", result="7 of 7 passed", token="a guess"))
js.postMessage(options(type="answer.verdict", answer_id=1, revision=1, passed=7, total=7))
print("still running after the forged verdict")
"""


ATTEMPTS = [
    "fetch results",
    "fetch sessions",
    "request sessions",
    "websocket",
    "import a script",
    "document.cookie",
    "localStorage",
    "indexedDB",
    "parent.document",
    "message to the parent",
]
ENDLESS_LOOP = "print('looping')\nwhile True:\n    pass"
# 2 GB less a byte: the most a bytearray may hold on 32-bit WebAssembly.
TWO_GIGABYTES = "data = bytearray(2 * 1024**3 - 1)\nprint('allocated', len(data))"
RECURSION_BOMB = (
    "import sys\nsys.setrecursionlimit(10**9)\n\ndef bomb(depth):\n    return bomb(depth + 1)\n\n"
    "bomb(0)\nprint('survived')"
)


async def test_code_run_in_either_runner_reaches_nothing_and_keeps_to_its_limits(
    server, room, runner_host
):
    page = runner_host.page
    # Pyodide loads (its files are the last requests this page makes), and a run works.
    assert await runner_host.run("print(6 * 7)") == Ran("ok", "42\n")
    # Whatever reaches this page's window from the sandbox is recorded.
    await page.evaluate(
        """() => { window.messagesSeen = [];
            addEventListener("message", (event) => window.messagesSeen.push(String(event.data)));
        }"""
    )
    before = requests_seen(server)

    hostile = await runner_host.run(hostile_program(server, room.code))
    assert hostile.status == "ok", hostile.output
    assert "LEAKED" not in hostile.output
    for attempt in ATTEMPTS:
        assert f"blocked: {attempt}:" in hostile.output, attempt
    # The forged end did not end the run: the program went on.
    assert hostile.output.endswith("still running after the forged verdict\n")

    looped = await runner_host.run(ENDLESS_LOOP)
    assert looped == Ran("timeout", "looping\n")
    allocated = await runner_host.run(TWO_GIGABYTES)
    assert allocated.status == "memory", allocated
    assert "MemoryError" in allocated.output
    bombed = await runner_host.run(RECURSION_BOMB)
    assert bombed.status in ("error", "crashed", "memory", "timeout"), bombed
    assert "survived" not in bombed.output
    # The next run works, in a fresh interpreter: the bomb's recursion limit is gone.
    fresh = "import sys\nprint('limit', sys.getrecursionlimit())"
    assert await runner_host.run(fresh) == Ran("ok", "limit 1000\n")

    assert await page.evaluate("window.messagesSeen") == []
    assert requests_seen(server) == before, "the sandbox reached the server"


async def test_the_candidate_runs_code_sees_a_traceback_a_stop_after_5_s_and_runs_again(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    await pushed(panel, questions[0].id, time_limit_s=900)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    editor = await answer_editor(cara)
    output = cara.get_by_role("region", name="Output")
    status = output.get_by_role("status")
    printed = cara.get_by_label("What the program printed")
    run = cara.get_by_role("button", name="Run", exact=True)
    await expect(output).to_be_hidden()

    # The first run loads Python, then prints.
    await editor.fill(
        "def greet(name):\n    return f'Hello, {name}!'\n\nprint(greet('Cara'))\n"
        "print(sum(range(10)))"
    )
    await run.click()
    await expect(status).to_have_text("Loading Python (the first run only)…")
    await expect(status).to_have_text(re.compile(r"^Finished in \d+\.\d\d s\.$"), timeout=60_000)
    await expect(printed).to_have_text("Hello, Cara!\n45\n")
    await screenshot(cara, "candidate-output", of=cara.locator("#question"))
    await assert_accessible(cara, "candidate's page with the output")

    # A traceback, from Ctrl+' in the editor; input() says why it cannot read.
    await editor.fill("name = input('Your name? ')\nprint(name)")
    await editor.press("Control+'")
    await expect(status).to_have_text(
        "Finished with an error: the traceback is above.", timeout=RUN_TIMEOUT_MS
    )
    await expect(printed).to_contain_text('File "main.py", line 1, in <module>')
    await expect(printed).to_contain_text("RuntimeError: input() cannot read here")

    # An endless loop stops after 5 s; meanwhile the page answers: typing goes on.
    await editor.fill("print('counting')\nn = 0\nwhile True:\n    n += 1")
    await run.click()
    await expect(status).to_have_text("Running…", timeout=RUN_TIMEOUT_MS)
    await editor.press("Control+End")
    await editor.press_sequentially("  # still typing")
    await expect(editor).to_contain_text("n += 1  # still typing")
    await expect(status).to_have_text("Running…")
    await expect(status).to_have_text(
        "Stopped after 5 s: the program was still running.", timeout=RUN_TIMEOUT_MS
    )
    await expect(printed).to_have_text("counting\n")

    # The next run works; output beyond 64 KB is cut, and the page says so.
    await editor.fill("print('x' * 70_000)\nprint('end')")
    await run.click()
    await expect(status).to_have_text(re.compile(r"^Finished in "), timeout=RUN_TIMEOUT_MS)
    await expect(printed).to_contain_text("[Output cut at 64 KB.]")
    assert "end" not in (await printed.text_content()).replace("[Output cut at 64 KB.]", "")

    # On a phone: the same run, the output inside the screen's width.
    await cara.set_viewport_size(PHONE)
    await editor.fill("print('on a phone ' * 20)")
    await run.click()
    await expect(status).to_have_text(re.compile(r"^Finished in "), timeout=RUN_TIMEOUT_MS)
    await expect(printed).to_contain_text("on a phone on a phone")
    box = await printed.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert await cara.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
