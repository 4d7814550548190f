"""Each adaptation in interview/adapters/ does what its docstring says, tested by behaviour.

A failure here means Channels, channels_redis, daphne, autobahn, Twisted or Django changed
under an adaptation: it may no longer be needed (remove it) or no longer work (rework it).
Real daphne processes test the rest end to end: frames over the limit close with 1009 and big
welcomes arrive (test_processes), every close code reaches the client (test_close_codes), a
draining process hands its sessions over (test_stack).
"""

import asyncio
import contextlib
import contextvars
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import channels.consumer
import channels.generic.websocket
import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import caches
from redis.exceptions import ConnectionError as RedisConnectionError

from interview.adapters import daphne as daphne_adapters
from interview.adapters.channels import ManySocketsConsumer, application_close_code
from interview.adapters.channels_redis import channel_reader_cancel
from interview.adapters.django import shared_cache

ROOT = Path(__file__).resolve().parent.parent
WAIT_S = 30.0


async def eventually(condition, timeout: float = WAIT_S) -> None:
    """Wait until ``condition()`` holds, checking every few milliseconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.01)


# --- Channels: ManySocketsConsumer ----------------------------------------------------------


class Echo(ManySocketsConsumer):
    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        await self.send(text_data=text_data)


class PlainEcho(AsyncWebsocketConsumer):
    """Channels' own consumer, for comparison."""

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        await self.send(text_data=text_data)


@pytest.fixture
def memory_layer(settings) -> InMemoryChannelLayer:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


@contextlib.asynccontextmanager
async def connected(consumer: type[AsyncWebsocketConsumer]):
    communicator = WebsocketCommunicator(consumer.as_asgi(), "/")
    accepted, _ = await communicator.connect()
    assert accepted
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def _no_clean_up() -> None:
    """Channels' connection clean-up, left out: it reads the database connection of the
    thread it runs in, which a test without the database may not touch."""


@pytest.fixture(autouse=True)
def without_connection_clean_up(monkeypatch) -> None:
    """Channels cleans up connections before each message and at a disconnect; these tests
    count the former themselves (and replace it again)."""
    monkeypatch.setattr(channels.consumer, "aclose_old_connections", _no_clean_up)
    monkeypatch.setattr(channels.generic.websocket, "aclose_old_connections", _no_clean_up)


async def test_a_socket_opens_no_channel_of_its_own(memory_layer):
    async with connected(PlainEcho) as plain:
        await plain.send_to(text_data="hi")
        assert await plain.receive_from() == "hi"
        assert len(memory_layer.channels) == 1  # what Channels does for each socket
    async with connected(Echo) as ours:
        await ours.send_to(text_data="hi")
        assert await ours.receive_from() == "hi"
        assert memory_layer.channels == {}


async def test_a_frame_is_handled_without_the_shared_thread_s_connection_clean_up(
    memory_layer, monkeypatch
):
    calls = []

    async def counted() -> None:
        calls.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    for consumer, expected in ((PlainEcho, 1), (Echo, 0)):
        async with connected(consumer) as communicator:
            calls.clear()
            await communicator.send_to(text_data="hi")
            assert await communicator.receive_from() == "hi"
            assert len(calls) == expected, consumer


class LosesRedis(Echo):
    layer_lost_code = 1013

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        raise RedisConnectionError("gone")


async def test_a_socket_whose_redis_fails_closes_with_the_layer_lost_code(memory_layer):
    communicator = WebsocketCommunicator(LosesRedis.as_asgi(), "/")
    assert (await communicator.connect())[0]
    await communicator.send_to(text_data="hi")
    # 1013 as daphne lets an application send it: its mirror.
    assert await communicator.receive_output(WAIT_S) == {"type": "websocket.close", "code": 4013}
    await communicator.wait(WAIT_S)


@pytest.mark.parametrize(
    ("code", "sent"),
    [
        *[(1000, 1000), (1009, 4009), (1011, 4011), (1012, 4012), (3000, 3000), (4999, 4999)],
        *[(2000, 4011), (999, 4011), (5000, 4011)],
    ],
)
def test_close_codes_become_ones_an_application_may_send_through_daphne(code, sent):
    assert application_close_code(code) == sent


# --- channels_redis and Channels' layers: a cancelled reader's channel -----------------------


async def _channel_reader_stops_and_takes_its_channel(layer) -> str:
    """A channel in two groups: leaving one while its reader runs keeps the channel and the
    other group; cancelling the reader deletes the channel. The channel's name."""
    channel = await layer.new_channel("hub.")
    await layer.group_add("kept", channel)
    await layer.group_add("left", channel)
    reader = asyncio.create_task(layer.receive(channel))
    await layer.group_discard("left", channel)
    await layer.group_send("left", {"type": "event", "n": 0})  # reaches nobody now
    await layer.group_send("kept", {"type": "event", "n": 1})
    assert (await asyncio.wait_for(reader, WAIT_S))["n"] == 1
    reader = asyncio.create_task(layer.receive(channel))  # the same channel reads on
    await layer.group_send("kept", {"type": "event", "n": 2})
    assert (await asyncio.wait_for(reader, WAIT_S))["n"] == 2
    reader = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)  # the receive is waiting
    channel_reader_cancel(reader)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(reader, WAIT_S)
    assert reader.cancelled()
    await eventually(lambda: channel not in layer.channels)
    return channel


