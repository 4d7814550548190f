"""Across processes: two real daphne processes sharing Redis and the database.

The interviewer sits on one process and the candidates on the other. The whole flow works
across them; a ``kill -9`` of one mid-round sends its clients to the other, where they resume
with nothing lost; and a round's deadline fires once, whichever processes are alive.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone

from interview.models import Connection, Event, InterviewSession, Question, Round

from .live import Room, room_create
from .servers import (
    DaphneServer,
    Peer,
    Peers,
    database_url_for_servers,
    redis_flush,
    redis_prefix,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

Join = Callable[..., Awaitable[Peer]]


@pytest.fixture
def two_servers(redis_url, transactional_db, tmp_path) -> Iterator[list[DaphneServer]]:
    """Two daphne processes on the test's database and Redis; stopped and flushed after."""
    prefix = redis_prefix()
    env = server_environment(
        database_url=database_url_for_servers(connection.settings_dict),
        redis_url=redis_url,
        prefix=prefix,
    )
    try:
        with running_servers(2, env=env, log_dir=tmp_path) as servers:
            yield servers
    finally:
        redis_flush(redis_url, prefix)


@pytest.fixture
async def room(interviewer) -> Room:
    """A session owned by alice, with the candidates Ann and Ben and the spectator Wall."""
    return await room_create(interviewer)


@pytest.fixture
def question_ids(bank) -> list[int]:
    return list(Question.objects.order_by("id").values_list("id", flat=True)[:3])


@pytest.fixture
async def join(two_servers, room) -> AsyncIterator[Join]:
    """``await join(server, name, last_seq=0)``: that participant's socket, welcomed."""
    peers = Peers()

    async def join(server: DaphneServer, name: str, *, last_seq: int = 0) -> Peer:
        seat = room.owner if name == "owner" else room.seats[name]
        return await peers.hello(server, room.code, seat.token, last_seq=last_seq, name=seat.name)

    yield join
    await peers.close_all()


# --- steps ------------------------------------------------------------------------------------


async def pushed(interviewer: Peer, question_id: int, **data) -> int:
    reply = await interviewer.command("question.push", {"question_id": question_id, **data})
    assert reply["type"] == "ack", reply
    return reply["data"]["round_id"]


async def answered(candidate: Peer, round_id: int, text: str, **extra) -> dict:
    reply = await candidate.command("answer.submit", {"round_id": round_id, "text": text}, **extra)
    assert reply["type"] == "ack", reply
    return reply["data"]


async def scored(interviewer: Peer, answer_id: int, score: int, feedback: str) -> None:
    data = {"answer_id": answer_id, "score": score, "feedback": feedback}
    reply = await interviewer.command("answer.score", data)
    assert reply["type"] == "ack", reply


async def seen_through(peers: tuple[Peer, ...], interviewer: Peer, question_id: int) -> None:
    """Wait until each socket has had everything stored so far: push a question and wait for
    its ``round.opened`` everywhere. Events reach a socket in ``seq`` order, so what a socket
    received before that frame is all it will ever get of the events stored before it."""
    round_id = await pushed(interviewer, question_id)
    for peer in peers:
        await peer.next("round.opened", where=lambda f: f["data"]["round_id"] == round_id)


def of_type(peer: Peer, event_type: str) -> list[dict]:
    """The frames of this type the socket received, whether or not a wait took them."""
    return [frame for frame in peer.frames if frame["type"] == event_type]


def participant_id(peer: Peer) -> int:
    return peer.welcome["data"]["participant"]["participant_id"]


def presence_seen_by(peer: Peer) -> dict[int, bool]:
    """Who this socket believes online: its welcome snapshot, then the presence events."""
    online = {
        p["participant_id"]: p["online"] for p in peer.welcome["data"]["snapshot"]["participants"]
    }
    for frame in peer.frames:
        if frame["type"] in ("participant.joined", "participant.left"):
            online[frame["data"]["participant_id"]] = frame["data"]["online"]
    return online


def seqs(frames: list[dict]) -> list[int]:
    return [frame["seq"] for frame in frames if frame.get("seq") is not None]


@database_sync_to_async
def events_after(room: Room, seq: int) -> list[tuple[int, str]]:
    rows = Event.objects.filter(session=room.session, seq__gt=seq).order_by("seq")
    return list(rows.values_list("seq", "type"))


@database_sync_to_async
def session_last_seq(room: Room) -> int:
    return InterviewSession.objects.get(pk=room.session.pk).last_seq


