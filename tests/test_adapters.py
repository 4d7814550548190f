"""What each adaptation in interview/live/adapters.py relies on upstream, checked.

A failure here means Channels, daphne or autobahn changed: the adaptation may no longer be
needed (remove it) or may no longer work (rework it). Its behaviour is tested elsewhere:
frames over the limit close with 1009 and big welcomes arrive (test_processes), commands
flow while the shared sync thread is busy (test_consumers), a draining process hands its
sessions over and a socket whose Redis goes away closes with 4013 (test_stack).
"""

import asyncio
import contextlib
import inspect
import socket

from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from channels.consumer import AsyncConsumer
from daphne import server
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import tcp

from interview.live.adapters import ManySocketsConsumer, daphne_websocket_factory_install


def test_channels_still_closes_old_connections_before_every_message():
    assert "aclose_old_connections()" in inspect.getsource(AsyncConsumer.dispatch)
    assert ManySocketsConsumer.dispatch is not AsyncConsumer.dispatch


def test_daphne_still_builds_its_factory_from_the_module_attribute():
    assert "WebSocketFactory(" in inspect.getsource(server.Server.run)
    assert server.WebSocketFactory.__name__ in {"WebSocketFactory", "ClosingWebSocketFactory"}


def test_autobahn_still_drops_the_connection_on_a_protocol_failure_by_default():
    factory = WebSocketFactory(object())
    assert factory.failByDrop is True


def test_autobahn_still_limits_outgoing_messages_by_the_incoming_limit():
    source = inspect.getsource(AutobahnProtocol.sendMessage)
    assert "maxMessagePayloadSize" in source


def test_twisted_ports_are_still_the_listening_sockets():
    assert hasattr(tcp.Port, "stopListening")


# --- frames written at once (InboundLimitProtocol.sendData) ---------------------------------


class _Reactor:
    """What a transport asks of its reactor, recorded instead of done."""

    def __init__(self) -> None:
        self.writers: list = []

    def addWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        if writer not in self.writers:
            self.writers.append(writer)

    def removeWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        self.writers.remove(writer)


def _socket_to_peer():
    """A WebSocket protocol on a Twisted TCP transport, and the socket at the other end."""
    daphne_websocket_factory_install()
    ours, peer = socket.socketpair()
    reactor = _Reactor()
    factory = server.WebSocketFactory(object())
    factory.openHandshakeTimeout = 0  # no timer: this test runs no reactor
    protocol = factory.protocol()
    protocol.factory = factory
    protocol.transport = tcp.Connection(ours, protocol, reactor=reactor)
    protocol.transport.connected = 1
    protocol._connectionMade()  # as autobahn does on a new connection
    protocol.state, protocol.websocket_version = AutobahnProtocol.STATE_OPEN, 13
    return protocol, peer, reactor


def _received(peer: socket.socket, size: int) -> bytes:
    peer.settimeout(10)
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def _frame(payload: bytes) -> bytes:
    """A server's unmasked text frame, as autobahn writes it."""
    size = len(payload)
    if size < 126:
        return bytes([0x81, size]) + payload
    if size < 1 << 16:
        return bytes([0x81, 126]) + size.to_bytes(2, "big") + payload
    return bytes([0x81, 127]) + size.to_bytes(8, "big") + payload


class _CountingSocket:
    """A socket whose sends are counted."""

    def __init__(self, wrapped: socket.socket) -> None:
        self.wrapped, self.sends = wrapped, 0

    def send(self, data) -> int:
        self.sends += 1
        return self.wrapped.send(data)

    def fileno(self) -> int:
        return self.wrapped.fileno()


async def test_the_messages_of_one_turn_go_to_the_socket_in_one_send_at_its_end():
    protocol, peer, reactor = _socket_to_peer()
    counted = protocol.transport.socket = _CountingSocket(protocol.transport.socket)
    protocol.sendMessage(b"first")
    protocol.sendMessage(b"second")
    assert counted.sends == 0  # not yet: more may come this turn
    await asyncio.sleep(0)
    assert _received(peer, 15) == _frame(b"first") + _frame(b"second")
    assert counted.sends == 1
    assert reactor.writers == []  # nothing left for Twisted to send later


async def test_what_the_socket_does_not_take_now_follows_in_order_through_twisteds_buffer():
    protocol, peer, reactor = _socket_to_peer()
    big = bytes(range(256)) * 40_000  # 10 MB: more than a socket buffer holds
    protocol.sendMessage(big)
    await asyncio.sleep(0)
    protocol.sendMessage(b"after")  # must not overtake the rest of big
    await asyncio.sleep(0)
    assert reactor.writers == [protocol.transport]
    expected = _frame(big) + _frame(b"after")
    got = b""
    peer.setblocking(False)
    while len(got) < len(expected):
        with contextlib.suppress(BlockingIOError):
            got += peer.recv(1 << 20)
        if reactor.writers:
            protocol.transport.doWrite()
    assert got == expected


async def test_a_control_frame_goes_after_the_messages_sent_before_it():
    protocol, peer, _ = _socket_to_peer()
    protocol.sendMessage(b"first")
    protocol.sendPing(b"p")
    protocol.transport.doWrite()  # the ping went through Twisted's buffer, as before
    assert _received(peer, 10) == _frame(b"first") + bytes([0x89, 1]) + b"p"


def test_twisted_transports_still_keep_their_unsent_bytes_where_the_adaptation_looks():
    transport = tcp.Connection(socket.socket(), object(), reactor=_Reactor())
    assert (transport.TLS, transport._tempDataBuffer, transport.dataBuffer) == (False, [], b"")
    assert (transport.offset, transport._writeDisconnected) == (0, False)
    assert "self.transport.write(data)" in inspect.getsource(AutobahnProtocol.sendData)
