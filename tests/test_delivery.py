"""Delivery (``interview.live.delivery``): a session's events to this process's sockets.

A socket catching up gets its replay, then what arrived meanwhile, nothing twice; a room
delivers in ``seq`` order, waits for a gap and reads what the layer did not bring from the
database; each socket gets the text of its lens, and ``prev`` after an event it may not see;
presence changes go to whom they concern and are counted once a burst is quiet; a process's
hub subscribes once per session, unsubscribes with its last socket, and closes every socket
when the layer fails.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from interview import telemetry
from interview.domain.broadcast import event_message, event_publish
from interview.domain.protocol import CloseCode, event_frame, frame_text
from interview.domain.visibility import Viewer
from interview.live import delivery
from interview.live.delivery import Hub, Listener, Room
from interview.models import Event, InterviewSession

from .live import room_create

# A wait ends as soon as its condition holds; only a failing test waits this long.
WAIT_S = 10


class Socket:
    """What a listener writes to: the texts sent and the close codes, in order."""

    def __init__(self, *, fails: bool = False) -> None:
        self.sent: list[str] = []
        self.closes: list[int] = []
        self.fails = fails

    async def send(self, text: str) -> None:
        if self.fails:
            raise ConnectionError("closed under us")
        self.sent.append(text)

    async def close(self, code: int) -> None:
        self.closes.append(code)

    def frames(self) -> list[dict]:
        return [json.loads(text) for text in self.sent]

    def seqs(self) -> list[int | None]:
        return [frame["seq"] for frame in self.frames()]


def listener_of(
    socket: Socket, *, participant_id: int = 1, role: str = "candidate", socket_id: str = ""
) -> Listener:
    return Listener(
        session_id=1,
        viewer=Viewer(participant_id, role),
        send=socket.send,
        close=socket.close,
        socket_id=socket_id,
    )


async def live(socket: Socket, **viewer: object) -> Listener:
    """A listener that caught up with nothing and takes events as they come."""
    listener = listener_of(socket, **viewer)
    await listener.catch_up([], after_seq=0)
    return listener


def text(seq: int, event_type: str = "round.closed") -> str:
    return frame_text(event_frame(event_type, {"round_id": seq, "reason": "manual"}, seq=seq))


def message(seq: int, **texts: str | None) -> dict:
    """A ``session.event`` message whose lenses see ``texts`` (everyone the same by default)."""
    same = text(seq)
    return {
        "type": "session.event",
        "session": 1,
        "seq": seq,
        "texts": {"panel": same, "public": same, **texts},
    }


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds; fail after ``WAIT_S`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not condition():
        assert loop.time() < deadline, f"not within {WAIT_S} s: {what}"
        await asyncio.sleep(0.01)


# --- a socket: its catch-up, and prev -------------------------------------------------------


async def test_a_catching_up_socket_gets_its_replay_then_what_came_meanwhile_nothing_twice():
    socket = Socket()
    listener = listener_of(socket)
    presence = frame_text(event_frame("presence.counts", {"candidates": 1}))
    await listener.take(3, text(3))  # the replay has it too
    await listener.take(None, presence)
    await listener.take(4, text(4))
    assert socket.sent == []

    await listener.catch_up([(2, text(2)), (3, text(3))], after_seq=1)
    await listener.take(5, text(5))

    assert socket.seqs() == [2, 3, None, 4, 5]
    assert listener.backlog is None
    assert (listener.delivered_seq, listener.sent_seq) == (5, 5)


async def test_what_arrives_while_the_catch_up_sends_queues_behind_it():
    socket = Socket()
    listener = listener_of(socket)
    sent = socket.send

    async def send_while_an_event_arrives(text_: str) -> None:
        await sent(text_)
        if len(socket.sent) == 1:
            await listener.take(3, text(3))

    listener.send = send_while_an_event_arrives
    await listener.catch_up([(1, text(1)), (2, text(2))], after_seq=0)

    assert socket.seqs() == [1, 2, 3]
    assert listener.backlog is None


async def test_an_event_the_viewer_may_not_see_is_not_sent_and_the_next_frame_says_prev():
    socket = Socket()
    listener = await live(socket)
    await listener.take(1, text(1))
    await listener.take(2, None)  # not this viewer's
    await listener.take(3, None)
    await listener.take(4, text(4))
    await listener.take(2, text(2))  # a late copy of what went by: nothing

    first, fourth = socket.frames()
    assert (first["seq"], "prev" in first) == (1, False)
    assert (fourth["seq"], fourth["prev"]) == (4, 1)


async def test_a_socket_closed_under_a_send_is_no_error_and_its_stream_moves_on():
    socket = Socket(fails=True)
    listener = await live(socket)
    await listener.take(1, text(1))
    await listener.take(None, text(2))
    assert (listener.delivered_seq, socket.sent) == (1, [])


# --- a room: order, gaps, lenses -------------------------------------------------------------


@pytest.fixture
async def rooms() -> AsyncIterator[list[Room]]:
    """Rooms made by a test, their timers stopped at its end."""
    made: list[Room] = []
    yield made
    for room in made:
        room.stop()
    timers = [task for room in made for task in (room.gap_fill, room.counts_due) if task]
    await asyncio.gather(*timers, return_exceptions=True)


def room_at(rooms: list[Room], delivered_seq: int | None, *, session_id: int = 1) -> Room:
    room = Room(session_id)
    room.delivered_seq = delivered_seq
    rooms.append(room)
    return room


async def test_events_reach_a_room_in_seq_order_whatever_order_they_arrive_in(rooms, monkeypatch):
    monkeypatch.setattr(delivery, "GAP_WAIT_S", 60)  # the layer brings the gap's event
    fills = telemetry.GAP_FILLS._value.get()
    room = room_at(rooms, 0)
    socket = Socket()
    room.listeners.add(await live(socket))

    await room.event(message(3))
    await room.event(message(2))
    assert socket.sent == []  # 1 is missing: 2 and 3 wait for it
    assert room.gap_fill is not None
    assert not room.gap_fill.done()
    await room.event(message(1))
    await room.event(message(2))  # twice from the layer: once to the sockets

    assert socket.seqs() == [1, 2, 3]
    assert (room.delivered_seq, room.early) == (3, {})
    assert telemetry.GAP_FILLS._value.get() == fills


async def test_events_that_come_before_the_room_knows_where_its_stream_stands_wait(
    rooms, monkeypatch
):
    monkeypatch.setattr(delivery, "GAP_WAIT_S", 60)
    room = room_at(rooms, None)  # subscribed, the session's last seq not read yet
    socket = Socket()
    room.listeners.add(await live(socket))
    await room.event(message(5))
    await room.event(message(6))
    assert socket.sent == []

    room.delivered_seq = 4  # the read: events after 4 come through the group
    await room.deliver_in_order()

    assert socket.seqs() == [5, 6]


async def test_each_socket_gets_the_text_of_its_lens_and_prev_after_what_it_may_not_see(rooms):
    room = room_at(rooms, 0)
    panel, author, other, spectator = Socket(), Socket(), Socket(), Socket()
    for socket, participant_id, role in (
        (panel, 10, "interviewer"),
        (author, 1, "candidate"),
        (other, 2, "candidate"),
        (spectator, 3, "spectator"),
    ):
        room.listeners.add(await live(socket, participant_id=participant_id, role=role))
    submitted = Event(
        session_id=1,
        seq=1,
        type="answer.submitted",
        payload={
            "answer_id": 7,
            "participant_id": 1,
            "round_id": 1,
            "text": "Mine",
            "coverage": [],
        },
    )
    panel_only = Event(
        session_id=1,
        seq=2,
        type="note.updated",
        payload={"participant_id": 1, "text": "Calm"},
        audience=Event.Audience.INTERVIEWERS,
    )

    await room.event(event_message(submitted))
    await room.event(event_message(panel_only))
    await room.event(message(3))

    answer = {socket: socket.frames()[0]["data"] for socket in (panel, author, other, spectator)}
    assert answer[panel]["text"] == "Mine"
    assert "coverage" in answer[panel]
    assert answer[author]["text"] == "Mine"
    assert "coverage" not in answer[author]
    assert "text" not in answer[other]
    assert "coverage" not in answer[other]
    assert answer[spectator] == answer[other]
    assert panel.seqs() == [1, 2, 3]
    assert "prev" not in panel.frames()[2]
    for socket in (author, other, spectator):
        assert socket.seqs() == [1, 3]
        assert socket.frames()[1]["prev"] == 1


async def test_a_displacement_closes_the_sockets_it_names_and_no_other(rooms):
    room = room_at(rooms, 0)
    sockets = {name: Socket() for name in ("old", "kept", "older")}
    for name, socket in sockets.items():
        room.listeners.add(listener_of(socket, socket_id=name))

    await room.displace({"type": "session.displace", "session": 1, "sockets": ["old", "older"]})

    assert {name: socket.closes for name, socket in sockets.items()} == {
        "old": [CloseCode.DISPLACED],
        "kept": [],
        "older": [CloseCode.DISPLACED],
    }


# --- a room and the database: the gap read, presence counts -------------------------------


@database_sync_to_async
def events_stored(session: InterviewSession, count: int) -> list[Event]:
    """``count`` more events of the session, stored as a service stores them (next seqs)."""
    stored = []
    for _ in range(count):
        session.last_seq += 1
        stored.append(
            Event.objects.create(
                session=session,
                seq=session.last_seq,
                type="round.closed",
                payload={"round_id": session.last_seq, "reason": "manual"},
            )
        )
    session.save(update_fields=["last_seq"])
    return stored


@pytest.mark.django_db(transaction=True)
async def test_a_gap_the_layer_leaves_open_is_read_from_the_database_once(
    interviewer, rooms, monkeypatch
):
    monkeypatch.setattr(delivery, "GAP_WAIT_S", 0.05)
    session = (await room_create(interviewer)).session
    first, second, third = await events_stored(session, 3)
    room = room_at(rooms, 0, session_id=session.id)
    socket = Socket()
    room.listeners.add(await live(socket))
    fills = telemetry.GAP_FILLS._value.get()

    await room.event(event_message(third))  # the layer lost the first two
    await until(lambda: len(socket.sent) == 3, "the two missing events read and delivered")

    assert socket.seqs() == [first.seq, second.seq, third.seq]
    assert telemetry.GAP_FILLS._value.get() == fills + 1
    await room.event(event_message(second))  # the layer's late copy: nothing more
    assert len(socket.sent) == 3


@pytest.mark.django_db(transaction=True)
async def test_presence_goes_to_whom_it_concerns_and_a_burst_is_counted_once_it_is_quiet(
    interviewer, rooms
):
    session = (await room_create(interviewer)).session
    room = room_at(rooms, 0, session_id=session.id)
    panel, public = Socket(), Socket()
    room.listeners.add(await live(panel, participant_id=10, role="interviewer"))
    room.listeners.add(await live(public, participant_id=1, role="candidate"))
    joined = frame_text(event_frame("participant.joined", {"name": "Wall", "online": True}))

    for _ in range(3):  # a burst: three spectators arrive, which the panel alone hears of
        await room.presence({"type": "session.presence", "session": 1, "texts": {"panel": joined}})
        await asyncio.sleep(0.01)  # the recount waits for a quiet second, not for this loop
    await until(lambda: public.sent, "presence.counts after the burst")
    await until(lambda: room.counts_due is None, "the recount finished")

    assert [f["type"] for f in panel.frames()] == ["participant.joined"] * 3 + ["presence.counts"]
    assert [f["type"] for f in public.frames()] == ["presence.counts"]
    assert public.frames()[0]["data"] == {"interviewers": 0, "candidates": 0, "spectators": 0}


# --- a process's hub and the channel layer ------------------------------------------------


@pytest.fixture
async def hub(layer) -> AsyncIterator[Hub]:
    """A hub of its own on the test's layer; its reader and rooms stopped at the end."""
    made = Hub(get_channel_layer())
    yield made
    for room in made.rooms.values():
        room.stop()
    if made.reader is not None:
        made.reader.cancel()
        await asyncio.gather(made.reader, return_exceptions=True)


