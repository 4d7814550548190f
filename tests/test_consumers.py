"""The WebSocket contract, command by command, for each role, on memory and on Redis."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interview.domain.broadcast import event_publish
from interview.live.consumers import SessionConsumer
from interview.models import (
    Answer,
    CommandReceipt,
    Event,
    InterviewSession,
    PersonalDeadline,
    Question,
    Round,
)

from .live import Client, panel_member_add, room_create

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def question_ids(bank) -> list[int]:
    return list(Question.objects.order_by("id").values_list("id", flat=True)[:3])


async def joined(room, *names) -> list[Client]:
    clients = []
    for name in names:
        seat = room.owner if name == "owner" else room.seats[name]
        client = Client(room.code)
        await client.hello(seat)
        clients.append(client)
    return clients


async def close_all(*clients: Client) -> None:
    for client in clients:
        await client.disconnect()


# --- handshake ----------------------------------------------------------------------------


async def test_hello_is_answered_with_a_welcome_and_snapshot(layer, interviewer):
    room = await room_create(interviewer)
    client = Client(room.code)
    welcome = await client.hello(room.seats["Ann"])
    assert welcome["seq"] is None
    data = welcome["data"]
    assert data["participant"] == {
        "participant_id": room.seats["Ann"].participant_id,
        "name": "Ann",
        "role": "candidate",
        "is_owner": False,
    }
    assert data["session"] == {"code": room.code, "title": "Panel"}
    assert data["last_seq"] == 0
    assert data["server_now"].endswith("Z")
    snapshot = data["snapshot"]
    assert snapshot["status"] == "lobby"
    assert snapshot["round"] is None
    online = {p["name"]: p["online"] for p in snapshot["participants"]}
    assert online == {"alice": False, "Ann": True, "Ben": False}  # spectators: the panel's
    assert snapshot["counts"] == {"interviewers": 0, "candidates": 1, "spectators": 0}
    assert [row["name"] for row in snapshot["leaderboard"]] == ["Ann", "Ben"]
    await client.disconnect()


async def test_the_panels_welcome_lists_spectators_too(layer, interviewer):
    room = await room_create(interviewer)
    wall, owner = Client(room.code), Client(room.code)
    await wall.hello(room.seats["Wall"])
    snapshot = (await owner.hello(room.owner))["data"]["snapshot"]
    online = {p["name"]: p["online"] for p in snapshot["participants"]}
    assert online == {"alice": True, "Ann": False, "Ben": False, "Wall": True}
    assert snapshot["counts"] == {"interviewers": 1, "candidates": 0, "spectators": 1}
    for client in (wall, owner):
        await client.disconnect()


async def test_a_spectators_comings_and_goings_reach_the_panel_only(layer, interviewer):
    room = await room_create(interviewer)
    owner, ann = Client(room.code), Client(room.code)
    await owner.hello(room.owner)
    await ann.hello(room.seats["Ann"])
    wall = Client(room.code)
    await wall.hello(room.seats["Wall"])
    joined = await owner.next("participant.joined", where=lambda f: f["data"]["name"] == "Wall")
    assert joined["data"]["role"] == "spectator"
    counts = await ann.next("presence.counts", timeout=10)
    assert counts["seq"] is None
    assert counts["data"] == {"interviewers": 1, "candidates": 1, "spectators": 1}
    assert not [
        f
        for f in ann.frames
        if f["type"].startswith("participant.") and f["data"]["name"] == "Wall"
    ]
    assert not [
        f
        for f in wall.frames
        if f["type"].startswith("participant.") and f["data"]["name"] == "Wall"
    ]
    for client in (owner, ann, wall):
        await client.disconnect()


async def test_a_burst_of_200_spectators_gives_a_candidate_few_presence_frames(
    layer, interviewer, monkeypatch, clock
):
    """Coalesced: a recount waits for a quiet second, so a burst of arrivals gives one frame,
    not one per arrival, and it has the right counts.

    The burst reaches the room at once: the room holds the arrivals' presence messages until
    all two hundred have come, however long a busy machine takes to welcome them, then takes
    them in a row. The server's clock runs, as in a server, so that sockets opened early in a
    long burst still count: it refreshes their heartbeats."""
    from interview.live.delivery import Room

    room = await room_create(interviewer, spectators=[f"Fan {i}" for i in range(200)])
    ann = Client(room.code)
    fans = [Client(room.code) for _ in range(200)]
    try:
        await ann.hello(room.seats["Ann"])
        await ann.next("participant.joined")  # her own
        alone = {"interviewers": 0, "candidates": 1, "spectators": 0}
        await ann.next("presence.counts", where=lambda f: f["data"] == alone, timeout=30)
        seen_before = len(ann.frames)
        held = arrivals_held(monkeypatch, Room)
        # Two hundred welcomes queue for a few database threads: a busy machine takes seconds.
        await asyncio.gather(
            *(fan.hello(room.seats[f"Fan {i}"], timeout=60) for i, fan in enumerate(fans))
        )
        await held.all_in(200)
        await held.release()
        final = {"interviewers": 0, "candidates": 1, "spectators": 200}
        counts = await ann.next("presence.counts", where=lambda f: f["data"] == final, timeout=30)
        presence = [
            f
            for f in ann.frames[seen_before:]
            if f["seq"] is None and f["type"].startswith(("presence", "participant"))
        ]
        assert presence == [counts]
    finally:
        # Also after a failure: two hundred open communicators would hold the loop's close.
        await asyncio.gather(*(fan.disconnect() for fan in fans), return_exceptions=True)
        await ann.disconnect()


class HeldArrivals:
    """Presence messages a room is kept from taking until ``release``."""

    def __init__(self, take) -> None:
        self.take = take
        self.messages: list[tuple[object, dict]] = []
        self.released = False

    async def all_in(self, count: int, timeout: float = 60) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages) < count:
            assert loop.time() < deadline, (
                f"{len(self.messages)} of {count} arrivals in {timeout} s"
            )
            await asyncio.sleep(0.05)

    async def release(self) -> None:
        self.released = True
        for room, message in self.messages:
            await self.take(room, message)
            await asyncio.sleep(0)  # the room's recount may run between arrivals


def arrivals_held(monkeypatch, room_class) -> HeldArrivals:
    held = HeldArrivals(room_class.presence)

    async def presence(room, message: dict) -> None:
        if held.released:
            await held.take(room, message)
        else:
            held.messages.append((room, message))

    monkeypatch.setattr(room_class, "presence", presence)
    return held


async def test_an_unknown_session_is_accepted_then_closed_with_4404(layer, db):
    client = Client("NOSUCH22")
    await client.connect()
    assert await client.closed() == 4404


async def test_an_address_guessing_codes_is_closed_with_4429_known_code_or_not(
    layer, interviewer, settings
):
    """Past the join rate, a known code answers like an unknown one: nothing to learn."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"join": "3/min"},
    }
    room = await room_create(interviewer)
    for guess in ("NOSUCH22", "NOSUCH33", "NOSUCH44"):
        client = Client(guess, address="203.0.113.9")
        await client.connect()
        assert await client.closed() == 4404
    for code in ("NOSUCH55", room.code):
        client = Client(code, address="203.0.113.9")
        await client.connect()
        assert await client.closed() == 4429
    elsewhere = Client(room.code, address="198.51.100.7")
    await elsewhere.hello(room.owner)
    await elsewhere.disconnect()


