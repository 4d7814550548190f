"""What running Python in the browser costs a candidate (issue 20): the first run on a cold
cache (Pyodide downloaded from the server, compiled, started), a warm run of ``print(1)``
(a fresh interpreter ready), a run right after another (it waits for that fresh
interpreter), and the bytes a browser downloads to run code at all.

Against a running server (``make run``, or DEBUG=0 daphne for whitenoise's production
headers), in Chromium driven by Playwright, a new browser context (an empty cache) per cold
run; the runner module driven on the landing page, as the candidate's Run button drives it:

    .venv/bin/python bench/runner_cost.py --url http://127.0.0.1:8000   # bench/results/runner.json
    .venv/bin/python bench/report.py                                    # and docs/benchmarks.md

Not part of ``make test`` nor ``make bench``: about two minutes.
"""

from __future__ import annotations

import asyncio
import statistics
import sys

from browser_cost import SETTLE_S, chromium, main, stamp

COLD_RUNS = 3
WARM_RUNS = 3
RUNNER = "/static/interview/js/runner.js"


async def measure(url: str, executable: str) -> dict:
    cold, warm, after = [], [], []
    downloads: dict[str, int] = {}
    async with chromium(executable) as browser:
        for attempt in range(COLD_RUNS):
            context = await browser.new_context()
            page = await context.new_page()
            sizes: dict[str, int] = {}

            async def finished(request, sizes=sizes) -> None:
                size = await request.sizes()
                sizes[request.url] = size["responseBodySize"] + size["responseHeadersSize"]

            page.on("requestfinished", lambda request: asyncio.ensure_future(finished(request)))
            await page.goto(url)
            await page.wait_for_load_state("networkidle")
            before = set(sizes)
            cold.append(
                await page.evaluate(
                    """async (runner) => {
                        const { PythonRunner } = await import(runner);
                        window.runner = new PythonRunner();
                        const started = performance.now();
                        await window.runner.run("print(1)");
                        return performance.now() - started;
                    }""",
                    RUNNER,
                )
            )
            for _ in range(WARM_RUNS):
                await asyncio.sleep(SETTLE_S)
                warm.append(await page.evaluate(TIMED_RUN))
            await page.evaluate("window.runner.run('print(1)')")
            after.append(await page.evaluate(TIMED_RUN))
            if attempt == 0:
                downloads = {
                    name.removeprefix(url.rstrip("/")): size
                    for name, size in sizes.items()
                    # The server's files (blob: URLs are the sandbox's own, downloading nothing).
                    if name.startswith(url.rstrip("/"))
                    and (name not in before or name.endswith(RUNNER))
                }
            await context.close()
        version = browser.version
    return {
        "meta": stamp(version, url),
        "cold_ms": cold,
        "warm_ms": warm,
        "after_ms": after,
        "downloads": downloads,
    }


TIMED_RUN = """async () => {
    const started = performance.now();
    await window.runner.run("print(1)");
    return performance.now() - started;
}"""


def summary(result: dict) -> str:
    return (
        f"cold {statistics.median(result['cold_ms']):.0f} ms, "
        f"warm {statistics.median(result['warm_ms']):.1f} ms, "
        f"right after another {statistics.median(result['after_ms']):.0f} ms, "
        f"{sum(result['downloads'].values()):,} bytes"
    )


if __name__ == "__main__":
    sys.exit(main(__doc__, "runner", measure, summary))
