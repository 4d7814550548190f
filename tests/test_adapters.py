"""What each adaptation in interview/adapters.py relies on upstream, checked.

A failure here means Channels, daphne or autobahn changed: the adaptation may no longer be
needed (remove it) or may no longer work (rework it). Its behaviour is tested elsewhere:
frames over the limit close with 1009 and big welcomes arrive (test_processes), commands
flow while the shared sync thread is busy (test_consumers), a draining process hands its
sessions over and a socket whose Redis goes away closes with 4013 (test_stack).
"""

import inspect

from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from channels.consumer import AsyncConsumer
from daphne import server
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import tcp

from interview.adapters import ManySocketsConsumer


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