async def test_a_bad_token_closes_with_4401(layer, interviewer):
    room = await room_create(interviewer)
    client = Client(room.code)
    await client.connect()
    await client.send_json({"type": "hello", "data": {"token": "wrong", "last_seq": 0}})
    assert await client.closed() == 4401


async def test_a_token_of_another_session_closes_with_4401(layer, interviewer):
    room, other = await room_create(interviewer), await room_create(interviewer)
    client = Client(room.code)
    await client.connect()
    await client.send_json({"type": "hello", "data": {"token": other.seats["Ann"].token}})
    assert await client.closed() == 4401


@pytest.mark.parametrize(
    "first",
    [
        '{"type": "ping", "data": {}}',
        "not json",
        '{"type": "hello", "data": {}}',
        "[]",
    ],
)
async def test_anything_but_a_hello_first_closes_with_4401(layer, interviewer, first):
    room = await room_create(interviewer)
    client = Client(room.code)
    await client.connect()
    await client.send_text(first)
    assert await client.closed() == 4401


async def test_silence_after_connecting_closes_with_4401(layer, interviewer, monkeypatch):
    monkeypatch.setattr("interview.live.consumers.HELLO_TIMEOUT_S", 0.2)
    room = await room_create(interviewer)
    client = Client(room.code)
    await client.connect()
    assert await client.closed() == 4401


async def test_a_hello_in_time_is_welcomed_however_long_the_server_takes(
    layer, interviewer, monkeypatch
):
    import time

    from interview.domain import selectors

    # Long enough for the hello to arrive in time on a loaded machine; the lookup outlasts it.
    monkeypatch.setattr("interview.live.consumers.HELLO_TIMEOUT_S", 1.0)
    lookup = selectors.participant_for_token

    def slow_lookup(**kwargs):
        time.sleep(1.5)  # a database thread busy with a reconnect storm
        return lookup(**kwargs)

    monkeypatch.setattr(selectors, "participant_for_token", slow_lookup)
    room = await room_create(interviewer)
    client = Client(room.code)
    welcome = await client.hello(room.seats["Ann"])
    assert welcome["data"]["participant"]["name"] == "Ann"
    await client.disconnect()


async def test_a_second_hello_is_invalid(layer, interviewer):
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    reply = await ann.command("hello", {"token": room.seats["Ann"].token, "last_seq": 0})
    assert reply["type"] == "error"
    assert reply["data"]["code"] == "invalid"
    await ann.disconnect()


async def test_ping_gets_pong(layer, interviewer):
    room = await room_create(interviewer)
    (wall,) = await joined(room, "Wall")
    await wall.send_json({"type": "ping", "id": "p", "data": {}})
    pong = await wall.next("pong")
    assert pong["seq"] is None
    assert pong["data"] == {}
    await wall.disconnect()


async def test_a_socket_without_an_origin_header_is_refused(layer, interviewer):
    from channels.testing import WebsocketCommunicator

    from .live import asgi_router

    room = await room_create(interviewer)
    communicator = WebsocketCommunicator(asgi_router(), f"/ws/sessions/{room.code}/")
    connected, _ = await communicator.connect()
    assert not connected


# --- presence -----------------------------------------------------------------------------


async def test_presence_is_announced_to_everyone_including_the_participant(layer, interviewer):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    assert (await owner.next("participant.joined"))["data"]["name"] == "alice"
    (ann,) = await joined(room, "Ann")
    joined_ann = await owner.next("participant.joined")
    assert joined_ann["seq"] is None
    assert joined_ann["data"] == {
        "participant_id": room.seats["Ann"].participant_id,
        "name": "Ann",
        "role": "candidate",
        "online": True,
    }
    assert (await ann.next("participant.joined"))["data"]["name"] == "Ann"
    await ann.disconnect()
    left = await owner.next("participant.left")
    assert (left["data"]["name"], left["data"]["online"]) == ("Ann", False)
    await owner.disconnect()


