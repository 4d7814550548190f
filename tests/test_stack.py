"""The production topology under faults: `make stack` (nginx, two daphne, Redis, PostgreSQL).

Clients connect through nginx only, as browsers would, and reconnect the way the browser
module does: again through nginx, with jitter, resuming from the last seq they saw.
"""

import asyncio
import random
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidStatus

from interview.domain import services
from interview.domain.credentials import secret_hash
from interview.models import Answer, Event, Participant, Question, Round, Score

from .live import room_create
from .servers import ClosedError, Peer, database_url_for_servers
from .stack import running_stack

# On PostgreSQL only (the production shape): `make test` runs this file in its PostgreSQL
# pass and deselects it in the SQLite one.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stack]


@pytest.fixture
def stack(tmp_path, bank):
    if connection.vendor != "postgresql":
        pytest.fail("the stack tests run on PostgreSQL: `make test` selects them there")
    with running_stack(tmp_path, database_url_for_servers(connection.settings_dict)) as running:
        yield running


@database_sync_to_async
def first_questions(count: int) -> list[int]:
    return list(Question.objects.order_by("id").values_list("id", flat=True)[:count])


async def resume(peer: Peer, *, within: float = 15, welcome_timeout: float = 5) -> Peer:
    """Reconnect as the browser module does: through nginx, jittered backoff, last seq.

    Like a real client it retries a 502 or 503 from the proxy, though the stack gives none
    in a storm (``test_a_thousand_clients...`` checks nginx's log).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = 0.2
    while True:
        again = Peer(peer.server, peer.code, peer.token, name=peer.name)
        again.frames = []
        try:
            await again.hello(last_seq=peer.last_seq, timeout=welcome_timeout)
            again.history = [*getattr(peer, "history", [peer]), again]
            return again
        except (ClosedError, ConnectionClosed, OSError, TimeoutError, InvalidStatus) as failed:
            if isinstance(failed, InvalidStatus) and failed.response.status_code not in (502, 503):
                raise
            if loop.time() > deadline:
                raise
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 2.0)


async def welcomed(stack, code: str, seats: dict) -> dict[str, Peer]:
    """A socket through nginx for each named seat, each welcomed, by name."""
    peers = {
        name: Peer(stack.endpoint, code, seat.token, name=name) for name, seat in seats.items()
    }
    for peer in peers.values():
        await peer.hello()
    return peers


def seqs_received(peer: Peer) -> list[int]:
    """Every persisted seq this client received over all its sockets, in arrival order."""
    return [
        frame["seq"] for socket in getattr(peer, "history", [peer]) for frame in socket.persisted()
    ]


def assert_nothing_missed_or_repeated(peer: Peer) -> None:
    seqs = seqs_received(peer)
    assert seqs == list(range(1, len(seqs) + 1)), f"{peer}: {seqs}"


async def dropped(peer: Peer, within: float) -> bool:
    """Whether the peer's socket is lost within ``within`` seconds (reading what arrives)."""
    try:
        await peer.drain(within)
    except ClosedError:
        return True
    return False


async def process_serving(stack, code: str, token: str) -> int:
    """The daphne process (1 or 2) nginx sends the session's sockets to, from its log.

    A probe socket opens and closes; nginx logs it on close, with its upstream.
    """
    probe = Peer(stack.endpoint, code, token, name="probe")
    await probe.hello()
    await probe.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not (logged := [r for r in stack.requests() if f"/ws/sessions/{code}/" in r.path]):
        assert loop.time() < deadline, "nginx did not log the probe socket"
        await asyncio.sleep(0.1)
    (web,) = [web for web in (1, 2) if logged[-1].upstream == f"127.0.0.1:{stack.web_port(web)}"]
    return web


async def test_make_stack_serves_http_static_files_and_sessions_through_nginx(stack, interviewer):
    assert stack.health() == 200
    room = await room_create(interviewer)
    owner = Peer(stack.endpoint, room.code, room.owner.token, name="owner")
    await owner.hello()
    (question_id,) = await first_questions(1)
    ack = await owner.command("question.push", {"question_id": question_id})
    assert ack["type"] == "ack"
    assert (await owner.next("round.opened"))["seq"] == 1
    await owner.close()


async def test_nginx_sends_the_sockets_of_one_session_to_one_process(stack, interviewer):
    rooms = await rooms_for(interviewer, 20, 2)
    peers = [Peer(stack.endpoint, code, token) for code, people in rooms for _, token in people]
    for peer in peers:
        await peer.hello()
    for peer in peers:
        await peer.close()
    # nginx logs a WebSocket when it closes, with the daphne process it went to.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while len(sockets := [r for r in stack.requests() if r.path.startswith("/ws/")]) < len(peers):
        assert loop.time() < deadline, f"nginx logged {len(sockets)} of {len(peers)} sockets"
        await asyncio.sleep(0.1)
    processes = {code: {r.upstream for r in sockets if f"/{code}/" in r.path} for code, _ in rooms}
    assert all(len(upstreams) == 1 for upstreams in processes.values()), processes
    # Both processes serve sessions (all twenty on one would be one chance in half a million).
    assert set().union(*processes.values()) == {
        f"127.0.0.1:{stack.web_port(web)}" for web in (1, 2)
    }