async def attached(hub: Hub, session: InterviewSession, socket: Socket, **viewer) -> Listener:
    """A socket seated in the hub, caught up with nothing: live from the session's last seq."""
    listener = await hub.attach(
        session_id=session.id,
        viewer=Viewer(viewer.get("participant_id", 1), viewer.get("role", "candidate")),
        send=socket.send,
        close=socket.close,
    )
    await listener.catch_up([], after_seq=hub.rooms[session.id].delivered_seq)
    return listener


@pytest.mark.django_db(transaction=True)
async def test_a_hub_subscribes_once_per_session_and_each_socket_gets_each_event_once(
    hub, interviewer
):
    session = (await room_create(interviewer)).session
    panel, ann = Socket(), Socket()
    panel_seat = await attached(hub, session, panel, participant_id=10, role="interviewer")
    ann_seat = await attached(hub, session, ann)
    assert list(hub.rooms) == [session.id]
    assert hub.rooms[session.id].listeners == {panel_seat, ann_seat}
    channel = hub.channel

    for event in await events_stored(session, 2):
        await event_publish(event)
    await until(lambda: len(panel.sent) == len(ann.sent) == 2, "both events on both sockets")

    assert panel.seqs() == ann.seqs() == [session.last_seq - 1, session.last_seq]
    assert hub.channel == channel


