"""Random and malformed frames, as each role: an error or the documented close, nothing else.

The session has no questions to push, rounds to answer or answers to score, and the panel
member sending frames is not the owner, so no frame can legitimately change anything: the
database must be exactly as before, and a bystander keeps being served.
"""

import contextlib
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.domain.protocol import WEBSOCKET_CODES, CommandType
from interview.models import (
    Answer,
    CommandReceipt,
    Event,
    InterviewSession,
    Participant,
    Round,
    Score,
)

from .live import Client, ClosedError, Seat, panel_member_add, room_create

pytestmark = [pytest.mark.django_db(transaction=True)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
field_values = st.sampled_from(["question_id", "round_id", "answer_id", "score", "text", "token"])
commands = st.fixed_dictionaries(
    {"type": st.sampled_from([t.value for t in CommandType]) | st.text(max_size=20)},
    optional={
        "id": json_values,
        "data": st.dictionaries(field_values | st.text(max_size=8), json_values, max_size=4)
        | json_values,
    },
)
frames = st.one_of(
    commands.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=100),
    st.just('{"type": "ping", "data": {"pad": "' + "x" * 70_000 + '"}}'),
)


@database_sync_to_async
def database_state() -> dict:
    return {
        "events": Event.objects.count(),
        "rounds": Round.objects.count(),
        "answers": Answer.objects.count(),
        "scores": Score.objects.count(),
        "receipts": CommandReceipt.objects.count(),
        "participants": Participant.objects.count(),
        "sessions": list(InterviewSession.objects.values_list("status", "last_seq")),
    }


ERROR_CODES = {code.value for code in WEBSOCKET_CODES}


@pytest.fixture(params=["candidate", "spectator", "interviewer"])
def fuzz_seats(request, interviewer, other_interviewer) -> tuple[str, Seat, Seat]:
    """The session code, the seat sending random frames, and a bystander's seat."""
    room = async_to_sync(room_create)(interviewer)
    if request.param == "interviewer":
        sender = async_to_sync(panel_member_add)(room, other_interviewer)
    else:
        sender = room.seats["Ann" if request.param == "candidate" else "Wall"]
    return room.code, sender, room.seats["Ben"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(frames, min_size=1, max_size=5))
async def test_random_frames_get_errors_and_change_nothing(layer, fuzz_seats, batch):
    code, sender, bystander_seat = fuzz_seats
    bystander = Client(code)
    await bystander.hello(bystander_seat)
    before = await database_state()
    client = Client(code)
    await client.hello(sender)
    welcomed = len(client.frames)
    for frame in batch:
        if isinstance(frame, bytes):
            await client.send_bytes(frame)
        else:
            await client.send_text(frame)
    # Replies come in order: once this ping's pong is in, every frame's reply is too.
    await client.send_json({"type": "ping", "id": "fuzz-last-ping"})
    with contextlib.suppress(ClosedError):  # a frame over the limit closed the socket
        await client.reply("fuzz-last-ping", timeout=10)
    replies = [f for f in client.frames[welcomed:] if f["seq"] is None]
    for reply in replies:
        assert reply["type"] in {
            "error",
            "pong",
            "participant.joined",
            "participant.left",
            "presence.counts",
        }
        if reply["type"] == "error":
            assert reply["data"]["code"] in ERROR_CODES
    if client.closed_with is not None:
        # A frame over the limit: the consumer's own close, 1009's mirror (daphne's frame limit,
        # in front of it in production, closes with 1009 itself).
        assert client.closed_with == 4009
    else:
        await client.disconnect()

    assert await database_state() == before
    await bystander.send_json({"type": "ping", "id": "still-there"})
    assert (await bystander.next("pong"))["id"] == "still-there"
    await bystander.disconnect()
