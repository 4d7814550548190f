"""interview/adapters/daphne.py: the WebSocket factory daphne serves with.

A failure here means the framework changed under an adaptation: it may no longer be needed
(remove it) or no longer work (rework it)."""

import asyncio
import contextlib
import socket

from interview.adapters import daphne as daphne_adapters

from .waiting import WAIT_S

# --- daphne and autobahn: the WebSocket factory ---------------------------------------------


class _Reactor:
    """What a transport asks of its reactor, recorded instead of done."""

    def __init__(self) -> None:
        self.writers: list = []

    def addWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        if writer not in self.writers:
            self.writers.append(writer)

    def removeWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        self.writers.remove(writer)


def socket_to_peer(limit: int = 0):
    """A protocol of the installed factory on a Twisted TCP transport, and the socket at the
    other end; ``limit`` is --websocket-max-message-size (0: none)."""
    import daphne.server
    from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
    from twisted.internet import tcp

    daphne_adapters.websocket_factory_install()
    ours, peer = socket.socketpair()
    reactor = _Reactor()
    factory = daphne.server.WebSocketFactory(object())
    factory.setProtocolOptions(maxMessagePayloadSize=limit, maxFramePayloadSize=limit)
    factory.openHandshakeTimeout = factory.closeHandshakeTimeout = 0  # no timers: no reactor
    protocol = factory.protocol()
    protocol.factory = factory
    protocol.transport = tcp.Connection(ours, protocol, reactor=reactor)
    protocol.transport.connected = 1
    protocol._connectionMade()  # as autobahn does on a new connection
    # As autobahn leaves it once the opening handshake is done.
    protocol.state, protocol.websocket_version = AutobahnProtocol.STATE_OPEN, 13
    protocol.inside_message, protocol.current_frame = False, None
    protocol.websocket_extensions_in_use, protocol._perMessageCompress = [], None
    return protocol, peer, reactor


def received(peer: socket.socket, size: int) -> bytes:
    peer.settimeout(WAIT_S)
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def frame(payload: bytes) -> bytes:
    """A server's unmasked text frame, as autobahn writes it."""
    size = len(payload)
    if size < 126:
        return bytes([0x81, size]) + payload
    if size < 1 << 16:
        return bytes([0x81, 126]) + size.to_bytes(2, "big") + payload
    return bytes([0x81, 127]) + size.to_bytes(8, "big") + payload


def masked_frame(payload: bytes) -> bytes:
    """A client's text frame: masked, as RFC 6455 requires (mask 0: the payload as is)."""
    unmasked = frame(payload)
    header = len(unmasked) - len(payload)
    return unmasked[:1] + bytes([unmasked[1] | 0x80]) + unmasked[2:header] + bytes(4) + payload


def test_the_factory_install_is_what_daphne_s_server_builds():
    import daphne.server

    daphne_adapters.websocket_factory_install()
    assert daphne.server.WebSocketFactory is daphne_adapters.ClosingWebSocketFactory
    factory = daphne.server.WebSocketFactory(object())
    assert factory.protocol is daphne_adapters.InboundLimitProtocol


def test_an_oversized_frame_from_a_client_gets_a_close_frame_with_1009():
    protocol, peer, _ = socket_to_peer(limit=100)
    protocol.dataReceived(masked_frame(b"x" * 101))
    protocol.transport.doWrite()
    close = received(peer, 4)
    assert close[0] == 0x88  # a close frame, not a dropped connection
    assert int.from_bytes(close[2:4], "big") == 1009


async def test_messages_to_a_client_are_not_held_to_the_inbound_limit():
    protocol, peer, _ = socket_to_peer(limit=100)
    welcome = b"w" * 1000
    protocol.sendMessage(welcome)
    await asyncio.sleep(0)  # the end of the turn
    assert received(peer, len(frame(welcome))) == frame(welcome)
    assert protocol.maxMessagePayloadSize == 100  # still the limit for what comes in


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
    protocol, peer, reactor = socket_to_peer()
    counted = protocol.transport.socket = _CountingSocket(protocol.transport.socket)
    protocol.sendMessage(b"first")
    protocol.sendMessage(b"second")
    assert counted.sends == 0  # not yet: more may come this turn
    await asyncio.sleep(0)
    assert received(peer, 15) == frame(b"first") + frame(b"second")
    assert counted.sends == 1
    assert reactor.writers == []  # nothing left for Twisted to send later


async def test_what_the_socket_does_not_take_now_follows_in_order_through_twisteds_buffer():
    protocol, peer, reactor = socket_to_peer()
    big = bytes(range(256)) * 40_000  # 10 MB: more than a socket buffer holds
    protocol.sendMessage(big)
    await asyncio.sleep(0)
    protocol.sendMessage(b"after")  # must not overtake the rest of big
    await asyncio.sleep(0)
    assert reactor.writers == [protocol.transport]
    expected = frame(big) + frame(b"after")
    got = b""
    peer.setblocking(False)
    while len(got) < len(expected):
        with contextlib.suppress(BlockingIOError):
            got += peer.recv(1 << 20)
        if reactor.writers:
            protocol.transport.doWrite()
    assert got == expected


async def test_a_control_frame_goes_after_the_messages_sent_before_it():
    protocol, peer, _ = socket_to_peer()
    protocol.sendMessage(b"first")
    protocol.sendPing(b"p")
    protocol.transport.doWrite()  # the ping went through Twisted's buffer
    assert received(peer, 10) == frame(b"first") + bytes([0x89, 1]) + b"p"
