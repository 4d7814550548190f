"""Waiting on a condition, as every test does: checked every few milliseconds, with a
generous limit for a loaded machine."""

import asyncio
import time

WAIT_S = 30.0


async def eventually(condition, timeout: float = WAIT_S) -> None:
    """Wait until ``condition()`` holds, checking every few milliseconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.01)