@database_sync_to_async
def deadline_in(round_id: int, seconds: float) -> datetime:
    """Move the round's deadline to ``seconds`` from now; the new deadline."""
    deadline = timezone.now() + timedelta(seconds=seconds)
    Round.objects.filter(pk=round_id).update(deadline=deadline)
    return deadline


def closed_in_time(frame: dict, deadline: datetime) -> bool:
    """Whether the round.closed was stamped within the second after the deadline. ``ts`` is
    cut to the millisecond: a close in the deadline's own millisecond reads a little before
    the deadline's microseconds."""
    closed_at = datetime.fromisoformat(frame["ts"].replace("Z", "+00:00"))
    deadline_ms = deadline.replace(microsecond=deadline.microsecond // 1000 * 1000)
    return deadline_ms <= closed_at <= deadline + timedelta(seconds=1)


@database_sync_to_async
def closings_of(round_id: int) -> list[str]:
    """The reasons of the round.closed events stored for the round."""
    events = Event.objects.filter(type="round.closed", payload__round_id=round_id)
    return [event.payload["reason"] for event in events]


@database_sync_to_async
def servers_holding(participant_id: int) -> set[str]:
    """The server processes holding an open socket of the participant, by server id."""
    return set(
        Connection.objects.filter(participant_id=participant_id).values_list("server_id", flat=True)
    )


# --- the flow -------------------------------------------------------------------------------


async def test_the_whole_flow_works_across_two_processes(two_servers, join, room, question_ids):
    a, b = two_servers
    alice = await join(a, "owner")
    ann, ben, wall = [await join(b, name) for name in ("Ann", "Ben", "Wall")]
    everyone = (alice, ann, ben, wall)

    round_id = await pushed(alice, question_ids[0])
    for peer in (ann, ben, wall):
        opened = (await peer.next("round.opened"))["data"]
        assert opened["round_id"] == round_id
        assert "model_answer" not in opened
        assert "key_points" not in opened

    ann_answer = (await answered(ann, round_id, "Ann: a hash map"))["answer_id"]
    ben_answer = (await answered(ben, round_id, "Ben: a list"))["answer_id"]
    seen_by_panel = {
        event["data"]["answer_id"]: event["data"]["text"]
        for event in [await alice.next("answer.submitted") for _ in range(2)]
    }
    assert seen_by_panel == {ann_answer: "Ann: a hash map", ben_answer: "Ben: a list"}

    await scored(alice, ann_answer, 8, "Clear")
    await scored(alice, ben_answer, 5, "Vague")
    for peer in everyone:
        first, second = [(await peer.next("score.updated"))["data"] for _ in range(2)]
        assert (first["answer_id"], second["answer_id"]) == (ann_answer, ben_answer)
        leaderboard = [(row["name"], row["total"], row["rank"]) for row in second["leaderboard"]]
        assert leaderboard == [("Ann", 8, 1), ("Ben", 5, 2)]

    assert (await alice.command("session.finish"))["type"] == "ack"
    for peer in everyone:
        finished = (await peer.next("session.finished"))["data"]
        assert [row["name"] for row in finished["leaderboard"]] == ["Ann", "Ben"]
        await peer.drain()
        last = await session_last_seq(room)
        if peer is alice:
            assert seqs(peer.frames) == list(range(1, last + 1))
        else:  # feedback reaches its author and the panel alone: the others' frames say so
            assert peer.nothing_missed()
            assert seqs(peer.frames)[-1] == last


async def test_feedback_crosses_processes_only_to_its_author_and_the_panel(
    two_servers, join, question_ids
):
    a, b = two_servers
    alice = await join(a, "owner")
    ann, ben, wall = [await join(b, name) for name in ("Ann", "Ben", "Wall")]

    round_id = await pushed(alice, question_ids[0])
    answer_id = (await answered(ann, round_id, "Ann's secret"))["answer_id"]
    await scored(alice, answer_id, 6, "Ann's feedback")

    assert (await alice.next("score.updated"))["data"]["feedback"] == "Ann's feedback"
    assert "feedback" not in (await ann.next("score.updated"))["data"]
    # The author's feedback comes apart, with its writer and no score.
    assert (await ann.next("feedback.updated"))["data"]["feedback"] == "Ann's feedback"
    for other in (ben, wall):
        assert "feedback" not in (await other.next("score.updated"))["data"]
        assert "Ann's secret" not in str(other.frames)
        assert "Ann's feedback" not in str(other.frames)


# --- kill -9 mid-round ----------------------------------------------------------------------


async def test_candidates_of_a_killed_process_resume_on_the_other_with_nothing_lost(
    two_servers, join, room, question_ids
):
    a, b = two_servers
    alice = await join(a, "owner")
    ann, ben = await join(b, "Ann"), await join(b, "Ben")
    round_one = await pushed(alice, question_ids[0])
    answer_id = (await answered(ann, round_one, "Before the crash"))["answer_id"]
    await alice.next("answer.submitted")

    b.kill()
    assert await ann.gone() == 1006
    assert await ben.gone() == 1006
    # While they are away, the panel scores and moves on.
    await scored(alice, answer_id, 7, "Solid")
    round_two = await pushed(alice, question_ids[1])

    ann_back = await join(a, "Ann", last_seq=ann.last_seq)
    ben_back = await join(a, "Ben", last_seq=ben.last_seq)
    for before, after in ((ann, ann_back), (ben, ben_back)):
        # What they missed, but the feedback on Ann's answer: hers and the panel's alone.
        missed = [
            (seq, kind)
            for seq, kind in await events_after(room, before.last_seq)
            if kind != "feedback.updated" or after is ann_back
        ]
        assert {"score.updated", "round.closed", "round.opened"} <= {kind for _, kind in missed}
        await after.next(where=lambda f, last=missed[-1][0]: f.get("seq") == last, timeout=10)
        assert [(f["seq"], f["type"]) for f in after.persisted()] == missed

    kept = {
        answer["answer_id"]: answer for answer in ann_back.welcome["data"]["snapshot"]["answers"]
    }
    assert kept[answer_id]["text"] == "Before the crash"
    assert kept[answer_id]["score"] == 7
    survivor = await servers_holding(participant_id(alice))
    assert len(survivor) == 1
    await alice.drain()
    for peer in (ann_back, ben_back):
        assert presence_seen_by(peer)[participant_id(peer)] is True
        assert presence_seen_by(alice)[participant_id(peer)] is True
        assert survivor <= await servers_holding(participant_id(peer))

    await answered(ann_back, round_two, "After the crash")
    await answered(ben_back, round_two, "Me too")
    texts = {(await alice.next("answer.submitted"))["data"]["text"] for _ in range(2)}
    assert texts == {"After the crash", "Me too"}
    last = await session_last_seq(room)
    feedback = {seq for seq, kind in await events_after(room, 0) if kind == "feedback.updated"}
    for before, after in ((ann, ann_back), (ben, ben_back)):
        await after.next(where=lambda f: f.get("seq") == last, timeout=10)
        received = seqs(before.frames) + seqs(after.frames)
        if after is ann_back:
            assert received == list(range(1, last + 1))
        else:  # all but the feedback on Ann's answer, which her frames alone carry
            assert received == [seq for seq in range(1, last + 1) if seq not in feedback]


async def test_a_command_retried_on_the_other_process_after_a_crash_has_its_effect_once(
    two_servers, join, room, question_ids
):
    a, b = two_servers
    alice = await join(a, "owner")
    ann = await join(b, "Ann")
    round_id = await pushed(alice, question_ids[0])
    first = await answered(ann, round_id, "Once", id="ann-answer-1")

    b.kill()
    await ann.gone()
    ann_back = await join(a, "Ann", last_seq=ann.last_seq)
    again = await answered(ann_back, round_id, "Once", id="ann-answer-1")

    assert again == first
    assert [kind for _, kind in await events_after(room, 0)] == ["round.opened", "answer.submitted"]


async def test_a_command_whose_ack_died_with_its_process_is_retried_with_effect_once(
    two_servers, join, room, question_ids
):
    a, b = two_servers
    alice = await join(a, "owner")
    ann = await join(b, "Ann")
    round_id = await pushed(alice, question_ids[0])
    submit = {"round_id": round_id, "text": "In flight"}
    await ann.send_json({"type": "answer.submit", "id": "ann-in-flight", "data": submit})

    b.kill()  # the answer may or may not have been committed: the client cannot know
    await ann.gone()
    ann_back = await join(a, "Ann", last_seq=ann.last_seq)
    retried = await answered(ann_back, round_id, "In flight", id="ann-in-flight")

    assert retried["revision"] == 1
    assert [kind for _, kind in await events_after(room, 0)] == ["round.opened", "answer.submitted"]
    await seen_through((alice,), alice, question_ids[1])
    assert len(of_type(alice, "answer.submitted")) == 1


# --- the deadline ---------------------------------------------------------------------------


async def test_the_deadline_fires_exactly_once_with_two_processes_running(
    two_servers, join, question_ids
):
    a, b = two_servers
    alice, ben = await join(a, "owner"), await join(a, "Ben")
    ann, wall = await join(b, "Ann"), await join(b, "Wall")
    round_id = await pushed(alice, question_ids[0], time_limit_s=10)

    deadline = await deadline_in(round_id, seconds=1)

    everyone = (alice, ben, ann, wall)
    for peer in everyone:
        await peer.next("round.closed", timeout=30)
    await seen_through(everyone, alice, question_ids[1])
    for peer in everyone:
        closings = of_type(peer, "round.closed")
        assert [f["data"] for f in closings] == [{"round_id": round_id, "reason": "deadline"}], peer
        assert closed_in_time(closings[0], deadline), (closings[0]["ts"], deadline)
    assert await closings_of(round_id) == ["deadline"]
    late = await ann.command("answer.submit", {"round_id": round_id, "text": "Too late"})
    assert late["data"]["code"] == "round_closed"


async def test_the_deadline_fires_once_on_the_survivor_when_the_interviewers_process_died(
    two_servers, join, question_ids
):
    a, b = two_servers
    alice = await join(a, "owner")
    ann, ben = await join(b, "Ann"), await join(b, "Ben")
    round_id = await pushed(alice, question_ids[0], time_limit_s=10)

    a.kill()
    deadline = await deadline_in(round_id, seconds=1)

    for peer in (ann, ben):
        await peer.next("round.closed", timeout=30)
    await seen_through((ann, ben), await join(b, "owner"), question_ids[1])
    for peer in (ann, ben):
        closings = of_type(peer, "round.closed")
        assert [f["data"] for f in closings] == [{"round_id": round_id, "reason": "deadline"}], peer
        assert closed_in_time(closings[0], deadline), (closings[0]["ts"], deadline)
    assert await closings_of(round_id) == ["deadline"]


async def test_a_server_refuses_frames_over_64_kib_yet_sends_bigger_ones(two_servers, interviewer):
    """Daphne's size limit is for what clients send; a big room's welcome is larger."""
    from interview.domain.credentials import secret_hash
    from interview.models import Participant

    server = two_servers[0]
    room = await room_create(interviewer, candidates=(), spectators=())
    await Participant.objects.abulk_create(
        Participant(
            session=room.session, role="spectator", display_name=f"Viewer {n}",
            token_hash=secret_hash(f"viewer-{n}-{room.code}"),
        )
        for n in range(1200)
    )  # fmt: skip
    owner = Peer(server, room.code, room.owner.token, name="owner")
    welcome = await owner.hello()
    assert len(json.dumps(welcome)) > 65_536
    assert len(welcome["data"]["snapshot"]["participants"]) == 1201
    await owner.send_json({"type": "ping", "data": {"pad": "x" * 70_000}})
    assert await owner.gone() == 1009


async def test_sigterm_closes_sockets_with_4012_and_exits_promptly(two_servers, join):
    a, b = two_servers
    staying = await join(a, "Ann")
    leaving = await join(a, "Ben")
    await leaving.close()  # a client that leaves just before the signal holds nothing up
    started = asyncio.get_running_loop().time()
    a.terminate()
    assert await staying.gone(timeout=10) == 4012
    await asyncio.to_thread(a.process.wait, 10)
    assert asyncio.get_running_loop().time() - started < 10
    # Its client resumes on the other process.
    again = await join(b, "Ann", last_seq=staying.last_seq)
    assert again.welcome["data"]["participant"]["name"] == "Ann"


async def test_a_participants_fourth_socket_closes_the_oldest_whichever_process_holds_it(
    two_servers, join
):
    """The cap of three sockets is decided in the database at each hello: a socket on one
    process closes the oldest, held by the other."""
    a, b = two_servers
    first, second = await join(a, "Ann"), await join(b, "Ann")
    third = await join(a, "Ann")
    fourth = await join(b, "Ann")
    assert await first.gone() == 4409
    fifth = await join(a, "Ann")
    assert await second.gone() == 4409
    for peer in (third, fourth, fifth):
        assert (await peer.command("ping"))["type"] == "pong"
