"""The server's clock: every process closes due rounds and keeps presence honest.

Each server process runs one ``Clock`` task. Four times a second it closes the rounds whose
deadline has passed (a conditional update in ``rounds_close_due`` makes exactly one process
win each round), so a deadline fires within a second even when nobody is connected and
whichever process the interviewer used is gone. Every few seconds it refreshes the heartbeat
of its own sockets and reaps sockets of processes that died without closing them.
"""

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time

from interview.domain import services
from interview.domain.presence import PRESENCE_HEARTBEAT
from interview.live.dbcalls import perform

log = logging.getLogger(__name__)

# Names this process's sockets in the database, so survivors can tell whose went stale.
SERVER_ID = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
TICK_S = 0.25


class Clock:
    """The periodic duties of one server process."""

    def __init__(self) -> None:
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        """Start the clock in the running event loop, once."""
        if self.task is not None and not self.task.done():
            return
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def run(self) -> None:
        last_beat = 0.0
        while True:
            try:
                await perform(services.rounds_close_due)
                if time.monotonic() - last_beat >= PRESENCE_HEARTBEAT.total_seconds():
                    await perform(services.connections_heartbeat, server_id=SERVER_ID)
                    await perform(services.connections_reap)
                    last_beat = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database or Redis is away; keep ticking, the next tick retries.
                log.exception("clock tick failed")
            await asyncio.sleep(TICK_S)


clock = Clock()
