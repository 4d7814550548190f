"""Channels adapted to a process that holds thousands of sockets, and to daphne's close codes.

Upstream: https://github.com/django/channels/blob/4.3.2/channels/consumer.py
"""

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

    # No channel-layer channel per socket. With an alias, ``AsyncConsumer.__call__`` opens a
    # channel for each consumer (``new_channel``: a Redis subscription under the pub/sub
    # layer) and runs a receive on it for the socket's life. Events reach these sockets
    # through the process's one hub (``interview.live.delivery``) instead.
    channel_layer_alias: str | None = None
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

        Channels' ``AsyncConsumer.dispatch`` (https://github.com/django/channels/pull/2090)
        runs it through the process's one shared sync thread before every message, so each
        frame of each socket would queue behind every HTTP request of the process. The
        consumers here make their database calls through ``dbcalls.in_db_thread``, which
        cleans up around each call, as ``database_sync_to_async`` does.
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
    leaves 1001-2999 to the protocol itself) and raises for the rest: the close is lost, and
    the socket stays open or goes down with daphne's 1011. So 1001-1999 close as their mirror
    in the 4000s, as 4012 and 4013 mirror 1012 and 1013: 1009 as 4009, 1011 as 4011; anything
    else unsendable as 4011. Upstream: ``WebSocketProtocol.sendClose`` in
    https://github.com/crossbario/autobahn-python/blob/v26.6.2/src/autobahn/websocket/protocol.py
    """
    if code == 1000 or 3000 <= code <= 4999:
        return code
    if 1001 <= code <= 1999:
        return code + 3000
    return 4011
