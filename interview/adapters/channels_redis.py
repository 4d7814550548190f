"""Channel-layer channels, which a layer deletes when a receive on them is cancelled.

Upstream: ``RedisPubSubChannelLayer.receive`` in
https://github.com/django/channels_redis/blob/4.3.0/channels_redis/pubsub.py, and
``InMemoryChannelLayer.receive`` in
https://github.com/django/channels/blob/4.3.2/channels/layers.py
"""

import asyncio


def channel_reader_cancel(reader: asyncio.Task) -> None:
    """Stop ``reader``, the task receiving on a channel of ``new_channel``'s; its channel goes.

    The layer API has no call that deletes a channel. The layers delete one when a receive
    on it is cancelled instead: channels_redis's pub/sub layer forgets the channel and
    unsubscribes from it in Redis (Channels cancels a consumer's receive when its socket
    closes, and channels_redis takes that as the channel's end), and the in-memory layer
    drops its empty queue. So after this the channel is gone: whoever reads again takes a
    new one (``new_channel``) and joins its groups again. Leaving a group
    (``group_discard``) while the receive goes on keeps the channel and its other groups.
    """
    reader.cancel()