async def test_nginx_spreads_spectators_over_both_processes_and_each_gets_every_event(
    stack, interviewer
):
    fans = [f"Fan {i}" for i in range(8)]
    room = await room_create(interviewer, spectators=fans)
    owner = Peer(stack.endpoint, room.code, room.owner.token, name="owner")
    await owner.hello()
    watching = [
        Peer(stack.endpoint, room.code, room.seats[fan].token, name=fan, path="watch")
        for fan in fans
    ]
    for peer in watching:
        await peer.hello()
    for question_id in await first_questions(2):
        await owner.command("question.push", {"question_id": question_id})
    for peer in watching:
        await peer.next("round.opened", where=lambda f: f["data"]["position"] == 2)
        assert [(f["seq"], f["type"]) for f in peer.persisted()] == [
            (1, "round.opened"),
            (2, "round.closed"),
            (3, "round.opened"),
        ]
    for peer in [owner, *watching]:
        await peer.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while len(logged := [r for r in stack.requests() if r.path.startswith("/ws/watch/")]) < 8:
        assert loop.time() < deadline, f"nginx logged {len(logged)} of 8 spectators' sockets"
        await asyncio.sleep(0.1)
    assert {r.upstream for r in logged} == {f"127.0.0.1:{stack.web_port(web)}" for web in (1, 2)}


async def test_a_web_process_killed_mid_round_loses_nothing(stack, interviewer):
    room = await room_create(interviewer)
    names = {"owner": room.owner, **room.seats}
    peers = await welcomed(stack, room.code, names)
    first, second = await first_questions(2)
    pushed = await peers["owner"].command(
        "question.push", {"question_id": first, "time_limit_s": 10}
    )
    round_id = pushed["data"]["round_id"]
    answers = {}
    for name in ("Ann", "Ben"):
        ack = await peers[name].command("answer.submit", {"round_id": round_id, "text": name})
        answers[name] = ack["data"]["answer_id"]
    await peers["owner"].command("answer.score", {"answer_id": answers["Ann"], "score": 7})

    stack.kill(await process_serving(stack, room.code, room.owner.token))
    lost = await asyncio.gather(*(dropped(peer, 5.0) for peer in peers.values()))
    assert all(lost), "nginx spread one session's sockets over two processes"
    for name, peer in list(peers.items()):
        peers[name] = await resume(peer)

    # Life goes on on the survivor: a score, and the deadline, which still fires once.
    scored = await peers["owner"].command("answer.score", {"answer_id": answers["Ben"], "score": 4})
    assert scored["type"] == "ack"
    for peer in peers.values():
        closed = await peer.next("round.closed", timeout=15)
        assert closed["data"] == {"round_id": round_id, "reason": "deadline"}
    await peers["owner"].command("question.push", {"question_id": second})
    for peer in peers.values():
        await peer.next("round.opened")
        await peer.drain(0.3)
        assert_nothing_missed_or_repeated(peer)

    assert await Answer.objects.acount() == 2
    assert await Score.objects.acount() == 2
    closes = Event.objects.filter(type="round.closed", payload__round_id=round_id)
    assert await closes.acount() == 1
    for peer in peers.values():
        await peer.close()


async def test_a_process_stopped_for_a_rolling_restart_hands_its_sessions_to_the_other(
    stack, interviewer
):
    room = await room_create(interviewer)
    names = {"owner": room.owner, "Ann": room.seats["Ann"], "Wall": room.seats["Wall"]}
    peers = await welcomed(stack, room.code, names)
    (question_id,) = await first_questions(1)
    pushed = await peers["owner"].command("question.push", {"question_id": question_id})
    round_id = pushed["data"]["round_id"]

    stack.terminate(await process_serving(stack, room.code, room.owner.token))
    for peer in peers.values():
        assert await peer.gone(timeout=10) == 4012
    # As the browser does on 4012: reconnect at once, once. The other process answers.
    for name, peer in list(peers.items()):
        again = Peer(stack.endpoint, room.code, peer.token, name=name)
        await again.hello(last_seq=peer.last_seq)
        peers[name] = again
    acked = await peers["Ann"].command(
        "answer.submit", {"round_id": round_id, "text": "still here"}
    )
    assert acked["type"] == "ack", acked
    await peers["owner"].next("answer.submitted")
    for peer in peers.values():
        await peer.close()


