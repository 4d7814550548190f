"""Delivery: a session's events to this process's sockets, in order, once per process.

Each process holds one channel-layer channel, its hub's. The hub joins the group of every
session it holds sockets of (``broadcast.group_session``), so a session event reaches a
process once, however many of its sockets watch; the publisher has already serialised the
event once per lens, and the hub writes each socket the text of its lens, straight to the
socket, with no queue or task per socket.

Order: events reach a room (the process's sockets of one session) in ``seq`` order. Fan-outs
from two processes can overtake each other; an event that arrives early waits, and if the gap
has not closed within ``GAP_WAIT_S`` the room reads what is missing from the database, where
every earlier event is already committed: one read for all its sockets.

A socket attaches before it reads its welcome from the database and catches up after: what
the room delivers in between waits in the socket's backlog, and only what its replay did not
cover is sent. So a socket misses nothing and gets nothing twice, whichever process it is on.
An event the socket's viewer may not see at all (its audience) is not sent; the next frame
that is sent carries ``prev``, the seq of the one before, so the client sees no gap.

Presence: ``participant.joined``/``left`` go out as they come; ``presence.counts`` is read from
the database once a burst of changes has been quiet for a second (docs/protocol.md).
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from interview import telemetry
from interview.adapters.channels_redis import channel_reader_cancel
from interview.domain import selectors
from interview.domain.broadcast import event_message, group_session
from interview.domain.protocol import CloseCode, EventType, event_frame, frame_after, frame_text
from interview.domain.visibility import Viewer, lens_of
from interview.live.dbcalls import in_db_thread

log = logging.getLogger(__name__)

GAP_WAIT_S: float = settings.DELIVERY_GAP_WAIT_S
# presence.counts: sent once changes have been quiet this long, or this long after the first
# change it reports if they go on: at most one a second, the latest within 1 s of the last.
COUNTS_QUIET_S = 1.0
COUNTS_MAX_WAIT_S = 3.0

Item = tuple[int | None, str | None]  # (seq or None for presence, text or None for nothing)


@dataclass(eq=False)
class Listener:
    """One socket as the hub sees it: who watches, how to write to it, what it has had."""

    session_id: int
    viewer: Viewer
    send: Callable[[str], Awaitable[None]]
    close: Callable[[int], Awaitable[None]]
    # The socket's ``Connection`` name, by which another process may ask it to close.
    socket_id: str = ""
    delivered_seq: int = 0
    # The last seq actually written: it falls behind ``delivered_seq`` while events pass that
    # this viewer may not see, and the next frame written then says so (``frame_after``).
    sent_seq: int = 0
    # What arrived while the socket was catching up; None once it is live.
    backlog: list[Item] | None = field(default_factory=list)

    async def take(self, seq: int | None, text: str | None) -> None:
        """An event or presence frame for this socket: queued while it catches up."""
        if self.backlog is not None:
            self.backlog.append((seq, text))
        else:
            await self._write(seq, text)

    async def catch_up(self, replay: list[Item], after_seq: int) -> None:
        """Send the welcome's replay, then what arrived meanwhile, and go live."""
        self.delivered_seq = self.sent_seq = after_seq
        pending = [*replay, *(self.backlog or [])]
        while pending:
            self.backlog = []  # what arrives during these sends queues behind them
            for seq, text in pending:
                await self._write(seq, text)
            pending = self.backlog
        self.backlog = None

    async def _write(self, seq: int | None, text: str | None) -> None:
        if seq is not None:
            if seq <= self.delivered_seq:
                return
            self.delivered_seq = seq
            if text is None:
                return
            if seq > self.sent_seq + 1:
                text = frame_after(text, self.sent_seq)
            self.sent_seq = seq
        if text is not None:
            try:
                await self.send(text)
            except Exception:  # closed under us: its disconnect detaches it
                log.debug("socket closed while sending", exc_info=True)