async def test_a_second_socket_of_one_participant_is_not_a_second_arrival(layer, interviewer):
    room = await room_create(interviewer)
    (owner, ann1) = await joined(room, "owner", "Ann")
    ann2 = Client(room.code)
    await ann2.hello(room.seats["Ann"])
    await ann1.disconnect()
    await ann2.disconnect()
    await owner.next("participant.left", where=lambda f: f["data"]["name"] == "Ann")
    # Frames reach a socket in order: nothing about Ann came between her arrival and her leaving.
    about_ann = [
        f["type"]
        for f in owner.frames
        if f["type"].startswith("participant.") and f["data"]["name"] == "Ann"
    ]
    assert about_ann == ["participant.joined", "participant.left"]
    await owner.disconnect()


async def test_a_fourth_socket_of_one_participant_closes_the_oldest_with_4409(layer, interviewer):
    """At most three open sockets a participant: the oldest goes, the others stay, and nobody
    sees the participant leave."""
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    tabs = await joined(room, "Ann", "Ann", "Ann")
    fourth = Client(room.code)
    await fourth.hello(room.seats["Ann"])
    assert await tabs[0].closed() == 4409
    for tab in (*tabs[1:], fourth):
        assert (await tab.command("ping"))["type"] == "pong"
    fifth = Client(room.code)
    await fifth.hello(room.seats["Ann"])
    assert await tabs[1].closed() == 4409
    assert (await fifth.command("ping"))["type"] == "pong"
    await owner.drain()
    assert not [f for f in owner.frames if f["type"] == "participant.left"]
    await close_all(owner, *tabs, fourth, fifth)


async def test_sockets_of_other_participants_do_not_count_against_ones_cap(layer, interviewer):
    room = await room_create(interviewer)
    sockets = await joined(room, "owner", "Ann", "Ann", "Ann", "Ben", "Ben", "Ben", "Wall")
    for socket in sockets:
        assert (await socket.command("ping"))["type"] == "pong"
    assert all(socket.closed_with is None for socket in sockets)
    await close_all(*sockets)


# --- events for part of the room -----------------------------------------------------------


@database_sync_to_async
def panel_only_event_append(code: str) -> Event:
    """An event for the panel alone, appended as a service appends one (the next seq)."""
    session = InterviewSession.objects.get(code=code)
    session.last_seq += 1
    session.save(update_fields=["last_seq"])
    return Event.objects.create(
        session=session,
        seq=session.last_seq,
        type="round.closed",
        payload={"round_id": 1, "reason": "interviewer"},  # as docs/events.schema.json has it
        audience=Event.Audience.INTERVIEWERS,
    )