async def test_a_cancelled_reader_takes_its_channel_with_it_in_memory():
    await _channel_reader_stops_and_takes_its_channel(InMemoryChannelLayer())


async def test_a_cancelled_reader_takes_its_channel_with_it_in_redis(redis_url):
    import redis
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"adapters-{os.getpid()}")
    client = redis.Redis.from_url(redis_url)
    try:
        channel = await _channel_reader_stops_and_takes_its_channel(layer)
        # Unsubscribed in Redis too: nothing published to it reaches this process.
        await eventually(lambda: client.pubsub_numsub(channel)[0][1] == 0)
    finally:
        await layer.flush()
        client.close()


# --- Django: one cache client per process ---------------------------------------------------


async def test_the_shared_cache_is_one_client_across_tasks():
    async def in_a_task():
        return shared_cache(), caches["default"]

    # Each socket's task starts from daphne's context, where no cache was made yet.
    (shared_a, own_a), (shared_b, own_b) = await asyncio.gather(
        *(asyncio.create_task(in_a_task(), context=contextvars.Context()) for _ in range(2))
    )
    assert shared_a is shared_b
    assert own_a is not own_b  # Django's own: one per task, the reason for the adaptation


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


# --- server/run.py: adaptations installed, then daphne's command line -----------------------

# Runs ``python -m server.run`` with its server's start observed: reports what the process
# serves with once the reactor runs, then SIGTERMs itself; its drain reports whether the
# port had stopped listening first.
RUN_PROBE = """
import asyncio, json, os, runpy, signal, socket, sys, time
from interview.adapters import daphne as adapters
import daphne.server, gc
from twisted.internet import reactor, tcp

def port():
    return next(r for r in reactor.getReaders() if isinstance(r, tcp.Port)).getHost().port

async def report(server):
    import asyncio
    from interview.live.clock import clock
    from interview.live.lifecycle import lifecycle
    deadline = time.monotonic() + 20  # no request comes: only the start can start them
    while (clock.task is None or lifecycle.watch is None) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    print(json.dumps({
        "factory": type(server.ws_factory).__name__,
        "clock": clock.task is not None, "watch": lifecycle.watch is not None,
        "threshold": list(gc.get_threshold()), "frozen": gc.get_freeze_count() > 0,
    }), flush=True)
    global PORT
    PORT = port()
    os.kill(os.getpid(), signal.SIGTERM)

async def drain_probe(drain):
    import asyncio
    deadline = time.monotonic() + 20
    while socket.socket().connect_ex(("127.0.0.1", PORT)) == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    refused = socket.socket().connect_ex(("127.0.0.1", PORT)) != 0
    await drain()
    from interview.live.lifecycle import lifecycle
    print(json.dumps({"refused_first": refused, "drained": lifecycle.draining}), flush=True)

real_install = adapters.reactor_hooks_install
def install(*, start, drain, drain_timeout_s):
    real_install(start=start, drain=lambda: drain_probe(drain), drain_timeout_s=drain_timeout_s)
adapters.reactor_hooks_install = install
real_run = daphne.server.Server.run
def run(server):
    reactor.callWhenRunning(reactor.callLater, 0, lambda: asyncio.ensure_future(report(server)))
    real_run(server)
daphne.server.Server.run = run
sys.argv = ["server.run", "-e", "tcp:port=0:interface=127.0.0.1", "asgi:application"]
runpy.run_module("server.run", run_name="__main__")
"""


def _server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST",)}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
        SECRET_KEY="test-secret-key-not-for-production",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="server.settings",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("TEST_DATABASE_NAME", None)
    return env


def _python(code: str, env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines, done.stdout + done.stderr
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("gc_tune", ["1", "0"])
def test_run_installs_the_adaptations_then_hands_over_to_daphne(tmp_path, gc_tune):
    import gc

    started, drained = _python(RUN_PROBE, _server_env(tmp_path, GC_TUNE=gc_tune))
    assert started["factory"] == "ClosingWebSocketFactory"
    # Started with the reactor, before any request.
    assert (started["clock"], started["watch"]) == (True, True)
    if gc_tune == "1":
        assert (started["threshold"], started["frozen"]) == ([50_000, 20, 20], True)
    else:
        assert (started["threshold"], started["frozen"]) == (list(gc.get_threshold()), False)
    # SIGTERM: listening stops, then the process drains.
    assert drained == {"refused_first": True, "drained": True}


def test_importing_the_application_changes_nothing_else(tmp_path):
    (imported,) = _python(
        """
import gc, json, sys
threshold = gc.get_threshold()
import asgi, daphne.server
from twisted.internet import reactor
from interview.live.clock import clock
print(json.dumps({
    "application": callable(asgi.application),
    "factory": daphne.server.WebSocketFactory.__name__,
    "gc": gc.get_threshold() == threshold and gc.get_freeze_count() == 0,
    "clock": clock.task is None,
}))
""",
        _server_env(tmp_path),
    )
    assert imported == {
        "application": True,
        "factory": "WebSocketFactory",
        "gc": True,
        "clock": True,
    }