@pytest.mark.django_db(transaction=True)
async def test_the_last_socket_out_unsubscribes_and_the_next_one_subscribes_afresh(
    hub, interviewer
):
    session = (await room_create(interviewer)).session
    first = await attached(hub, session, Socket())
    await hub.detach(first)
    assert (hub.rooms, hub.reader, hub.channel) == ({}, None, None)

    socket = Socket()
    await attached(hub, session, socket)
    (event,) = await events_stored(session, 1)
    await event_publish(event)
    await until(lambda: socket.sent, "the event on the socket of the new subscription")
    assert socket.seqs() == [event.seq]


@pytest.mark.django_db(transaction=True)
async def test_a_socket_leaving_keeps_the_room_for_the_others(hub, interviewer):
    session = (await room_create(interviewer)).session
    leaving, staying = Socket(), Socket()
    gone = await attached(hub, session, leaving)
    await attached(hub, session, staying)
    await hub.detach(gone)
    await hub.detach(gone)  # a second detach of the same socket changes nothing

    (event,) = await events_stored(session, 1)
    await event_publish(event)
    await until(lambda: staying.sent, "the event on the socket that stayed")
    assert (leaving.sent, staying.seqs()) == ([], [event.seq])


class BrokenLayer:
    """A channel layer that subscribes, then fails its receive once told to (Redis gone)."""

    def __init__(self) -> None:
        self.gone = asyncio.Event()

    async def new_channel(self, prefix: str = "specific.") -> str:
        return f"{prefix}broken"

    async def group_add(self, group: str, channel: str) -> None:
        pass

    async def group_discard(self, group: str, channel: str) -> None:
        pass

    async def receive(self, channel: str) -> dict:
        await self.gone.wait()
        raise ConnectionError("the layer is gone")


@pytest.mark.django_db(transaction=True)
async def test_a_layer_that_fails_closes_every_socket_with_try_again_later(interviewer):
    session = (await room_create(interviewer)).session
    layer = BrokenLayer()
    hub = Hub(layer)
    sockets = [Socket(), Socket()]
    for socket in sockets:
        await attached(hub, session, socket)
    layer.gone.set()

    await until(lambda: all(socket.closes for socket in sockets), "every socket closed")

    assert [socket.closes for socket in sockets] == [[CloseCode.TRY_AGAIN_LATER]] * 2