async def test_redis_gone_for_five_seconds_then_service_comes_back_with_nothing_lost(
    stack, interviewer
):
    room = await room_create(interviewer)
    names = {"owner": room.owner, "Ann": room.seats["Ann"], "Wall": room.seats["Wall"]}
    peers = await welcomed(stack, room.code, names)
    (question_id,) = await first_questions(1)
    pushed = await peers["owner"].command("question.push", {"question_id": question_id})
    round_id = pushed["data"]["round_id"]
    acked = await peers["Ann"].command("answer.submit", {"round_id": round_id, "text": "kept"})
    assert acked["type"] == "ack"
    # The deadline falls inside the outage: the clock closes the round, nobody hears it live.
    await Round.objects.filter(pk=round_id).aupdate(deadline=timezone.now() + timedelta(seconds=2))

    stack.redis.stop()
    outage_started = time.monotonic()
    codes = [await peer.gone(timeout=5) for peer in peers.values()]
    assert codes == [4013, 4013, 4013], codes
    assert stack.health() == 503
    await asyncio.sleep(max(0, 5 - (time.monotonic() - outage_started)))
    stack.redis.start()

    for name, peer in list(peers.items()):
        peers[name] = await resume(peer, within=20)
    assert stack.health() == 200
    for peer in peers.values():
        closed = await peer.next("round.closed", timeout=5)
        assert closed["data"] == {"round_id": round_id, "reason": "deadline"}
        assert_nothing_missed_or_repeated(peer)
    snapshot = peers["Ann"].welcome["data"]["snapshot"]
    assert [a["text"] for a in snapshot["answers"]] == ["kept"]
    for peer in peers.values():
        await peer.close()


# How long any one client may wait for its way back. This is a correctness test: nothing
# lost, nothing repeated, no 5xx. The wait is generous so that it holds on a machine twice as
# slow and busy with other work (`make test-busy`), which runs the clients, nginx, both
# processes, PostgreSQL and Redis together; the test prints how long the storm took.
STORM_WAIT_S = 120


@database_sync_to_async
def rooms_for(owner, count: int, size: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """``count`` sessions of ``size`` people each (owner, 16 candidates, the rest spectators):
    their codes, names and tokens."""
    rooms = []
    for number in range(count):
        created = services.session_create(owner=owner, title=f"Room {number}")
        session, people, rows = created.session, [("owner", created.owner.token)], []
        for seat in range(size - 1):
            token = f"storm-{session.code}-{seat}-{'x' * 24}"
            rows.append(
                Participant(
                    session=session,
                    role="candidate" if seat < 16 else "spectator",
                    display_name=f"P{seat}",
                    token_hash=secret_hash(token),
                )
            )
            people.append((f"{session.code}/P{seat}", token))
        Participant.objects.bulk_create(rows)
        rooms.append((session.code, people))
    return rooms


async def test_a_thousand_clients_dropped_at_once_reconnect_and_resume_with_nothing_lost(
    stack, interviewer, unbounded_sessions, monkeypatch
):
    """50 sessions of 20, as in a bootcamp's interview day: everyone's network goes at once."""
    monkeypatch.setattr(Peer, "ping_interval", None)  # a thousand sockets in this one process
    rooms = await rooms_for(interviewer, 50, 20)
    peers = [
        Peer(stack.endpoint, code, token, name=name)
        for code, people in rooms
        for name, token in people
    ]
    assert len(peers) == 1000
    gate = asyncio.Semaphore(50)

    async def join(peer: Peer) -> None:
        async with gate:
            await peer.hello(timeout=STORM_WAIT_S)

    await asyncio.gather(*(join(peer) for peer in peers))
    owners = [peer for peer in peers if peer.name == "owner"]
    (question_id,) = await first_questions(1)
    for owner in owners:
        await owner.command("question.push", {"question_id": question_id})
    await asyncio.gather(*(peer.next("round.opened", timeout=STORM_WAIT_S) for peer in peers))
    seen = {peer: peer.last_seq for peer in peers}

    # Everyone's network goes at once; meanwhile every round is closed.
    for peer in peers:
        peer.ws.transport.abort()
    await Round.objects.aupdate(deadline=timezone.now() - timedelta(seconds=1))
    await database_sync_to_async(services.rounds_close_due)()
    last = {
        code: await Event.objects.filter(session__code=code)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .afirst()
        for code, _ in rooms
    }

    started = time.monotonic()

    async def come_back(peer: Peer) -> Peer:
        await asyncio.sleep(random.uniform(0, 1.0))  # the browser module's first jitter
        # Like the browser module: wait for the welcome rather than hang up on a busy server.
        again = await resume(peer, within=STORM_WAIT_S, welcome_timeout=STORM_WAIT_S)
        while again.last_seq < last[peer.code]:
            await again.next(timeout=STORM_WAIT_S)
        return again

    back = await asyncio.gather(*(come_back(peer) for peer in peers))
    elapsed = time.monotonic() - started
    print(f"{len(back)} clients resumed in {elapsed:.1f} s")
    for before, after in zip(peers, back, strict=True):
        expected = list(range(seen[before] + 1, last[before.code] + 1))
        assert [f["seq"] for f in after.persisted()] == expected
    # Nobody was turned away on the way, not even with a 502 or 503 the client retried.
    refused = [r for r in stack.requests() if r.status >= 500]
    assert not refused, refused[:5]
    await asyncio.gather(*(peer.close() for peer in back))
