"""Where this project adapts Channels and daphne: each adaptation, its reason, its upstream.

Nothing else in the project reaches into framework internals. ``tests/test_adapters.py``
checks what each adaptation relies on, so an upstream change that makes one unnecessary, or
breaks it, fails a test instead of passing silently.
"""

import asyncio
import contextlib
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


class ManySocketsConsumer(AsyncWebsocketConsumer):
    """Channels' WebSocket consumer for a process that holds thousands of sockets."""

    # The close code for a socket whose channel layer (Redis) fails under it.
    layer_lost_code: int = 1011

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Serve the socket; if the channel layer goes away, close it with ``layer_lost_code``.

        Channels lets the error end the application, and daphne then drops the socket
        without a close code, which tells a client nothing about what to do.
        """
        try:
            await super().__call__(scope, receive, send)
        except (RedisConnectionError, RedisTimeoutError) as error:
            code = self.layer_lost_code
            log.warning("channel layer unavailable (%s); closing the socket with %s", error, code)
            with contextlib.suppress(Exception):
                await self.close(code=code)
            with contextlib.suppress(Exception):
                await self.disconnect(code)

    async def dispatch(self, message: dict) -> None:
        """Call the handler without Channels' per-message ``aclose_old_connections``.

        Since Channels 4.2 (https://github.com/django/channels/pull/2090) ``dispatch`` runs
        it through the process's one shared sync thread before every message, so each frame
        of each socket queues behind every HTTP request of the process. The consumers here
        make their database calls through ``dbcalls.in_db_thread``, which cleans up around
        each call, as ``database_sync_to_async`` does.
        """
        await getattr(self, get_handler_name(message))(message)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close with a code daphne sends: a plain int (it refuses an ``IntEnum`` member), and
        one an application may send (``application_close_code``)."""
        if isinstance(code, int) and not isinstance(code, bool):
            code = application_close_code(int(code))
        await super().close(code=code, reason=reason)


def application_close_code(code: int) -> int:
    """``code`` as an application can close a socket with it through daphne.

    Autobahn's ``sendClose`` takes only 1000 and 3000-4999 from an application (RFC 6455
    leaves 1001-2999 to the protocol itself) and raises for the rest: the close was lost,
    and the socket stayed open or went down with daphne's 1011. So 1001-1999 close as their
    mirror in the 4000s, as 4012 and 4013 mirror 1012 and 1013: 1009 as 4009, 1011 as 4011;
    anything else unsendable as 4011.
    """
    if code == 1000 or 3000 <= code <= 4999:
        return code
    if 1001 <= code <= 1999:
        return code + 3000
    return 4011


def daphne_websocket_factory_install() -> None:
    """Swap daphne's WebSocket factory for one that fails sockets as PROTOCOL.md promises.

    Called before daphne's ``Server.run`` builds its factory from the module's name.
    """
    import daphne.server
    from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
    from twisted.internet import tcp

    class InboundLimitProtocol(WebSocketProtocol):
        """Daphne's protocol with the message size limit on what clients send only, and
        its messages written to the socket once per turn of the loop.

        Autobahn applies --websocket-max-message-size to outgoing messages too, and a big
        room's welcome (thousands of participants) is larger than the 64 KiB a client may send.

        Twisted's TCP transport never sends in ``write``: it buffers, registers the socket for
        writability, sends on the next turn of the loop and unregisters it, two ``epoll_ctl``
        calls and a loop callback per frame on top of the ``send``; under load that
        bookkeeping cost as much as the sends (py-spy, docs/benchmarks.md). Here the
        messages of one turn wait in ``_unsent``, and at the turn's end each socket gets them
        in one ``send`` (what it does not take goes through Twisted's buffer, in order). A
        process that falls behind has many messages per socket in a turn, so it catches up
        with fewer system calls. Control frames (close, ping), TLS transports and autobahn's
        own queued sends take the usual path, after whatever waits.
        """

        _unsent: list[bytes] | None = None
        _in_message = False

        def sendMessage(self, payload: bytes, *args: Any, **kwargs: Any) -> None:  # noqa: N802
            limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
            self._in_message = True
            try:
                super().sendMessage(payload, *args, **kwargs)
            finally:
                self.maxMessagePayloadSize = limit
                self._in_message = False

        def sendData(  # noqa: N802 - autobahn's name
            self, data: bytes, sync: bool = False, chopsize: int | None = None
        ) -> None:
            plain = self._in_message and not (sync or chopsize or self.send_queue)
            if plain and _sends_now(self.transport) and _turn_end_add(self):
                if self._unsent is None:
                    self._unsent = []
                self._unsent.append(data)
                return
            self.unsent_flush()
            super().sendData(data, sync, chopsize)

        def unsent_flush(self) -> None:
            """Send what waits for the turn's end now: at its end, or before other bytes."""
            unsent, self._unsent = self._unsent, None
            if not unsent:
                return
            data = b"".join(unsent)
            transport = self.transport
            sent = 0
            if _sends_now(transport):
                try:
                    sent = transport.socket.send(data)
                except OSError:  # would block, or the connection is gone: Twisted finds out
                    sent = 0
            if sent < len(data):
                transport.write(data[sent:])

        def dropConnection(self, abort: bool = False) -> None:  # noqa: N802
            self.unsent_flush()
            super().dropConnection(abort)

    class ClosingWebSocketFactory(WebSocketFactory):
        """Daphne's factory, failing a socket with a close frame instead of a dropped TCP.

        Autobahn drops the connection on a protocol failure by default (``failByDrop``), so a
        frame over --websocket-max-message-size reaches the client as 1006. Without the drop
        it sends the close frame with 1009, as PROTOCOL.md promises. Daphne has no option for
        it and lets applications close only with 1000 or 3000-4999, hence the subclass.
        """

        protocol = InboundLimitProtocol

        def resetProtocolOptions(self) -> None:  # noqa: N802 - autobahn's name
            super().resetProtocolOptions()
            self.failByDrop = False

    waiting: list[InboundLimitProtocol] = []
    flushing_on: list[asyncio.AbstractEventLoop | None] = [None]  # the loop _turn_end is due on

    def _turn_end_add(protocol: InboundLimitProtocol) -> bool:
        """Have ``protocol``'s messages sent at the end of this turn; False outside a loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if protocol._unsent is None:
            if not waiting or flushing_on[0] is not loop:
                loop.call_soon(_turn_end)
                flushing_on[0] = loop
            waiting.append(protocol)
        return True

    def _turn_end() -> None:
        batch = waiting.copy()
        waiting.clear()
        for protocol in batch:
            protocol.unsent_flush()

    def _sends_now(transport: Any) -> bool:
        """A plain TCP transport, open, with nothing buffered: a send now keeps the order."""
        return (
            isinstance(transport, tcp.Connection)
            and transport.TLS is False
            and transport.connected
            and not transport.disconnecting
            and not transport._writeDisconnected
            and not transport._tempDataBuffer
            and transport.offset == len(transport.dataBuffer)
        )

    daphne.server.WebSocketFactory = ClosingWebSocketFactory


def twisted_stop_listening() -> None:
    """Close this process's listening sockets; the open connections stay.

    Daphne has no call for it; its ports are the reactor's TCP (and UNIX) port readers.
    """
    from twisted.internet import reactor, tcp

    for reader in list(reactor.getReaders()):
        if isinstance(reader, tcp.Port):
            reader.stopListening()
