"""interview/adapters/channels.py: a consumer for a process of thousands of sockets, and close
codes an application may send.

A failure here means the framework changed under an adaptation: it may no longer be needed
(remove it) or no longer work (rework it)."""

import contextlib

import channels.consumer
import channels.generic.websocket
import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from redis.exceptions import ConnectionError as RedisConnectionError

from interview.adapters.channels import ManySocketsConsumer, application_close_code

from .waiting import WAIT_S

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
