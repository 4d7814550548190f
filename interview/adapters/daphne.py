"""daphne, Twisted and autobahn adapted: socket failures, writes, start, drain, the CLI.

Import this module before anything imports ``twisted.internet.reactor``: it imports
``daphne.server`` first, which installs the asyncio reactor daphne runs on.

Upstream: https://github.com/django/daphne/blob/4.2.2/daphne/server.py and
https://github.com/django/daphne/blob/4.2.2/daphne/cli.py,
https://github.com/crossbario/autobahn-python/blob/v26.6.2/src/autobahn/websocket/protocol.py,
https://github.com/twisted/twisted/blob/0465a2c4f0fcf1e2bb568e51359477ad2e7c78b0/src/twisted/internet/abstract.py
"""

import daphne.server  # isort: skip - first: it installs the asyncio reactor

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet import defer, reactor, tcp


class InboundLimitProtocol(WebSocketProtocol):
    """Daphne's protocol with the message size limit on what clients send only, and its
    messages written to the socket once per turn of the loop.

    Autobahn's ``sendMessage`` applies --websocket-max-message-size
    (``maxMessagePayloadSize``) to outgoing messages too, and a big room's welcome (thousands
    of participants) is larger than the 64 KiB a client may send.

    Twisted's TCP transport never sends in ``write`` (``FileDescriptor.write``): it buffers,
    registers the socket for writability, sends on the next turn of the loop and unregisters
    it, two ``epoll_ctl`` calls and a loop callback per frame on top of the ``send``. Here the
    messages of one turn wait in ``_unsent``, and at the turn's end each socket gets them in
    one ``send`` (what it does not take goes through Twisted's buffer, in order). A process
    that falls behind has many messages per socket in a turn, so it catches up with fewer
    system calls. Control frames (close, ping), TLS transports and autobahn's own queued
    sends take the usual path, after whatever waits. docs/benchmarks.md has the profile.
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
        if plain and transport_sends_now(self.transport) and turn_end.add(self):
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
        if transport_sends_now(transport):
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
    frame over --websocket-max-message-size reaches the client as 1006. Without the drop it
    sends the close frame with 1009, as docs/protocol.md promises. Daphne has no option for
    it and lets applications close only with 1000 or 3000-4999, hence the subclass.
    """

    protocol = InboundLimitProtocol

    def resetProtocolOptions(self) -> None:  # noqa: N802 - autobahn's name
        super().resetProtocolOptions()
        self.failByDrop = False


class TurnEnd:
    """The protocols with messages waiting for the end of the loop's turn, and its callback."""

    def __init__(self) -> None:
        self.waiting: list[InboundLimitProtocol] = []
        self.due_on: asyncio.AbstractEventLoop | None = None  # the loop ``flush`` is due on

    def add(self, protocol: InboundLimitProtocol) -> bool:
        """Have ``protocol``'s messages sent at the end of this turn; False outside a loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if protocol._unsent is None:
            if not self.waiting or self.due_on is not loop:
                loop.call_soon(self.flush)
                self.due_on = loop
            self.waiting.append(protocol)
        return True

    def flush(self) -> None:
        batch = self.waiting.copy()
        self.waiting.clear()
        for protocol in batch:
            protocol.unsent_flush()


turn_end = TurnEnd()


def transport_sends_now(transport: Any) -> bool:
    """A plain TCP transport, open, with nothing buffered: a send now keeps the order.

    Reads where Twisted's ``tcp.Connection`` keeps its state: ``TLS``, ``connected``,
    ``disconnecting``, ``_writeDisconnected``, and the unsent bytes of ``FileDescriptor``
    (``_tempDataBuffer``, ``dataBuffer`` from ``offset``).
    """
    return (
        isinstance(transport, tcp.Connection)
        and transport.TLS is False
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport._tempDataBuffer
        and transport.offset == len(transport.dataBuffer)
    )


def websocket_factory_install() -> None:
    """Have daphne serve WebSockets through ``ClosingWebSocketFactory``.

    ``daphne.server.Server.run`` builds its factory from the name ``WebSocketFactory`` in
    its module, so this must run before it does.
    """
    daphne.server.WebSocketFactory = ClosingWebSocketFactory


def listening_stop() -> None:
    """Close this process's listening sockets; the open connections stay.

    Daphne has no call for it; its ports are the reactor's TCP port readers
    (``twisted.internet.tcp.Port``).
    """
    for reader in list(reactor.getReaders()):
        if isinstance(reader, tcp.Port):
            reader.stopListening()


def reactor_hooks_install(
    *,
    start: Callable[[], None],
    drain: Callable[[], Coroutine[Any, Any, None]],
    drain_timeout_s: float,
) -> None:
    """Run ``start`` when daphne's reactor starts; on SIGTERM, ``drain`` before it stops.

    Daphne has no start or shutdown hook for an application; Twisted's reactor has both:
    ``callWhenRunning`` and a "before shutdown" system event trigger, which the reactor waits
    for when it returns a Deferred. Listening stops first: a proxy that hashes a session to
    this process then has its connect refused and tries the next process, so the sockets
    ``drain`` closes reconnect there at once instead of being sent back to be closed again.
    The drain gets ``drain_timeout_s``. Upstream: ``ReactorBase.callWhenRunning`` and
    ``addSystemEventTrigger`` in
    https://github.com/twisted/twisted/blob/c1553e1c64de516142dba2cf7c0e5ca8f79b089d/src/twisted/internet/base.py
    """

    def before_shutdown() -> defer.Deferred:
        listening_stop()
        task = asyncio.ensure_future(asyncio.wait_for(drain(), drain_timeout_s))
        return defer.Deferred.fromFuture(task)

    # The reactor's startup triggers fire before its asyncio loop runs, and ``start`` needs
    # the running loop (``asyncio.get_running_loop``): it runs on the loop's first turn.
    reactor.callWhenRunning(reactor.callLater, 0, start)
    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)


def command_line_run(args: list[str], *, after_load: Callable[[], None]) -> None:
    """Run daphne's command line with ``args``; ``after_load`` once it has the application.

    Daphne's CLI sets up its logging, then imports the application (``load_asgi_app``),
    then builds and runs the server. ``after_load`` runs between the import and the server,
    when Django is set up and the reactor has not started.
    """

    class CommandLine(CommandLineInterface):
        def load_asgi_app(self, asgi_app_path: str) -> Any:
            application = super().load_asgi_app(asgi_app_path)
            after_load()
            return application

    CommandLine().run(args)