async def test_an_event_a_viewer_may_not_see_is_not_sent_and_the_next_one_says_so(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    await event_publish(await panel_only_event_append(room.code))
    hidden = await owner.next("round.closed")
    assert (hidden["seq"], hidden.get("prev")) == (1, None)
    await owner.command("question.push", {"question_id": question_ids[0]})
    opened = await ann.next("round.opened")
    assert (opened["seq"], opened["prev"]) == (2, 0)  # seq 1 was not Ann's
    assert [frame["seq"] for frame in ann.persisted()] == [2]
    assert "prev" not in await owner.next("round.opened")  # the panel saw seq 1
    # A resume replays the same way: nothing of seq 1, and seq 2 says what came before it.
    again = Client(room.code)
    await again.hello(room.seats["Ann"], last_seq=0)
    replayed = await again.next("round.opened")
    assert (replayed["seq"], replayed["prev"]) == (2, 0)
    assert [frame["seq"] for frame in again.persisted()] == [2]
    await close_all(owner, ann, again)


# --- question.push and question.close -----------------------------------------------------


async def test_pushing_a_question_opens_a_round_for_everyone(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner, ann, wall = await joined(room, "owner", "Ann", "Wall")
    ack = await owner.command("question.push", {"question_id": question_ids[0], "time_limit_s": 60})
    assert ack["type"] == "ack"
    assert set(ack["data"]) == {"round_id"}
    for client in (owner, ann, wall):
        opened = await client.next("round.opened")
        assert opened["seq"] == 1
        data = opened["data"]
        assert data["round_id"] == ack["data"]["round_id"]
        assert data["position"] == 1
        assert data["time_limit_s"] == 60
        assert set(data["question"]) == {
            *("id", "title", "kind", "prompt", "prompt_html", "category", "difficulty"),
        }
        assert data["question"]["prompt_html"].startswith("<p>What are Python decorators")
    owner_view = (owner.persisted()[0])["data"]
    assert owner_view["model_answer"].startswith("Python decorators")
    assert '<pre><code><span class="k">def</span>' in owner_view["model_answer_html"]
    assert len(owner_view["key_points"]) >= 3
    assert len(owner_view["key_points_html"]) == len(owner_view["key_points"])
    panel_only = {"model_answer", "model_answer_html", "key_points", "key_points_html"}
    for client in (ann, wall):
        assert not panel_only & set(client.persisted()[0]["data"])
    await close_all(owner, ann, wall)


async def test_pushing_again_closes_the_open_round_first(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    first = await owner.command("question.push", {"question_id": question_ids[0]})
    await owner.command("question.push", {"question_id": question_ids[1]})
    closed = await ann.next("round.closed")
    assert closed["data"] == {"round_id": first["data"]["round_id"], "reason": "next_question"}
    await ann.next("round.opened", where=lambda f: f["data"]["position"] == 2)
    assert [f["seq"] for f in ann.persisted()] == [1, 2, 3]
    await close_all(owner, ann)


async def test_the_push_time_limit_falls_back_to_the_question(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    await owner.command("question.push", {"question_id": question_ids[0]})
    opened = await owner.next("round.opened")
    question = await database_sync_to_async(Question.objects.get)(pk=question_ids[0])
    assert opened["data"]["time_limit_s"] == question.time_limit_s
    await owner.disconnect()


async def test_closing_the_round_tells_everyone(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner, wall = await joined(room, "owner", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    ack = await owner.command("question.close")
    assert ack["data"] == {"round_id": pushed["data"]["round_id"]}
    closed = await wall.next("round.closed")
    assert closed["data"]["reason"] == "interviewer"
    await close_all(owner, wall)


async def test_closing_with_no_open_round_is_not_found(layer, interviewer):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    reply = await owner.command("question.close")
    assert reply["data"]["code"] == "not_found"
    await owner.disconnect()


async def test_pushing_a_missing_question_is_not_found(layer, interviewer, bank):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    reply = await owner.command("question.push", {"question_id": 999999})
    assert reply["type"] == "error"
    assert reply["data"]["code"] == "not_found"
    await owner.disconnect()


@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("question.push", {"question_id": 1}),
        ("question.close", {}),
        ("answer.score", {"answer_id": 1, "score": 5}),
        ("session.finish", {}),
        ("time.extend", {"participant_id": 1, "seconds": 60}),
        ("time.accommodate", {"participant_id": 1, "extra_time_pct": 50}),
    ],
)
async def test_candidates_and_spectators_cannot_run_the_panels_commands(
    layer, interviewer, bank, command, data
):
    room = await room_create(interviewer)
    ann, wall = await joined(room, "Ann", "Wall")
    for client in (ann, wall):
        reply = await client.command(command, data)
        assert reply["type"] == "error"
        assert reply["data"]["code"] == "forbidden"
    assert await database_sync_to_async(Round.objects.count)() == 0
    await close_all(ann, wall)


async def test_interviewers_and_spectators_cannot_answer(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner, wall = await joined(room, "owner", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    for client in (owner, wall):
        reply = await client.command(
            "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "x"}
        )
        assert reply["data"]["code"] == "forbidden"
    await close_all(owner, wall)


# --- answer.submit ------------------------------------------------------------------------


async def test_an_answer_is_acked_and_announced_with_its_text_to_panel_and_author_coverage_to_panel(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann, ben, wall = await joined(room, "owner", "Ann", "Ben", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    ack = await ann.command("answer.submit", {"round_id": round_id, "text": "wrap it"})
    assert ack["type"] == "ack"
    assert ack["data"]["revision"] == 1
    answer_id = ack["data"]["answer_id"]
    expected = {
        "round_id": round_id,
        "answer_id": answer_id,
        "participant_id": room.seats["Ann"].participant_id,
        "revision": 1,
    }
    panel_sees = (await owner.next("answer.submitted"))["data"]
    coverage = panel_sees.pop("coverage")
    assert panel_sees == {**expected, "text": "wrap it"}
    # "wrap it" covers none of the round's key points.
    assert coverage == {"points": [False] * len(coverage["points"]), "suggested_score": 0}
    assert coverage["points"]
    assert (await ann.next("answer.submitted"))["data"] == {**expected, "text": "wrap it"}
    assert (await ben.next("answer.submitted"))["data"] == expected
    assert (await wall.next("answer.submitted"))["data"] == expected
    await close_all(owner, ann, ben, wall)


async def test_a_committed_answer_reaches_the_room_even_when_its_ack_cannot_be_sent(
    layer, interviewer, question_ids, monkeypatch
):
    room = await room_create(interviewer)
    owner, ann, ben = await joined(room, "owner", "Ann", "Ben")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    sent = SessionConsumer._send_event

    async def ack_lost(self, kind, data, command_id=None):
        if kind == "ack" and data.get("answer_id"):
            raise ConnectionResetError("the socket went away under the ack")
        await sent(self, kind, data, command_id)

    monkeypatch.setattr(SessionConsumer, "_send_event", ack_lost)
    data = {"round_id": pushed["data"]["round_id"], "text": "x"}
    await ann.send_json({"type": "answer.submit", "id": "lost", "data": data})
    assert (await owner.next("answer.submitted"))["data"]["text"] == "x"
    assert (await ben.next("answer.submitted"))["data"]["revision"] == 1
    with pytest.raises(ConnectionResetError):  # Ann's socket ended with the failed send
        await ann.disconnect()
    await close_all(owner, ben)


async def test_resubmitting_keeps_the_answer_and_raises_its_revision(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    first = await ann.command("answer.submit", {"round_id": round_id, "text": "draft"})
    second = await ann.command("answer.submit", {"round_id": round_id, "text": "final"})
    assert second["data"] == {"answer_id": first["data"]["answer_id"], "revision": 2}
    answer = await database_sync_to_async(Answer.objects.get)(pk=first["data"]["answer_id"])
    revisions = await database_sync_to_async(
        lambda: list(answer.revisions.values_list("text", flat=True))
    )()
    assert (answer.text, revisions) == ("final", ["draft", "final"])
    await close_all(owner, ann)


async def test_an_answer_after_the_round_closed_is_refused(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    await owner.command("question.close")
    reply = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "x"}
    )
    assert reply["data"]["code"] == "round_closed"
    assert await database_sync_to_async(Answer.objects.count)() == 0
    await close_all(owner, ann)


async def test_an_answer_to_another_sessions_round_is_not_found(layer, interviewer, question_ids):
    room, other = await room_create(interviewer), await room_create(interviewer)
    (other_owner,) = await joined(other, "owner")
    pushed = await other_owner.command("question.push", {"question_id": question_ids[0]})
    (ann,) = await joined(room, "Ann")
    reply = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "x"}
    )
    assert reply["data"]["code"] == "not_found"
    await close_all(other_owner, ann)


async def test_an_answer_over_twenty_thousand_characters_is_too_large(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    reply = await ann.command("answer.submit", {"round_id": round_id, "text": "x" * 20_001})
    assert reply["data"]["code"] == "too_large"
    fits = await ann.command("answer.submit", {"round_id": round_id, "text": "x" * 20_000})
    assert fits["type"] == "ack"
    await close_all(owner, ann)


# --- the deadline -------------------------------------------------------------------------


@database_sync_to_async
def deadline_in(seconds: float) -> None:
    Round.objects.filter(closed_at__isnull=True).update(
        deadline=timezone.now() + timedelta(seconds=seconds)
    )


async def test_the_clock_closes_the_round_at_its_deadline_and_refuses_late_answers(
    layer, interviewer, question_ids, clock
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    await deadline_in(0.3)
    closed = await ann.next("round.closed", timeout=10)
    assert closed["data"] == {"round_id": pushed["data"]["round_id"], "reason": "deadline"}
    late = await ann.command("answer.submit", {"round_id": pushed["data"]["round_id"], "text": "x"})
    assert late["data"]["code"] == "round_closed"
    await close_all(owner, ann)


async def test_the_deadline_fires_with_nobody_connected(layer, interviewer, question_ids, clock):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    await owner.command("question.push", {"question_id": question_ids[0]})
    await owner.disconnect()
    await deadline_in(0.1)
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 10
    while (rnd := await database_sync_to_async(Round.objects.get)()).closed_at is None:
        assert loop.time() < give_up, "the clock did not close the round within 10 s"
        await asyncio.sleep(0.05)
    assert rnd.close_reason == "deadline"


async def test_events_and_commands_flow_while_the_shared_sync_thread_is_busy(
    layer, interviewer, question_ids
):
    """Channels' own dispatch queued every message behind the process's one sync thread.

    The thread is held until the test has its answers: queued behind it, they never come.
    """
    import threading

    from asgiref.sync import sync_to_async

    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        release.wait(timeout=30)

    busy = asyncio.create_task(sync_to_async(hold, thread_sensitive=True)())
    try:
        assert await asyncio.to_thread(holding.wait, 10)
        await owner.send_json(
            {"type": "question.push", "id": "p1", "data": {"question_id": question_ids[0]}}
        )
        assert (await owner.reply("p1", timeout=10))["type"] == "ack"
        assert (await ann.next("round.opened", timeout=10))["data"]["round_id"]
        assert not busy.done()
    finally:
        release.set()
        await busy
    await close_all(owner, ann)


async def test_a_deadline_passed_while_no_server_ran_closes_at_the_next_access(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    await owner.command("question.push", {"question_id": question_ids[0]})
    await owner.disconnect()
    await deadline_in(-60)
    (ann,) = await joined(room, "Ann")  # no clock runs: the access itself closes it
    assert ann.frames[0]["data"]["snapshot"]["round"] is None
    closed = await ann.next("round.closed")
    assert closed["data"]["reason"] == "deadline"
    await ann.disconnect()


# --- extra time ---------------------------------------------------------------------------


async def test_an_extension_reaches_the_panel_and_its_candidate_and_the_rest_learn_nothing(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer, candidates=("Ann", "Ben"), spectators=("Wall",))
    owner, ann, ben, wall = await joined(room, "owner", "Ann", "Ben", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    ann_id = room.seats["Ann"].participant_id
    reply = await owner.command("time.extend", {"participant_id": ann_id, "seconds": 90})
    assert reply["type"] == "ack"
    assert set(reply["data"]) == {"round_id", "participant_id", "deadline"}
    assert (reply["data"]["round_id"], reply["data"]["participant_id"]) == (
        pushed["data"]["round_id"],
        ann_id,
    )
    for client in (owner, ann):
        extended = await client.next("round.extended")
        assert extended["data"] == reply["data"]
    # The others' next event says that the seq before it was not theirs.
    await owner.command("question.close")
    for client in (owner, ann, ben, wall):
        closed = await client.next("round.closed")
        assert closed["seq"] == extended["seq"] + 1
        assert closed.get("prev") == (extended["seq"] - 1 if client in (ben, wall) else None)
        assert client.nothing_missed()
    for client in (ben, wall):
        assert "round.extended" not in {frame["type"] for frame in client.frames}
    await close_all(owner, ann, ben, wall)


@pytest.mark.parametrize(
    "data",
    [
        {"participant_id": 1},
        {"participant_id": 1, "seconds": "60"},
        {"participant_id": 1, "seconds": 60.0},
        {"participant_id": 1, "seconds": True},
        {"participant_id": 1, "seconds": 9},
        {"participant_id": 1, "seconds": 3601},
        {"participant_id": "1", "seconds": 60},
        {"seconds": 60},
    ],
)
async def test_an_extension_of_the_wrong_type_or_size_is_invalid(layer, interviewer, data):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    reply = await owner.command("time.extend", data)
    assert reply["data"]["code"] == "invalid"
    await close_all(owner)


async def test_an_extension_without_an_open_round_or_for_a_non_candidate_is_not_found(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    ann_id = room.seats["Ann"].participant_id
    no_round = await owner.command("time.extend", {"participant_id": ann_id, "seconds": 60})
    assert no_round["data"]["code"] == "not_found"
    await owner.command("question.push", {"question_id": question_ids[0]})
    for stranger in (room.seats["Wall"].participant_id, room.owner.participant_id, 10**9):
        reply = await owner.command("time.extend", {"participant_id": stranger, "seconds": 60})
        assert reply["data"]["code"] == "not_found"
    await close_all(owner)


async def test_a_standing_accommodation_is_acked_and_told_to_the_panel_alone(
    layer, interviewer, other_interviewer, question_ids
):
    room = await room_create(interviewer)
    await panel_member_add(room, other_interviewer)
    owner, bob, ann, wall = await joined(room, "owner", "bob", "Ann", "Wall")
    ann_id = room.seats["Ann"].participant_id
    data = {"participant_id": ann_id, "extra_time_pct": 50}
    reply = await owner.command("time.accommodate", data)
    assert (reply["type"], reply["data"]) == ("ack", data)
    for client in (owner, bob):
        assert (await client.next("time.accommodated"))["data"] == data
    pushed = await owner.command(
        "question.push", {"question_id": question_ids[0], "time_limit_s": 60}
    )
    opened = await ann.next("round.opened")
    assert opened["prev"] == opened["seq"] - 2  # time.accommodated was the panel's
    extended = await ann.next("round.extended")
    assert extended["data"]["round_id"] == pushed["data"]["round_id"]
    assert "time.accommodated" not in {frame["type"] for frame in wall.frames}
    given = parse_datetime(extended["data"]["deadline"]) - parse_datetime(
        opened["data"]["deadline"]
    )
    assert given == timedelta(seconds=30)
    again = Client(room.code)
    welcome = await again.hello(room.seats["bob"])
    cards = {p["participant_id"]: p for p in welcome["data"]["snapshot"]["participants"]}
    assert cards[ann_id]["extra_time_pct"] == 50
    await close_all(owner, bob, ann, wall, again)


@database_sync_to_async
def times_left(*, base: float, own: dict[int, float]) -> None:
    """Move the open round's deadline and candidates' own deadlines to these seconds from now."""
    now = timezone.now()
    rnd = Round.objects.get(closed_at__isnull=True)
    for participant_id, seconds in own.items():
        PersonalDeadline.objects.filter(round=rnd, participant_id=participant_id).update(
            deadline=now + timedelta(seconds=seconds)
        )
    rnd.deadline = now + timedelta(seconds=base)
    rnd.extended_until = now + timedelta(seconds=max(own.values()))
    rnd.save(update_fields=["deadline", "extended_until"])


async def test_the_round_closes_for_the_deadline_only_after_the_last_personal_deadline(
    layer, interviewer, question_ids, clock
):
    room = await room_create(interviewer)
    owner, ann, ben = await joined(room, "owner", "Ann", "Ben")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    ann_id = room.seats["Ann"].participant_id
    await owner.command("time.extend", {"participant_id": ann_id, "seconds": 60})
    await times_left(base=-1, own={ann_id: 1.5})
    late = await ben.command("answer.submit", {"round_id": round_id, "text": "late"})
    assert late["data"]["code"] == "round_closed"
    extra = await ann.command("answer.submit", {"round_id": round_id, "text": "in time"})
    assert extra["type"] == "ack"
    own_deadline = await database_sync_to_async(
        lambda: Round.objects.get(pk=round_id).extended_until
    )()
    for client in (owner, ann, ben):
        closed = await client.next("round.closed")
        assert closed["data"] == {"round_id": round_id, "reason": "deadline"}
        # Frames carry milliseconds.
        assert parse_datetime(closed["ts"]) >= own_deadline - timedelta(milliseconds=1)
    after = await ann.command("answer.submit", {"round_id": round_id, "text": "too late"})
    assert after["data"]["code"] == "round_closed"
    await close_all(owner, ann, ben)


# --- answer.score and the leaderboard -----------------------------------------------------


async def test_a_score_goes_to_all_its_scorer_to_the_panel_and_its_words_to_the_author(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann, ben, wall = await joined(room, "owner", "Ann", "Ben", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    submitted = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "t"}
    )
    answer_id = submitted["data"]["answer_id"]
    ack = await owner.command(
        "answer.score", {"answer_id": answer_id, "score": 8, "feedback": "solid"}
    )
    assert ack["data"]["answer_id"] == answer_id
    assert ack["data"]["score"] == 8
    for client, is_panel in ((owner, True), (ann, False), (ben, False), (wall, False)):
        update = (await client.next("score.updated"))["data"]
        assert update["score"] == 8
        assert update.get("by") == (room.owner.participant_id if is_panel else None)
        assert update["participant_id"] == room.seats["Ann"].participant_id
        assert update["round_id"] == pushed["data"]["round_id"]
        assert ("feedback" in update) is is_panel
        assert update["ranking"] == "total"
        assert update["leaderboard"][0] == {
            "participant_id": room.seats["Ann"].participant_id,
            "name": "Ann",
            "total": 8.0,
            "rank": 1,
            "mean": 8.0,
            "answered": 1,
            "joined_at": 1,
        }
        assert [row["rank"] for row in update["leaderboard"]] == [1, 2]
    for client in (owner, ann):
        words = (await client.next("feedback.updated"))["data"]
        assert (words["feedback"], words["by"]) == ("solid", room.owner.participant_id)
        assert "score" not in words
    await close_all(owner, ann, ben, wall)


async def test_a_panel_scores_together_and_the_candidate_gets_their_mean_once_all_have_scored(
    layer, interviewer, other_interviewer, question_ids
):
    room = await room_create(interviewer)
    await panel_member_add(room, other_interviewer)
    owner, bob, ann = await joined(room, "owner", "bob", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    submitted = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "t"}
    )
    answer_id = submitted["data"]["answer_id"]
    await owner.command("answer.score", {"answer_id": answer_id, "score": 6, "feedback": "ok"})
    # One of two: the owner's 6 would be the mean; it waits for bob.
    waiting = (await bob.next("score.updated"))["data"]
    assert (waiting["score"], waiting["awaiting"]) == (6, 1)
    await bob.command("answer.score", {"answer_id": answer_id, "score": 9, "feedback": "good"})
    first = await ann.next("score.updated")
    assert first["data"]["score"] == 7.5
    assert "feedback" not in first["data"]
    await owner.command("answer.score", {"answer_id": answer_id, "score": 10})  # a rescore
    await bob.command("answer.score", {"answer_id": answer_id, "score": 7})  # bob saves again
    # Her next mean is the whole panel's again: the rescore alone (9.5) never reached her.
    second = await ann.next("score.updated")
    assert second["data"]["score"] == 8.5
    await close_all(owner, bob, ann)


async def test_scoring_an_answer_of_another_session_is_not_found(layer, interviewer, question_ids):
    room, other = await room_create(interviewer), await room_create(interviewer)
    (other_owner, other_ann) = await joined(other, "owner", "Ann")
    pushed = await other_owner.command("question.push", {"question_id": question_ids[0]})
    submitted = await other_ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "t"}
    )
    (owner,) = await joined(room, "owner")
    reply = await owner.command(
        "answer.score", {"answer_id": submitted["data"]["answer_id"], "score": 3}
    )
    assert reply["data"]["code"] == "not_found"
    await close_all(other_owner, other_ann, owner)


@pytest.mark.parametrize("score", [-1, 11, "ten", None, 7.5])
async def test_a_score_outside_zero_to_ten_is_invalid(layer, interviewer, score):
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    reply = await owner.command("answer.score", {"answer_id": 1, "score": score})
    assert reply["data"]["code"] == "invalid"
    assert reply["data"]["message"].startswith("score")
    await owner.disconnect()


# --- session.finish -----------------------------------------------------------------------


async def test_the_owner_finishes_the_session_with_a_final_leaderboard(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann, wall = await joined(room, "owner", "Ann", "Wall")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    ack = await owner.command("session.finish")
    assert (ack["type"], ack["data"]) == ("ack", {})
    for client in (owner, ann, wall):
        assert (await client.next("round.closed"))["data"]["round_id"] == pushed["data"]["round_id"]
        finished = await client.next("session.finished")
        assert [row["name"] for row in finished["data"]["leaderboard"]] == ["Ann", "Ben"]
    late = await ann.command("answer.submit", {"round_id": pushed["data"]["round_id"], "text": "x"})
    assert late["data"]["code"] == "session_finished"
    again = await owner.command("question.push", {"question_id": question_ids[1]})
    assert again["data"]["code"] == "session_finished"
    await close_all(owner, ann, wall)


async def test_only_the_owner_may_finish(layer, interviewer, other_interviewer):
    room = await room_create(interviewer)
    await panel_member_add(room, other_interviewer)
    (bob,) = await joined(room, "bob")
    reply = await bob.command("session.finish")
    assert reply["data"]["code"] == "forbidden"
    await bob.disconnect()


# --- idempotency, malformed commands and limits -------------------------------------------


async def test_a_repeated_command_id_gets_the_same_ack_and_has_its_effect_once(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]}, id="push-1")
    again = await owner.command("question.push", {"question_id": question_ids[0]}, id="push-1")
    assert again["data"] == pushed["data"]
    assert await database_sync_to_async(Round.objects.count)() == 1
    data = {"round_id": pushed["data"]["round_id"], "text": "once"}
    first = await ann.command("answer.submit", data, id=7)
    ann2 = Client(room.code)  # a retry after a reconnect, on a new socket
    await ann2.hello(room.seats["Ann"])
    retried = await ann2.command("answer.submit", data, id=7)
    assert (
        retried["data"] == first["data"] == {"answer_id": first["data"]["answer_id"], "revision": 1}
    )
    assert retried["id"] == 7
    assert await database_sync_to_async(CommandReceipt.objects.count)() == 2
    await close_all(owner, ann, ann2)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ('{"type": "question.explode", "id": "x"}', "unknown_type"),
        ('{"id": "x", "data": {}}', "invalid"),
        ('{"type": "answer.submit", "id": "x", "data": []}', "invalid"),
        (
            '{"type": "answer.submit", "id": "x", "data": {"round_id": "one", "text": "t"}}',
            "invalid",
        ),
        ('{"type": "ping", "id": {"nested": true}}', "invalid"),
        ('"just a string"', "invalid"),
        ("[" * 32_000 + "]" * 32_000, "bad_json"),  # nested too deeply, within 64 KiB
        (
            '{"type": "answer.submit", "id": "x", "data": {"round_id": "7", "text": "t"}}',
            "invalid",
        ),
        ('{"type": "answer.submit", "id": "x", "data": {"round_id": 7, "text": 5}}', "invalid"),
        (
            '{"type": "answer.submit", "id": "x",'
            ' "data": {"round_id": 9223372036854775808, "text": "t"}}',
            "invalid",
        ),
    ],
)
async def test_a_malformed_command_gets_an_error_and_the_socket_stays_open(
    layer, interviewer, frame, code
):
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    await ann.send_text(frame)
    error = await ann.next("error")
    assert error["seq"] is None
    assert error["data"]["code"] == code
    assert error["data"]["message"]
    if '"id": "x"' in frame:
        assert error["id"] == "x"
    await ann.send_json({"type": "ping"})
    assert (await ann.next("pong"))["type"] == "pong"
    await ann.disconnect()


async def test_a_binary_frame_is_bad_json(layer, interviewer):
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    await ann.send_bytes(b"\x00\x01")
    assert (await ann.next("error"))["data"]["code"] == "bad_json"
    await ann.disconnect()


async def test_a_frame_over_64_kib_that_reaches_the_consumer_closes_with_4009(layer, interviewer):
    """Daphne's own frame limit closes such a socket with 1009 before the consumer sees the
    frame; a server run without it closes with 1009's mirror, which an application may send."""
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    await ann.send_text('{"type":"ping","data":{"pad":"' + "x" * 65_536 + '"}}')
    assert await ann.closed() == 4009


async def test_more_than_twenty_commands_a_second_are_rate_limited(layer, interviewer, monkeypatch):
    from types import SimpleNamespace

    from interview.domain import throttling

    # The limit's clock stands still while the commands arrive, however slowly they are read.
    now = [0.0]
    monkeypatch.setattr(throttling, "time", SimpleNamespace(monotonic=lambda: now[0]))
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")  # the hello is the second's first frame
    for number in range(25):
        await ann.send_json({"type": "ping", "id": number})
    replies = [await ann.reply(number) for number in range(25)]
    assert [f["type"] for f in replies] == ["pong"] * 19 + ["error"] * 6
    assert {f["data"]["code"] for f in replies[19:]} == {"rate_limited"}
    now[0] = 1.0  # a second after the hello
    await ann.send_json({"type": "ping", "id": "after"})
    assert (await ann.reply("after"))["type"] == "pong"
    await ann.disconnect()


async def test_a_participants_sockets_share_one_budget_of_twenty_commands_a_second(
    layer, interviewer, monkeypatch
):
    """More sockets buy no more commands: Ann's two share her 20 a second; Ben keeps his."""
    from types import SimpleNamespace

    from interview.domain import throttling

    now = [0.0]
    monkeypatch.setattr(throttling, "time", SimpleNamespace(monotonic=lambda: now[0]))
    room = await room_create(interviewer)
    tabs = await joined(room, "Ann", "Ann")  # the two hellos are the second's first frames
    for number in range(15):
        for tab in tabs:
            await tab.send_json({"type": "ping", "id": number})
    replies = [await tab.reply(number) for number in range(15) for tab in tabs]
    assert [f["type"] for f in replies].count("pong") == 18
    (ben,) = await joined(room, "Ben")
    assert (await ben.command("ping"))["type"] == "pong"
    now[0] = 1.0
    assert (await tabs[1].command("ping"))["type"] == "pong"
    await close_all(*tabs, ben)


def test_a_shared_budget_lasts_while_one_holder_remains():
    from interview.domain.throttling import SharedRateLimits

    budgets = SharedRateLimits(20)
    first, second = budgets.hold(7), budgets.hold(7)
    assert first is second
    assert budgets.hold(8) is not first
    budgets.release(7)
    assert budgets.hold(7) is first
    budgets.release(7)
    budgets.release(7)
    assert budgets.hold(7) is not first


async def test_a_rescore_without_feedback_keeps_the_earlier_feedback(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    submitted = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "t"}
    )
    answer_id = submitted["data"]["answer_id"]
    await owner.command("answer.score", {"answer_id": answer_id, "score": 4, "feedback": "kept"})
    await owner.command("answer.score", {"answer_id": answer_id, "score": 6})
    await owner.next("score.updated")
    rescored = await owner.next("score.updated")
    assert (rescored["data"]["score"], rescored["data"]["feedback"]) == (6, "kept")
    assert (await ann.next("feedback.updated"))["data"]["feedback"] == "kept"
    await ann.next("score.updated")
    assert (await ann.next("score.updated"))["data"]["score"] == 6
    # The feedback did not change: no second feedback.updated came before the rescore.
    assert [f["type"] for f in ann.persisted()].count("feedback.updated") == 1
    await close_all(owner, ann)


async def test_an_invalid_id_is_not_echoed(layer, interviewer):
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    await ann.send_json({"type": "ping", "id": "x" * 65})
    error = await ann.next("error")
    assert error["data"]["code"] == "invalid"
    assert "id" not in error
    await ann.disconnect()


async def test_unreadable_frames_count_against_the_rate_limit(layer, interviewer):
    room = await room_create(interviewer)
    (ann,) = await joined(room, "Ann")
    for _ in range(25):
        await ann.send_text("not json")
    codes = []
    while len(codes) < 25:
        frame = await ann.next("error")
        codes.append(frame["data"]["code"])
    assert "rate_limited" in codes
    await ann.disconnect()


def test_the_rate_limit_allows_at_most_twenty_commands_in_any_second(monkeypatch):
    from interview.domain.throttling import RateLimit

    clock = [0.0]
    monkeypatch.setattr("interview.domain.throttling.time.monotonic", lambda: clock[0])
    limit = RateLimit(20)
    accepted = 0
    for _ in range(40):  # 40 commands spread over 0.4 s
        accepted += limit.take()
        clock[0] += 0.01
    assert accepted == 20
    clock[0] = 1.0  # a second after the first one
    assert limit.take()


# --- grouped commands: pipelined, in order -----------------------------------------------------


async def test_a_sockets_grouped_commands_and_the_answer_after_them_take_effect_in_order(
    layer, interviewer, question_ids
):
    """Signals and drafts are written in groups while the socket reads on; the answer sent
    right after a draft still comes after it, so the close keeps the answer, not the draft;
    the replies come in the order the commands were sent."""
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    frames = [
        {"type": "signal.report", "id": "s1", "data": {"round_id": round_id, "kind": "blur"}},
        {"type": "answer.draft", "id": "d1", "data": {"round_id": round_id, "text": "half"}},
        {"type": "signal.report", "id": "s2", "data": {"round_id": round_id, "kind": "focus"}},
        {"type": "answer.submit", "id": "a1", "data": {"round_id": round_id, "text": "whole"}},
    ]
    for frame in frames:
        await ann.send_json(frame)
    replies = [await ann.reply(frame["id"]) for frame in frames]
    assert [reply["type"] for reply in replies] == ["ack"] * 4
    acks = [
        f["id"]
        for f in ann.frames
        if f["type"] == "ack" and f.get("id") in {"s1", "d1", "s2", "a1"}
    ]
    assert acks == ["s1", "d1", "s2", "a1"]
    await owner.command("question.close")
    answer = await database_sync_to_async(
        lambda: Answer.objects.get(
            round_id=round_id, participant_id=room.seats["Ann"].participant_id
        )
    )()
    assert (answer.text, answer.revision) == ("whole", 1)
    await close_all(owner, ann)


async def test_a_grouped_command_refused_is_answered_with_its_error_and_the_socket_reads_on(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    refused = await ann.command("answer.draft", {"round_id": round_id + 1000, "text": "x"})
    assert (refused["type"], refused["data"]["code"]) == ("error", "not_found")
    kept = await ann.command("answer.draft", {"round_id": round_id, "text": "x"})
    assert kept["type"] == "ack"
    await close_all(owner, ann)
