"""What each adaptation in interview/adapters.py relies on upstream, checked.

A failure here means Channels, daphne or autobahn changed: the adaptation may no longer be
needed (remove it) or may no longer work (rework it). Its behaviour is tested elsewhere:
frames over the limit close with 1009 and big welcomes arrive (test_processes), commands
flow while the shared sync thread is busy (test_consumers), a draining process hands its
sessions over and a socket whose Redis goes away closes with 4013 (test_stack).
"""

import contextlib
import inspect
import socket
from collections import deque

from autobahn.websocket.protocol import TrafficStats
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from channels.consumer import AsyncConsumer
from daphne import server
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import tcp

from interview.adapters import ManySocketsConsumer, daphne_websocket_factory_install


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
    protocol = factory.protocol()
    for option in protocol.CONFIG_ATTRS:  # as autobahn's connectionMade copies them
        setattr(protocol, option, getattr(factory, option))
    protocol.transport = tcp.Connection(ours, protocol, reactor=reactor)
    protocol.transport.connected = 1
    protocol.send_queue, protocol.trafficStats = deque(), TrafficStats()
    protocol.state = AutobahnProtocol.STATE_OPEN
    return protocol, peer, reactor


def _received(peer: socket.socket, size: int) -> bytes:
    peer.settimeout(10)
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def test_a_frame_goes_to_the_socket_without_waiting_for_the_loop():
    protocol, peer, reactor = _socket_to_peer()
    protocol.sendData(b"first")
    protocol.sendData(b"second")
    assert _received(peer, 11) == b"firstsecond"
    assert reactor.writers == []  # nothing left for Twisted to send later


def test_what_the_socket_does_not_take_now_follows_in_order_through_twisteds_buffer():
    protocol, peer, reactor = _socket_to_peer()
    big = bytes(range(256)) * 40_000  # 10 MB: more than a socket buffer holds
    protocol.sendData(big)
    protocol.sendData(b"after")  # must not overtake the rest of big
    assert reactor.writers == [protocol.transport]
    got = b""
    peer.setblocking(False)
    while len(got) < len(big) + 5:
        with contextlib.suppress(BlockingIOError):
            got += peer.recv(1 << 20)
        if reactor.writers:
            protocol.transport.doWrite()
    assert got == big + b"after"


def test_twisted_transports_still_keep_their_unsent_bytes_where_the_adaptation_looks():
    transport = tcp.Connection(socket.socket(), object(), reactor=_Reactor())
    assert (transport.TLS, transport._tempDataBuffer, transport.dataBuffer) == (False, [], b"")
    assert (transport.offset, transport._writeDisconnected) == (0, False)
    assert "self.transport.write(data)" in inspect.getsource(AutobahnProtocol.sendData)
