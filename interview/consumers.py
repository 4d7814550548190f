"""The WebSocket endpoint of a session: hello, resume, commands, live events. Thin.

Authenticate with ``hello``, parse every frame through ``protocol``, authorise by role, call
one service through ``broadcast.perform``, send. No queries here: reads come from
``selectors``, writes from ``services``, and every event a socket receives passes through
``visibility``.
"""

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import selectors, services, telemetry, throttling
from .broadcast import event_text, groups_for, perform
from .clock import SERVER_ID
from .credentials import join_code_normalise
from .dbcalls import in_db_thread
from .errors import ServiceError
from .lifecycle import SERVICE_RESTART, lifecycle
from .protocol import (
    COMMAND_ROLES,
    COMMANDS_PER_SECOND,
    HELLO_TIMEOUT_S,
    MAX_FRAME_BYTES,
    CloseCode,
    Command,
    CommandType,
    ErrorCode,
    EventType,
    ProtocolError,
    command_parse,
    event_frame,
    frame_decode,
    frame_text,
    timestamp,
    valid_command_id,
)
from .visibility import Lens, Viewer, lens_for, project

log = logging.getLogger(__name__)

# How long an event that overtook an earlier one waits for it before the database fills in.
GAP_WAIT_S = 0.3


class Backfill:
    """One read of a session's events after a seq, shared by the sockets of this process.

    The sockets of a session see a gap together (an event from another process overtook an
    earlier one) and fill it together, ``GAP_WAIT_S`` later. Each reading the database and
    serialising the events for itself, a big room's thousand sockets per process spent a
    quarter of the process on it; now the first one reads, the others share that read, and
    each frame is serialised once per lens.
    """

    def __init__(self, session_id: int, after_seq: int) -> None:
        loop = asyncio.get_running_loop()
        self.after_seq = after_seq
        self.started = loop.time()
        read = in_db_thread(selectors.event_rows_after)(session_id, after_seq)
        self.rows = loop.create_task(read)
        self.texts: dict[tuple, str | None] = {}

    def covers(self, after_seq: int, gap_since: float) -> bool:
        """Whether this read serves a socket that has everything up to ``after_seq`` and has
        held an early event since ``gap_since``: it must start no later in the sequence, and
        after that event arrived, when everything before it was already committed."""
        loop = asyncio.get_running_loop()
        return (
            self.rows.get_loop() is loop
            and self.after_seq <= after_seq
            and self.started >= gap_since
        )

    def text_for(self, event: Any, viewer: Viewer) -> str | None:
        lens = lens_for(event.type, event.payload, viewer)
        key = (event.seq, lens, viewer.participant_id if lens is Lens.AUTHOR else None)
        if key not in self.texts:
            data = project(event.type, event.payload, lens, audience=event.audience)
            self.texts[key] = event_text(event, data)
        return self.texts[key]


_backfills: dict[int, Backfill] = {}  # by session id: the latest read of each session
BACKFILLS_KEPT = 256


def backfill_for(session_id: int, after_seq: int, gap_since: float) -> Backfill:
    """A read that serves this socket: the session's latest if it covers it, else a new one."""
    read = _backfills.get(session_id)
    if read is None or not read.covers(after_seq, gap_since):
        read = _backfills[session_id] = Backfill(session_id, after_seq)
        if len(_backfills) > BACKFILLS_KEPT:  # sessions long over keep no rows here
            now = read.started
            for stale in [sid for sid, r in _backfills.items() if r.started < now - 60]:
                del _backfills[stale]
    return read


