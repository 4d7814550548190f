"""The WebSocket endpoint of a session: hello, commands, and its seat in the delivery hub.

Authenticate with ``hello``, parse every frame through ``protocol``, authorise by role, call
one service through ``dbcalls.perform``, send. Reads come from ``selectors``, writes from
``services``; events reach the socket through ``delivery``, cut by ``visibility``.
"""

import asyncio
import contextlib
import logging
import secrets
from typing import Any

from interview import telemetry
from interview.adapters import ManySocketsConsumer
from interview.domain import presence, selectors, services, throttling
from interview.domain.broadcast import publications_send
from interview.domain.credentials import join_code_normalise
from interview.domain.errors import ErrorCode, Refusal
from interview.domain.protocol import (
    COMMANDS_PER_SECOND,
    HELLO_TIMEOUT_S,
    MAX_FRAME_BYTES,
    CloseCode,
    Command,
    CommandType,
    EventType,
    answered_id,
    command_authorise,
    command_parse,
    error_frame,
    event_frame,
    frame_decode,
    frame_text,
)
from interview.domain.visibility import Viewer
from interview.live.clock import SERVER_ID
from interview.live.dbcalls import in_db_thread, perform
from interview.live.delivery import Listener, hub
from interview.live.groupcommit import command_performed, committer, grouped
from interview.live.lifecycle import lifecycle

log = logging.getLogger(__name__)