class Room:
    """This process's sockets of one session, and where the session's event stream stands."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.listeners: set[Listener] = set()
        self.opened: asyncio.Future | None = None
        self.delivered_seq: int | None = None  # known once subscribed
        self.early: dict[int, dict] = {}  # events that arrived ahead of a gap, by seq
        self.delivery = asyncio.Lock()  # one event at a time reaches the sockets
        self.gap_fill: asyncio.Task | None = None
        self.counts_due: asyncio.Task | None = None
        self.last_change = 0.0

    async def event(self, message: dict) -> None:
        """A committed event, from the layer or the database: delivered in seq order."""
        if self.delivered_seq is None or message["seq"] > self.delivered_seq:
            self.early[message["seq"]] = message
        await self.deliver_in_order()

    async def deliver_in_order(self) -> None:
        async with self.delivery:
            while self.delivered_seq is not None and self.delivered_seq + 1 in self.early:
                message = self.early.pop(self.delivered_seq + 1)
                self.delivered_seq = message["seq"]
                texts, author = message["texts"], message.get("author")
                for listener in tuple(self.listeners):
                    await listener.take(message["seq"], texts[lens_of(listener.viewer, author)])
        if self.early and (self.gap_fill is None or self.gap_fill.done()):
            self.gap_fill = asyncio.create_task(self.fill_gap_later())

    async def fill_gap_later(self) -> None:
        """Read what is missing from the database, if the layer has not brought it by then.

        An event that arrived has committed after every earlier one (the session's lock), so
        a read that starts after it arrived finds the gap filled.
        """
        while self.early:
            await asyncio.sleep(GAP_WAIT_S)
            if not self.early or self.delivered_seq is None:
                continue
            telemetry.GAP_FILLS.inc()
            after = self.delivered_seq
            for row in await in_db_thread(selectors.event_rows_after)(self.session_id, after):
                if row.seq > self.delivered_seq:
                    self.early.setdefault(row.seq, event_message(row))
            self.gap_fill = None  # this task is finishing: delivery may start the next one
            await self.deliver_in_order()
            return

    async def presence(self, message: dict) -> None:
        """Someone came online or went offline: tell whom it concerns; recount soon."""
        texts = message["texts"]
        for listener in tuple(self.listeners):
            await listener.take(None, texts.get(lens_of(listener.viewer, None)))
        self.last_change = asyncio.get_running_loop().time()
        if self.counts_due is None or self.counts_due.done():
            self.counts_due = asyncio.create_task(self.counts_later())

    async def counts_later(self) -> None:
        loop = asyncio.get_running_loop()
        latest = loop.time() + COUNTS_MAX_WAIT_S
        # The deadline moves with each change, so a timer, not an event, is what fits here.
        while (due := min(self.last_change + COUNTS_QUIET_S, latest)) > loop.time():  # noqa: ASYNC110
            await asyncio.sleep(due - loop.time())
        # A change that arrives from here on may miss this read: it schedules the next one.
        self.counts_due = None
        counts = await in_db_thread(selectors.presence_counts)(self.session_id)
        text = frame_text(event_frame(EventType.PRESENCE_COUNTS, counts))
        for listener in tuple(self.listeners):
            await listener.take(None, text)

    async def displace(self, message: dict) -> None:
        """Close the sockets their participant's newer ones displaced (``connection_open``)."""
        doomed = set(message["sockets"])
        for listener in tuple(self.listeners):
            if listener.socket_id in doomed:
                with contextlib.suppress(Exception):
                    await listener.close(CloseCode.DISPLACED)

    def stop(self) -> None:
        for task in (self.gap_fill, self.counts_due):
            if task is not None:
                task.cancel()


class Hub:
    """This process's subscription to its sessions' events, and their delivery to sockets."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.channel: str | None = None
        self.rooms: dict[int, Room] = {}
        self.reader: asyncio.Task | None = None
        self.subscribing = asyncio.Lock()

    async def attach(
        self,
        *,
        session_id: int,
        viewer: Viewer,
        send: Callable[[str], Awaitable[None]],
        close: Callable[[int], Awaitable[None]],
        socket_id: str = "",
    ) -> Listener:
        """Seat a socket in its session's room, subscribing the process to it if need be.

        Call before reading the welcome from the database: anything committed after that read
        then reaches the socket's backlog.
        """
        room = self.rooms.get(session_id)
        if room is None:
            room = self.rooms[session_id] = Room(session_id)
            room.opened = asyncio.ensure_future(self._open(room))
        try:
            await asyncio.shield(room.opened)
        except Exception:
            if self.rooms.get(session_id) is room and not room.listeners:
                del self.rooms[session_id]
            raise
        listener = Listener(
            session_id=session_id, viewer=viewer, send=send, close=close, socket_id=socket_id
        )
        room.listeners.add(listener)
        return listener

    async def _open(self, room: Room) -> None:
        # Subscriptions change one at a time: rooms opened together share one channel and
        # reader, and a room's last socket leaving cannot unsubscribe a room opened meanwhile.
        async with self.subscribing:
            if self.channel is None or self.reader is None or self.reader.done():
                self.channel = await self.layer.new_channel("hub.")
                self.reader = asyncio.create_task(self._read(self.channel))
            await self.layer.group_add(group_session(room.session_id), self.channel)
        # Subscribed first, then read: every event after this seq arrives through the group.
        room.delivered_seq = await in_db_thread(selectors.session_last_seq)(room.session_id)
        await room.deliver_in_order()

    async def detach(self, listener: Listener) -> None:
        """The socket closed: forget it; the last one out unsubscribes the process."""
        room = self.rooms.get(listener.session_id)
        if room is None or listener not in room.listeners:
            return
        room.listeners.discard(listener)
        if room.listeners:
            return
        del self.rooms[listener.session_id]
        room.stop()
        async with self.subscribing:
            if listener.session_id in self.rooms or self.channel is None:
                return  # a socket of the session came back meanwhile: stay subscribed
            # With Redis away the membership cannot be removed; it expires (group_expiry).
            with contextlib.suppress(Exception):
                await self.layer.group_discard(group_session(room.session_id), self.channel)
            if not self.rooms and self.reader is not None:
                # The channel goes with its reader: the next room starts with a new one.
                channel_reader_cancel(self.reader)
                self.reader = self.channel = None

    async def _read(self, channel: str) -> None:
        """The process's one receive loop: each message to its room."""
        try:
            while True:
                message = await self.layer.receive(channel)
                room = self.rooms.get(message.get("session"))
                if room is None:
                    continue
                if message["type"] == "session.event":
                    await room.event(message)
                elif message["type"] == "session.presence":
                    await room.presence(message)
                elif message["type"] == "session.displace":
                    await room.displace(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The layer is gone (Redis down): the sockets reconnect with backoff and resume
            # from their last seq; nothing acknowledged is lost, it is all in the database.
            log.exception("channel layer receive failed; closing this process's sockets")
            await self.close_all(CloseCode.TRY_AGAIN_LATER)

    async def close_all(self, code: int) -> None:
        for room in list(self.rooms.values()):
            for listener in tuple(room.listeners):
                with contextlib.suppress(Exception):
                    await listener.close(code)


_hub: Hub | None = None


def hub() -> Hub:
    """The hub of the running event loop and the current channel layer."""
    global _hub
    layer = get_channel_layer()
    if _hub is None or _hub.layer is not layer or _hub.loop is not asyncio.get_running_loop():
        _hub = Hub(layer)
    return _hub
