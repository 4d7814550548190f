"""What the browser benchmarks (``runner_cost.py``, ``verdict_cost.py``) share: their command
line (``--url`` of a running server, ``--chromium``), Chromium launched as the browser tests
launch it, the stamp of their figures and the writing of ``bench/results/NAME.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from coverage_cost import _commit
from playwright.async_api import Browser, async_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS  # noqa: E402

# Long enough for the fresh interpreter the previous run left behind to be ready.
SETTLE_S = 12


@contextlib.asynccontextmanager
async def chromium(executable: str) -> AsyncIterator[Browser]:
    """Chromium at ``executable`` with the browser tests' arguments, closed on the way out."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def stamp(chromium_version: str, url: str) -> dict[str, Any]:
    """When, at which commit, in which Chromium, on which machine and against which server."""
    return {
        "date": time.strftime("%Y-%m-%d"),
        "commit": _commit(),
        "chromium": chromium_version,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "url": url,
    }


def main(
    doc: str,
    name: str,
    measure: Callable[[str, str], Awaitable[dict[str, Any]]],
    summary: Callable[[dict[str, Any]], str],
) -> int:
    """Measure (``measure(url, chromium)``) as the command line says, write the result to
    ``bench/results/{name}.json`` and print ``summary`` of it; ``doc``'s first paragraph is
    the command's description."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    result = asyncio.run(measure(args.url, args.chromium))
    out = HERE / "results" / f"{name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{summary(result)}; wrote {out}")
    return 0