class SessionConsumer(ManySocketsConsumer):
    """One socket of one participant in one session."""

    # Redis gone: "try again later"; the client reconnects with backoff and resumes.
    layer_lost_code = CloseCode.TRY_AGAIN_LATER
    # Commands a second, per participant: their sockets in this process share the budget.
    budgets = throttling.SharedRateLimits(COMMANDS_PER_SECOND)

    async def connect(self) -> None:
        self.participant = self.listener = self.session_id = self.hello_timer = None
        # A grouped command still being written, and the tasks that reply to such commands.
        self.grouped_tail: asyncio.Future | None = None
        self.replies: set[asyncio.Task] = set()
        self.budget_held: int | None = None  # the participant whose budget this socket holds
        self.socket_id = f"{SERVER_ID}!{secrets.token_hex(8)}"  # names its Connection row
        # The hello's budget, this socket's own; the participant's once it is welcomed.
        self.bucket = throttling.RateLimit(COMMANDS_PER_SECOND)
        code = join_code_normalise(self.scope["url_route"]["kwargs"]["code"])
        telemetry.session_code.set(code)
        await self.accept()
        # Accepted first, refused with a close code: a refused handshake has none to tell why.
        refusal = lifecycle.refusal()
        if refusal is None:
            try:
                self.session_id = await in_db_thread(throttling.session_id_for_guess)(
                    code, throttling.client_address(self.scope)
                )
            except throttling.TooManyGuessesError:
                refusal = CloseCode.TOO_MANY_GUESSES
        if refusal is None and self.session_id is None:
            refusal = CloseCode.SESSION_NOT_FOUND
        if refusal is not None:
            await self.close(code=refusal)
            return
        lifecycle.sockets.add(self)
        telemetry.OPEN_SOCKETS.inc()
        self.hello_timer = asyncio.create_task(self._hello_deadline())

    async def _hello_deadline(self) -> None:
        await asyncio.sleep(HELLO_TIMEOUT_S)
        if self.participant is None:
            await self.close(code=CloseCode.UNAUTHENTICATED)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        telemetry.CLOSES.labels(code=str(int(code)) if isinstance(code, int) else "1000").inc()
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        if self in lifecycle.sockets:
            lifecycle.sockets.discard(self)
            telemetry.OPEN_SOCKETS.dec()
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        if self.listener is not None:
            listener, self.listener = self.listener, None
            await hub().detach(listener)
        if self.budget_held is not None:
            self.budgets.release(self.budget_held)
            self.budget_held = None
        if self.participant is not None:
            # Left on purpose (a close frame: tab closed, page left): gone now. Dropped (no
            # close frame, 1006): probably coming back, so the grace period applies.
            on_purpose = code in (1000, 1001)
            await perform(
                services.connection_close,
                channel_name=self.socket_id,
                grace=None if on_purpose else presence.PRESENCE_GRACE,
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close(code=CloseCode.MESSAGE_TOO_BIG)
            return
        if self.participant is None:
            await self._receive_hello(text_data)
            return
        frame = None
        try:
            allowed = self.bucket.take()  # every frame counts, the unreadable ones too
            with contextlib.suppress(Refusal):
                frame = frame_decode(text_data) if text_data is not None else None
            if not allowed:
                raise Refusal(
                    ErrorCode.RATE_LIMITED,
                    f"More than {COMMANDS_PER_SECOND} commands a second; slow down.",
                )
            if text_data is None:
                raise Refusal(ErrorCode.BAD_JSON, "Frames are JSON text, not binary.")
            await self._run(command_parse(frame_decode(text_data)))
        except Refusal as refused:
            kind = frame.get("type") if isinstance(frame, dict) else None
            telemetry.COMMANDS.labels(
                type=kind if kind in set(CommandType) else "other", outcome=refused.code
            ).inc()
            await self._send_frame(error_frame(refused, answered_id(frame)))

    async def _receive_hello(self, text_data: str | None) -> None:
        """The first frame must be a valid hello with a token of this session: else 4401."""
        if self.hello_timer is None:  # refused at connect; a frame was already on its way
            return
        # The first frame came in time: the deadline is met however long the lookup takes.
        self.hello_timer.cancel()
        self.bucket.take()
        try:
            command = command_parse(frame_decode(text_data or ""))
        except Refusal:
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
        self.participant = participant
        self.bucket, self.budget_held = self.budgets.hold(participant.id), participant.id
        self.bucket.take()  # the hello counts in the participant's budget too
        telemetry.participant_id.set(participant.id)
        viewer = Viewer(participant_id=participant.id, role=participant.role)
        # Seated before reading: whatever commits after the read reaches the backlog.
        self.listener: Listener = await hub().attach(
            session_id=self.session_id,
            viewer=viewer,
            send=self._send_text,
            close=self.close,
            socket_id=self.socket_id,
        )
        socket_id = self.socket_id

        def arrive() -> selectors.Welcome:
            # One trip to a database thread, not two: a reconnect storm makes a thousand.
            services.participant_arrive(
                participant=participant, channel_name=socket_id, server_id=SERVER_ID
            )
            return selectors.welcome_for(participant, viewer, last_seq)

        welcome = await perform(arrive)
        await self._send_event(EventType.WELCOME, welcome.data)
        await self.listener.catch_up(welcome.replay, welcome.resume_from)

    async def _run(self, command: Command) -> None:
        if command.type is CommandType.PING:
            telemetry.COMMANDS.labels(type=command.type, outcome="pong").inc()
            await self._send_event(EventType.PONG, {}, command.id)
            return
        if command.type is CommandType.HELLO:
            raise Refusal(ErrorCode.INVALID, "This socket has already said hello.")
        command_authorise(command, self.participant.role)
        if grouped(command):
            # Pipelined: the socket reads its next frame while the group commits. Its
            # commands still take effect in the order sent (one queue, groups in order), and
            # their replies go out in that order.
            done = committer().submit(self.participant, command)
            self.grouped_tail = done
            reply = asyncio.create_task(self._reply_when_committed(command, done))
            self.replies.add(reply)
            reply.add_done_callback(self.replies.discard)
            return
        if self.grouped_tail is not None and not self.grouped_tail.done():
            await asyncio.wait([self.grouped_tail])  # the socket's earlier commands first
        # A refusal goes up to ``receive``, which answers it.
        result, publications = await command_performed(self.participant, command)
        telemetry.COMMANDS.labels(type=command.type, outcome="ack").inc()
        # Committed: acknowledged at once, then the room is told (an ack may come before or
        # after the event its command caused: docs/protocol.md, "Ordering and delivery").
        try:
            await self._send_event(EventType.ACK, result, command.id)
        finally:
            await publications_send(publications)

    async def _reply_when_committed(self, command: Command, done: asyncio.Future) -> None:
        """A grouped command's ack, or its error, once its group has committed."""
        try:
            result = await done
        except Refusal as refused:
            telemetry.COMMANDS.labels(type=command.type, outcome=refused.code).inc()
            reply = error_frame(refused, command.id)
        except Exception:
            # As an error in a command run in line: logged, and the socket closed (1011); the
            # client reconnects and resumes.
            log.exception("a grouped %s failed", command.type)
            with contextlib.suppress(Exception):
                await self.close(code=1011)
            return
        else:
            telemetry.COMMANDS.labels(type=command.type, outcome="ack").inc()
            reply = event_frame(EventType.ACK, result, command_id=command.id)
        with contextlib.suppress(Exception):  # the socket may have closed meanwhile
            await self._send_frame(reply)

    async def _send_event(self, kind: EventType, data: dict, command_id: Any = None) -> None:
        await self._send_frame(event_frame(kind, data, command_id=command_id))

    async def _send_frame(self, frame: dict) -> None:
        await self._send_text(frame_text(frame))

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)
