"""A server process's life: start the clock at start-up, drain gracefully on SIGTERM.

On SIGTERM daphne stops its reactor; before it does, ``drain`` runs: the process refuses new
sockets and reports 503 on /healthz (so load balancers stop sending), closes every socket it
holds with 1012 ("service restart": reconnect, elsewhere), forgets those sockets in the
database so presence stays right, and stops the clock, all within ``DRAIN_TIMEOUT_S``.
"""

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async

from . import services
from .clock import SERVER_ID, clock

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 8.0
SERVICE_RESTART = 1012


class Lifecycle:
    def __init__(self) -> None:
        self.draining = False
        self.sockets: set = set()  # the consumers of this process's open sockets

    async def drain(self) -> None:
        """Stop serving: refuse new sockets, close the open ones, forget them, stop the clock."""
        self.draining = True
        log.info("draining: closing %d sockets", len(self.sockets))
        for consumer in list(self.sockets):
            try:
                await consumer.close(code=SERVICE_RESTART)
            except Exception:
                log.debug("socket already closed during drain")
        try:
            await database_sync_to_async(services.connections_forget)(server_id=SERVER_ID)
        except Exception:
            log.exception("could not forget this process's sockets; they will be reaped")
        await clock.stop()


lifecycle = Lifecycle()

AsgiApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def with_lifecycle(app: AsgiApp) -> AsgiApp:
    """Wrap an ASGI app so the clock runs as soon as the server handles anything."""

    async def application(scope: dict, receive: Callable, send: Callable) -> None:
        if not lifecycle.draining:
            clock.start()
        await app(scope, receive, send)

    return application


def install_under_daphne() -> None:
    """Under daphne: start the clock when the reactor starts, drain before it stops.

    Starting at start-up, not first request, closes a deadline that passed while no server
    ran as soon as any server is back.
    """
    if "daphne.server" not in sys.modules:
        return
    from twisted.internet import defer, reactor

    def drain() -> defer.Deferred:
        task = asyncio.ensure_future(asyncio.wait_for(lifecycle.drain(), DRAIN_TIMEOUT_S))
        return defer.Deferred.fromFuture(task)

    reactor.callWhenRunning(clock.start)
    reactor.addSystemEventTrigger("before", "shutdown", drain)
