"""A protocol client over Channels' WebsocketCommunicator, and the room builder for live tests.

``Client`` records every frame it receives, so privacy tests can read a socket's whole
history, and finds frames by type or command id without caring about interleaving.
"""

import asyncio
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from interview.domain import services
from interview.models import InterviewSession

from .frames import Frames

ORIGIN = (b"origin", b"http://localhost")
PRESENCE = {"participant.joined", "participant.left", "presence.counts"}


def asgi_router():
    from asgi import router

    return router


@dataclass
class Seat:
    """A participant's credentials, as the HTTP join hands them out."""

    participant_id: int
    token: str
    role: str
    name: str


@dataclass
class Room:
    session: InterviewSession
    owner: Seat
    seats: dict[str, Seat] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.session.code


@database_sync_to_async
def room_create(owner, *, candidates=("Ann", "Ben"), spectators=("Wall",), title="Panel") -> Room:
    created = services.session_create(owner=owner, title=title)
    room = Room(
        session=created.session,
        owner=Seat(
            created.owner.participant.id, created.owner.token, "interviewer", owner.username
        ),
    )
    for role, names in (("candidate", candidates), ("spectator", spectators)):
        for name in names:
            issued = services.participant_join(
                session=created.session, role=role, display_name=name
            )
            room.seats[name] = Seat(issued.participant.id, issued.token, role, name)
    return room


@database_sync_to_async
def panel_member_add(room: Room, user) -> Seat:
    """Seat another interviewer on the room's panel, as the invite link would."""
    from interview.domain.credentials import secret_hash, secret_new

    invite = secret_new()
    InterviewSession.objects.filter(pk=room.session.pk).update(
        panel_invite_hash=secret_hash(invite)
    )
    room.session.refresh_from_db()
    issued = services.participant_join(
        session=room.session, role="interviewer", user=user, invite=invite
    )
    seat = Seat(issued.participant.id, issued.token, "interviewer", user.username)
    room.seats[user.username] = seat
    return seat


class Client(Frames):
    """One socket, speaking the protocol."""

    def __init__(
        self, code: str, *, app=None, path: str | None = None, address: str = "127.0.0.1"
    ) -> None:
        super().__init__()
        self.communicator = WebsocketCommunicator(
            app or asgi_router(), path or f"/ws/sessions/{code}/", headers=[ORIGIN]
        )
        self.communicator.scope["client"] = (address, 50000)
        self.closed_with: int | None = None

    async def connect(self) -> None:
        connected, _ = await self.communicator.connect()
        assert connected

    async def hello(self, seat: Seat, last_seq: int = 0, *, timeout: float | None = None) -> dict:
        await self.connect()
        await self.send_json({"type": "hello", "data": {"token": seat.token, "last_seq": last_seq}})
        return await self.next("welcome", timeout=timeout)

    async def send_json(self, frame: dict) -> None:
        await self.communicator.send_json_to(frame)

    async def send_text(self, text: str) -> None:
        # send_input, not send_to: send_to refuses an empty frame, which clients can send.
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "bytes": data})

    async def _receive(self, timeout: float) -> dict:
        # Not receive_output: its timeout cancels the application, and tests poll with timeouts.
        queue = self.communicator.output_queue
        if queue.empty() and self.communicator.future.done():
            self.communicator.future.result()  # raise what the application raised
        output = await asyncio.wait_for(queue.get(), timeout)
        if output["type"] == "websocket.close":
            self.closed_with = output.get("code", 1000)
            raise ClosedError(self.closed_with)
        assert output["type"] == "websocket.send", output
        return self.record(output["text"])

    async def drain(self, settle: float = 0.2) -> list[dict]:
        """Read until nothing arrives for ``settle`` seconds; return what was unread."""
        while True:
            try:
                self.unread.append(await self._receive(settle))
            except TimeoutError:
                break
            except ClosedError:
                break
        unread, self.unread = self.unread, []
        return unread

    async def closed(self, timeout: float = 10) -> int:
        """Wait for the server to close the socket; its close code."""
        while self.closed_with is None:
            try:
                await self._receive(timeout)
            except ClosedError:
                break
        return self.closed_with

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


class ClosedError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"closed with {code}")
        self.code = code
