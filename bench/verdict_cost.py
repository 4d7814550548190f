"""What a verdict costs the panel's browser (issue 20, item 4): an exercise of 7 tests (3
examples and 4 hidden tests of the bank's first exercise) run against its reference through
``harness.js``, as the dashboard runs each revision (``verdicts.js``), with Pyodide loaded:
settled (the fresh interpreter a run leaves behind is ready) and right after another run
(it waits for that interpreter).

Against a running server (``make run``), in Chromium driven by Playwright, the harness module
driven on the landing page:

    .venv/bin/python bench/verdict_cost.py --url http://127.0.0.1:8000  # bench/results/verdict.json
    .venv/bin/python bench/report.py                                     # and docs/benchmarks.md

Not part of ``make test`` nor ``make bench``: about a minute.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys

import yaml
from browser_cost import ROOT, SETTLE_S, chromium, main, stamp

RUNS = 5
EXAMPLES, HIDDEN = 3, 4

VERDICT = """async ([code, tests]) => {
    const started = performance.now();
    const { results } = await window.runTests(window.runner, code, tests);
    return [performance.now() - started, results.filter((r) => r.passed).length];
}"""


def exercise() -> tuple[str, list[dict]]:
    """The bank's first exercise: its reference, and 7 of its tests."""
    first = yaml.safe_load((ROOT / "interview" / "bank" / "exercises.yaml").read_text())[0]
    reference = re.search(r"```python\n(.*?)```", first["model_answer"], re.S).group(1)
    return reference, first["examples"][:EXAMPLES] + first["tests"][:HIDDEN]


async def measure(url: str, executable: str) -> dict:
    code, tests = exercise()
    settled, after = [], []
    async with chromium(executable) as browser:
        page = await browser.new_page()
        await page.goto(url)
        await page.evaluate(
            """async () => {
                const { PythonRunner } = await import("/static/interview/js/runner.js");
                const { runTests } = await import("/static/interview/js/harness.js");
                window.runner = new PythonRunner();
                window.runTests = runTests;
                await window.runner.start();
            }"""
        )
        for _ in range(RUNS):
            await asyncio.sleep(SETTLE_S)
            ms, passed = await page.evaluate(VERDICT, [code, tests])
            assert passed == len(tests), passed
            settled.append(ms)
            ms, _ = await page.evaluate(VERDICT, [code, tests])
            after.append(ms)
        version = browser.version
    return {
        "meta": {**stamp(version, url), "tests": len(tests)},
        "settled_ms": settled,
        "after_ms": after,
    }


def summary(result: dict) -> str:
    return (
        f"settled {statistics.median(result['settled_ms']):.0f} ms, "
        f"right after another {statistics.median(result['after_ms']):.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main(__doc__, "verdict", measure, summary))
