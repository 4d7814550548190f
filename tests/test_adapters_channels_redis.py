"""interview/adapters/channels_redis.py: a cancelled reader takes its channel with it.

A failure here means the framework changed under an adaptation: it may no longer be needed
(remove it) or no longer work (rework it)."""

import asyncio
import contextlib
import os

from channels.layers import InMemoryChannelLayer

from interview.adapters.channels_redis import channel_reader_cancel

from .waiting import WAIT_S, eventually

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