class RateLimit:
    """At most ``limit`` commands in any one second: a sliding window of accepted times.

    Exactly the contract's "more than 20 commands a second are refused". A token bucket of 20
    refilling at 20 a second would let a burst spread over a few hundred milliseconds through
    with more than 20.
    """

    def __init__(self, limit: int, window_s: float = 1.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self.accepted: deque[float] = deque()

    def take(self) -> bool:
        now = time.monotonic()
        while self.accepted and now - self.accepted[0] >= self.window_s:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            return False
        self.accepted.append(now)
        return True


class SessionConsumer(AsyncWebsocketConsumer):
    """One socket of one participant in one session."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Serve the socket; if the channel layer goes away, tell the client to retry.

        Without this, a Redis outage ends every socket with a bare 1011. With it the client
        gets 4013 ("try again later"), reconnects with backoff and resumes from its last seq;
        nothing acknowledged is lost, since every event is in the database first.
        """
        try:
            await super().__call__(scope, receive, send)
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.warning("channel layer unavailable (%s); closing the socket with 4013", error)
            telemetry.CLOSES.labels(code=str(CloseCode.TRY_AGAIN_LATER)).inc()
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": int(CloseCode.TRY_AGAIN_LATER)})
            with contextlib.suppress(Exception):
                await self.disconnect(CloseCode.TRY_AGAIN_LATER)

    async def dispatch(self, message: dict) -> None:
        """Call the message's handler, without Channels' per-message connection clean-up.

        ``AsyncConsumer.dispatch`` runs ``close_old_connections`` through the one shared sync
        thread before every message, so every event fanned out to every socket queued behind
        the database work of the whole process. This consumer never uses a database
        connection on that thread: its database calls run through ``in_db_thread``, which
        cleans up around each call.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.participant = None
        self.session_id: int | None = None
        self.viewer: Viewer | None = None
        self.delivered_seq = 0
        self.early: dict[int, str | None] = {}  # events that arrived ahead of a gap, by seq
        self.gap_since = 0.0  # when the oldest of them arrived
        self.delivery = asyncio.Lock()
        self.gap_fill: asyncio.Task | None = None
        self.groups_joined: list[str] = []
        self.bucket = RateLimit(COMMANDS_PER_SECOND)
        self.hello_timer: asyncio.Task | None = None
        code = join_code_normalise(self.scope["url_route"]["kwargs"]["code"])
        telemetry.session_code.set(code)
        await self.accept()
        if lifecycle.draining:
            await self.close(code=SERVICE_RESTART)
            return
        if not lifecycle.layer_ok:
            await self.close(code=CloseCode.TRY_AGAIN_LATER)
            return
        try:
            self.session_id = await in_db_thread(throttling.session_id_for_guess)(
                code, throttling.client_address(self.scope)
            )
        except throttling.TooManyGuessesError:
            await self.close(code=CloseCode.TOO_MANY_GUESSES)
            return
        if self.session_id is None:
            await self.close(code=CloseCode.SESSION_NOT_FOUND)
            return
        lifecycle.sockets.add(self)
        telemetry.OPEN_SOCKETS.inc()
        self.hello_timer = asyncio.create_task(self._hello_deadline())

    async def _hello_deadline(self) -> None:
        await asyncio.sleep(HELLO_TIMEOUT_S)
        if self.participant is None:
            await self.close(code=CloseCode.UNAUTHENTICATED)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # daphne wants a plain int: an IntEnum member is refused as a close code.
        code = int(code) if isinstance(code, int) and not isinstance(code, bool) else code
        telemetry.CLOSES.labels(code=str(code)).inc()
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        if self in lifecycle.sockets:
            lifecycle.sockets.discard(self)
            telemetry.OPEN_SOCKETS.dec()
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        if self.gap_fill is not None:
            self.gap_fill.cancel()
        # The database first: presence must be right even when the layer below is away.
        if self.participant is not None:
            # Left on purpose (a close frame: tab closed, page left): gone now. Dropped (no
            # close frame, 1006): probably coming back, so the grace period applies.
            on_purpose = code in (1000, 1001)
            await perform(
                services.connection_close,
                channel_name=self.channel_name,
                grace=None if on_purpose else selectors.PRESENCE_GRACE,
            )
        for group in self.groups_joined:
            # With Redis away the membership cannot be removed; it expires (group_expiry) and
            # sends to this dead channel expire unread (expiry).
            with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                await self.channel_layer.group_discard(group, self.channel_name)

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close(code=CloseCode.MESSAGE_TOO_BIG)
            return
        if self.participant is None:
            await self._receive_hello(text_data)
            return
        command_id = frame = None
        try:
            # Every frame counts against the limit, the unreadable ones too.
            allowed = self.bucket.take()
            unreadable = None
            try:
                if text_data is None:
                    raise ProtocolError(ErrorCode.BAD_JSON, "Frames are JSON text, not binary.")
                frame = frame_decode(text_data)
            except ProtocolError as refused:
                unreadable = refused
            if isinstance(frame, dict) and valid_command_id(frame.get("id")):
                command_id = frame["id"]
            if not allowed:
                raise ProtocolError(
                    ErrorCode.RATE_LIMITED,
                    f"More than {COMMANDS_PER_SECOND} commands a second; slow down.",
                )
            if unreadable is not None:
                raise unreadable
            command = command_parse(frame)
            await self._run(command)
        except ProtocolError as refused:
            kind = frame.get("type") if isinstance(frame, dict) else None
            telemetry.COMMANDS.labels(
                type=kind if kind in set(CommandType) else "other", outcome=refused.code
            ).inc()
            await self._send_error(refused.code, refused.message, refused.command_id or command_id)

    async def _receive_hello(self, text_data: str | None) -> None:
        """The first frame must be a valid hello with a token of this session: else 4401."""
        # The first frame came in time: the deadline is met even if a busy server takes long
        # to look the token up. (Cancelled only at the welcome, a hello that waited for a
        # database thread in a reconnect storm was refused with 4401 and its client sent away.)
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        self.bucket.take()
        try:
            command = command_parse(frame_decode(text_data or ""))
        except ProtocolError:
            command = None
        if command is None or command.type is not CommandType.HELLO:
            await self.close(code=CloseCode.UNAUTHENTICATED)
            return
        participant = await in_db_thread(selectors.participant_for_token)(
            session_id=self.session_id, token=command.data["token"]
        )
        if participant is None:
            await self.close(code=CloseCode.UNAUTHENTICATED)
            return
        await self._welcome(participant, command.data["last_seq"])

    async def _welcome(self, participant: Any, last_seq: int) -> None:
        # Join the groups before reading the database: an event committed in between is then
        # both replayed and queued live, and the queued copy is dropped by its seq.
        self.groups_joined = groups_for(
            session_id=self.session_id, participant_id=participant.id, role=participant.role
        )
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.participant = participant
        self.viewer = Viewer(participant_id=participant.id, role=participant.role)
        telemetry.participant_id.set(participant.id)
        viewer, session_id, channel_name = self.viewer, self.session_id, self.channel_name

        def arrive() -> tuple[Any, dict, list[dict]]:
            # One trip to a database thread, not two: a reconnect storm makes a thousand.
            services.participant_arrive(
                participant=participant, channel_name=channel_name, server_id=SERVER_ID
            )
            return selectors.welcome_for(session_id, viewer, last_seq)

        session, snapshot, replay = await perform(arrive)
        await self._send(
            event_frame(
                EventType.WELCOME,
                {
                    "participant": {
                        "participant_id": participant.id,
                        "name": participant.display_name,
                        "role": participant.role,
                        "is_owner": participant.user_id is not None
                        and participant.user_id == session.owner_id,
                    },
                    "session": {"code": session.code, "title": session.title},
                    "snapshot": snapshot,
                    "server_now": timestamp(),
                    "last_seq": session.last_seq,
                },
            )
        )
        # A last_seq from the future (a client of a reset database) must not mute live events.
        async with self.delivery:
            self.delivered_seq = min(last_seq, session.last_seq)
            await self._send_events(replay)

    async def _run(self, command: Command) -> None:
        if command.type is CommandType.PING:
            await self._send(event_frame(EventType.PONG, {}, command_id=command.id))
            telemetry.COMMANDS.labels(type=command.type, outcome="pong").inc()
            return
        if command.type is CommandType.HELLO:
            raise ProtocolError(ErrorCode.INVALID, "This socket has already said hello.")
        allowed = COMMAND_ROLES[command.type]
        if self.participant.role not in allowed:
            raise ProtocolError(
                ErrorCode.FORBIDDEN,
                f"{command.type} is for {' and '.join(sorted(allowed))}s only.",
                command.id,
            )
        try:
            result = await perform(
                services.command_execute, participant=self.participant, command=command
            )
        except ServiceError as refused:
            code = ErrorCode(refused.code) if refused.code in set(ErrorCode) else ErrorCode.INVALID
            raise ProtocolError(code, refused.message, command.id) from None
        await self._send(event_frame(EventType.ACK, result, command_id=command.id))
        telemetry.COMMANDS.labels(type=command.type, outcome="ack").inc()

    # --- events to the client -------------------------------------------------------------

    async def session_event(self, message: dict) -> None:
        """A committed event of the session, already cut for this socket's lens.

        Events reach the socket in ``seq`` order. Fan-outs from two processes can overtake
        each other, so one that arrives early waits here; if the gap has not closed within
        ``GAP_WAIT_S``, it is filled from the database, where every earlier event is already
        committed. (Filling at once made every socket of a session query the database on
        every overtaking: a busy room's database thread drowned in it.)
        """
        if self.participant is None or message.get("skip") == self.participant.id:
            return
        seq = message["seq"]
        if seq <= self.delivered_seq:
            return
        async with self.delivery:
            had_gap = bool(self.early)
            self.early[seq] = message["text"]
            await self._deliver_in_order()
            if self.early and not had_gap:
                self.gap_since = asyncio.get_running_loop().time()
        if self.early and (self.gap_fill is None or self.gap_fill.done()):
            self.gap_fill = asyncio.create_task(self._fill_gap_later())

    async def _deliver_in_order(self) -> None:
        while self.delivered_seq + 1 in self.early:
            seq = self.delivered_seq + 1
            text = self.early.pop(seq)
            if text is not None:
                await self.send(text_data=text)
            self.delivered_seq = seq

    async def _fill_gap_later(self) -> None:
        await asyncio.sleep(GAP_WAIT_S)
        async with self.delivery:
            if not self.early:
                return
            read = backfill_for(self.session_id, self.delivered_seq, self.gap_since)
            # Shielded: this socket closing must not cancel the read its neighbours share.
            for event in await asyncio.shield(read.rows):
                if event.seq <= self.delivered_seq:
                    continue
                text = read.text_for(event, self.viewer)
                if text is not None:
                    await self.send(text_data=text)
                self.delivered_seq = event.seq
            for seq in [seq for seq in self.early if seq <= self.delivered_seq]:
                del self.early[seq]
            await self._deliver_in_order()
            if self.early:
                # An event that arrived after the shared read began is still ahead of a gap:
                # wait again, then fill from a read that begins after now.
                self.gap_since = asyncio.get_running_loop().time()
                self.gap_fill = asyncio.create_task(self._fill_gap_later())

    async def session_presence(self, message: dict) -> None:
        """Someone came online or went offline."""
        if self.participant is not None:
            await self.send(text_data=message["text"])

    async def _send_events(self, events: list[dict]) -> None:
        for event in events:
            if event["seq"] <= self.delivered_seq:
                continue
            if event["data"] is not None:
                await self._send(
                    event_frame(event["type"], event["data"], seq=event["seq"], ts=event["ts"])
                )
            self.delivered_seq = event["seq"]

    async def _send_error(self, code: str, message: str, command_id: Any) -> None:
        await self._send(
            event_frame(
                EventType.ERROR, {"code": str(code), "message": message}, command_id=command_id
            )
        )

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=frame_text(frame))
