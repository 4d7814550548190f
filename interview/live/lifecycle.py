"""A server process's life: start its clock, watch its channel layer, drain on SIGTERM.

A server started by ``server/run.py`` starts the clock when it starts serving, and on SIGTERM
runs ``drain`` before it stops: the process stops listening, refuses new sockets and reports
503 on /healthz (so load balancers stop sending), closes every socket it holds with 4012
("service restart": reconnect, elsewhere), forgets those sockets in the database so presence
stays right, and stops the clock, all within ``DRAIN_TIMEOUT_S``.

Every second the process also PINGs its channel layer's Redis, from a thread of its own. When
three PINGs in a row fail (refused, or no answer within 2 s), Redis is gone: the process
closes its sockets with 4013 ("try again later") and refuses new ones until Redis is back:
clients retry with backoff and resume from their last seq, and since every event is in the
database before it is sent, nothing acknowledged is lost.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from interview.domain import services
from interview.domain.protocol import CloseCode
from interview.live.clock import SERVER_ID, clock

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 8.0
SERVICE_RESTART = CloseCode.SERVICE_RESTART
LAYER_CHECK_S = 1.0
LAYER_PROBE_TIMEOUT_S = 2.0
LAYER_FAILURES = 3


# The probe's own thread and Redis client: a PING answered in a thread is judged by the
# socket's timeout alone, so an event loop busy with a big room's fan-out cannot make an idle
# Redis look away (and the watch close every socket of a healthy server).
_probe_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redis-probe")
_probe_clients: dict[str, redis.Redis] = {}


def _layer_redis_address() -> str | None:
    """The Redis URL of the default channel layer, or None for a layer without Redis."""
    hosts = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {}).get("hosts") or []
    if not hosts:
        return None
    host = hosts[0]
    if isinstance(host, dict):
        return host["address"]
    if isinstance(host, list | tuple):
        return f"redis://{host[0]}:{host[1]}"
    return host


def _redis_ping(address: str) -> None:
    client = _probe_clients.get(address)
    if client is None:
        client = _probe_clients[address] = redis.Redis.from_url(
            address,
            socket_timeout=LAYER_PROBE_TIMEOUT_S,
            socket_connect_timeout=LAYER_PROBE_TIMEOUT_S,
        )
    client.ping()


async def layer_probe() -> None:
    """Raise unless the channel layer's Redis answers a PING within the probe timeout.

    The in-memory layer of the embedded set-up has nothing that can go away.
    """
    address = _layer_redis_address()
    if address is None:
        return
    await asyncio.get_running_loop().run_in_executor(_probe_executor, _redis_ping, address)


def _forget_own_sockets() -> None:
    try:
        services.connections_forget(server_id=SERVER_ID)
    finally:
        connection.close()


class Lifecycle:
    """This process's state as a server: draining or not, its layer's verdict, its sockets."""

    def __init__(self) -> None:
        self.draining = False
        self.layer_ok = True
        self.sockets: set = set()  # the consumers of this process's open sockets
        self.watch: asyncio.Task | None = None

    def start(self) -> None:
        """Start the clock and the layer watch in the running loop, once."""
        clock.start()
        if self.watch is None or self.watch.done():
            self.watch = asyncio.get_running_loop().create_task(self.watch_layer())

    async def watch_layer(self) -> None:
        """Declare the layer away after ``LAYER_FAILURES`` failed probes in a row, back after one.

        A failure is Redis refusing the connection or not answering within the probe's
        socket timeout; a busy event loop only makes the verdict arrive late.
        """
        failures = 0
        while True:
            try:
                await layer_probe()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
            if self.layer_ok and failures >= LAYER_FAILURES:
                self.layer_ok = False
                log.warning("channel layer unavailable: closing %d sockets", len(self.sockets))
                await self.close_sockets(CloseCode.TRY_AGAIN_LATER)
            elif not failures and not self.layer_ok:
                self.layer_ok = True
                log.info("channel layer is back")
            await asyncio.sleep(LAYER_CHECK_S)

    async def close_sockets(self, code: int) -> None:
        """Close every socket this process holds with ``code``."""
        for consumer in list(self.sockets):
            try:
                await consumer.close(code=code)
            except Exception:
                log.debug("socket already closed")

    def refusal(self) -> CloseCode | None:
        """Why this process takes no new socket now, if it does not."""
        if self.draining:
            return CloseCode.SERVICE_RESTART
        if not self.layer_ok:
            return CloseCode.TRY_AGAIN_LATER
        return None

    async def drain(self) -> None:
        """Stop serving: refuse new sockets, close the open ones, forget them, stop the clock."""
        self.draining = True
        if self.watch is not None:
            self.watch.cancel()
        log.info("draining: closing %d sockets", len(self.sockets))
        await self.close_sockets(SERVICE_RESTART)
        try:
            # A thread of its own: the shared database thread may be mid-call and stuck on a
            # loop that is stopping ("Single thread executor already being used").
            await sync_to_async(_forget_own_sockets, thread_sensitive=False)()
        except Exception:
            log.exception("could not forget this process's sockets; they will be reaped")
        await clock.stop()


lifecycle = Lifecycle()

AsgiApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def with_lifecycle(app: AsgiApp) -> AsgiApp:
    """Wrap an ASGI app so the clock runs as soon as the server handles anything."""

    async def application(scope: dict, receive: Callable, send: Callable) -> None:
        if not lifecycle.draining:
            lifecycle.start()
        await app(scope, receive, send)

    return application
