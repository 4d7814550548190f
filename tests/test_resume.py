"""Resume: a reconnecting client gets exactly what it missed, in order, then live events."""

import pytest

from interview.models import Question

from .live import Client, room_create

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def question_ids(bank) -> list[int]:
    return list(Question.objects.order_by("id").values_list("id", flat=True)[:3])


def last_seq(client: Client) -> int:
    return max([0] + [frame["seq"] for frame in client.persisted()])


async def test_a_reconnect_with_last_seq_replays_exactly_the_missed_events(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    ben = Client(room.code)
    await ben.hello(room.seats["Ben"])
    # A second socket of Ann stays connected throughout: the reference of what Ann sees.
    reference = Client(room.code)
    await reference.hello(room.seats["Ann"])
    ann = Client(room.code)
    await ann.hello(room.seats["Ann"])

    first = await owner.command("question.push", {"question_id": question_ids[0]})
    await ann.command("answer.submit", {"round_id": first["data"]["round_id"], "text": "a1"})
    await ann.next("answer.submitted")
    seen = last_seq(ann)
    await ann.disconnect()

    # While Ann is away: Ben answers, the panel scores both, a new round opens.
    await ben.command("answer.submit", {"round_id": first["data"]["round_id"], "text": "b1"})
    answers = [(await owner.next("answer.submitted"))["data"]["answer_id"] for _ in range(2)]
    for answer_id, feedback in zip(answers, ("f", ""), strict=True):
        # Ben's feedback would be his alone: Ann's socket would skip its seq.
        await owner.command(
            "answer.score", {"answer_id": answer_id, "score": 5, "feedback": feedback}
        )
    await owner.command("question.push", {"question_id": question_ids[1]})
    await reference.next("round.opened", where=lambda f: f["data"]["position"] == 2)

    latest = last_seq(reference)
    back = Client(room.code)
    welcome = await back.hello(room.seats["Ann"], last_seq=seen)
    assert welcome["data"]["last_seq"] == latest
    await back.next(where=lambda f: f.get("seq") == latest)
    replayed = back.persisted()
    missed = [f for f in reference.persisted() if f["seq"] > seen]
    assert replayed == missed
    assert [f["seq"] for f in replayed] == list(range(seen + 1, latest + 1))

    # Then live events, without duplicates.
    await owner.command("question.close")
    live = await back.next("round.closed", where=lambda f: f["seq"] > latest)
    assert live["seq"] == latest + 1
    assert [f["seq"] for f in back.persisted()] == list(range(seen + 1, live["seq"] + 1))
    for client in (owner, ben, reference, back):
        await client.disconnect()


async def test_a_first_connect_replays_the_whole_history(layer, interviewer, question_ids):
    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    await owner.command("question.push", {"question_id": question_ids[0]})
    await owner.command("question.push", {"question_id": question_ids[1]})
    late = Client(room.code)
    welcome = await late.hello(room.seats["Wall"])
    assert welcome["data"]["snapshot"]["round"]["position"] == 2
    rounds = welcome["data"]["snapshot"]["rounds"]
    assert [(r["position"], r["open"]) for r in rounds] == [(1, False), (2, True)]
    assert set(rounds[0]["question"]) == {"id", "title", "kind", "category", "difficulty"}
    await late.next(where=lambda f: f.get("seq") == 3)
    assert [f["type"] for f in late.persisted()] == ["round.opened", "round.closed", "round.opened"]
    for client in (owner, late):
        await client.disconnect()


async def test_the_welcome_snapshot_restores_a_candidates_answers_and_feedback(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    round_id = pushed["data"]["round_id"]
    for name in ("Ann", "Ben"):
        client = Client(room.code)
        await client.hello(room.seats[name])
        submitted = await client.command(
            "answer.submit", {"round_id": round_id, "text": f"{name} says"}
        )
        await owner.command(
            "answer.score",
            {"answer_id": submitted["data"]["answer_id"], "score": 7, "feedback": f"to {name}"},
        )
        await client.disconnect()

    ann = Client(room.code)
    snapshot = (await ann.hello(room.seats["Ann"], last_seq=99))["data"]["snapshot"]
    assert snapshot["round"]["answered"] == sorted(
        [room.seats["Ann"].participant_id, room.seats["Ben"].participant_id]
    )
    assert "model_answer" not in snapshot["round"]
    own, other = sorted(
        snapshot["answers"], key=lambda a: a["participant_id"] != room.seats["Ann"].participant_id
    )
    assert own["text"] == "Ann says"
    assert own["scores"] == [{"by": room.owner.participant_id, "feedback": "to Ann"}]
    assert "text" not in other
    assert other["scores"] == []
    assert other["score"] == 7.0

    owner_again = Client(room.code)
    panel = (await owner_again.hello(room.owner))["data"]["snapshot"]
    assert {a["text"] for a in panel["answers"]} == {"Ann says", "Ben says"}
    assert panel["round"]["model_answer"]
    for client in (owner, ann, owner_again):
        await client.disconnect()


async def test_a_last_seq_from_the_future_does_not_mute_live_events(
    layer, interviewer, question_ids
):
    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    wall = Client(room.code)
    await wall.hello(room.seats["Wall"], last_seq=1000)
    await owner.command("question.push", {"question_id": question_ids[0]})
    assert (await wall.next("round.opened"))["seq"] == 1
    for client in (owner, wall):
        await client.disconnect()


async def test_a_gap_in_live_events_is_filled_from_the_database(
    layer, interviewer, question_ids, monkeypatch
):
    """Fan-outs of two processes may overtake each other: the consumer fills the gap."""
    from interview.domain import services

    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    wall = Client(room.code)
    await wall.hello(room.seats["Wall"])
    publish = services._command.event_publish_on_commit
    monkeypatch.setattr(services._command, "event_publish_on_commit", lambda event: None)
    await owner.command("question.push", {"question_id": question_ids[0]})  # seq 1, unsent
    monkeypatch.setattr(services._command, "event_publish_on_commit", publish)
    await owner.command("question.close")  # seq 2, sent: the socket sees the gap
    await wall.next("round.closed")
    assert [(f["seq"], f["type"]) for f in wall.persisted()] == [
        (1, "round.opened"),
        (2, "round.closed"),
    ]
    for client in (owner, wall):
        await client.disconnect()


async def test_a_gap_seen_by_every_socket_of_a_session_is_read_from_the_database_once(
    layer, interviewer, question_ids, monkeypatch
):
    """A big room's sockets all see the same gap: one read fills it for all, in every lens."""
    from interview.domain import selectors, services

    room = await room_create(interviewer)
    owner = Client(room.code)
    await owner.hello(room.owner)
    others = {name: Client(room.code) for name in ("Ann", "Ben", "Wall")}
    for name, client in others.items():
        await client.hello(room.seats[name])
    pushed = await owner.command("question.push", {"question_id": question_ids[0]})
    reads = []
    real = selectors.event_rows_after
    monkeypatch.setattr(
        selectors, "event_rows_after", lambda *args: reads.append(args) or real(*args)
    )
    publish = services._command.event_publish_on_commit
    monkeypatch.setattr(services._command, "event_publish_on_commit", lambda event: None)
    await others["Ann"].command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "mine"}
    )  # seq 2, unsent
    monkeypatch.setattr(services._command, "event_publish_on_commit", publish)
    await owner.command("question.close")  # seq 3, sent: every socket sees the gap
    for client in (owner, *others.values()):
        await client.next("round.closed")
        assert [f["seq"] for f in client.persisted()] == [1, 2, 3]
    assert len(reads) == 1
    submitted = {name: c.frames for name, c in {"owner": owner, **others}.items()}
    texts = {
        name: [f["data"].get("text") for f in frames if f["type"] == "answer.submitted"]
        for name, frames in submitted.items()
    }
    assert texts == {"owner": ["mine"], "Ann": ["mine"], "Ben": [None], "Wall": [None]}
    for client in (owner, *others.values()):
        await client.disconnect()


async def test_an_event_that_overtakes_an_earlier_one_waits_for_it(
    layer, interviewer, question_ids
):
    """Delivered in seq order, without asking the database, when the earlier one comes soon."""
    from channels.layers import get_channel_layer

    from interview.domain import selectors
    from interview.domain.broadcast import group_session

    room = await room_create(interviewer)
    wall = Client(room.code)
    await wall.hello(room.seats["Wall"])
    queries = []
    real = selectors.event_rows_after
    selectors.event_rows_after = lambda *args: queries.append(args) or real(*args)
    try:
        layer_ = get_channel_layer()
        group = group_session(room.session.id)
        frame = (
            '{{"type":"round.closed","seq":{seq},"ts":"2026-12-07T10:00:00.000Z",'
            '"data":{{"round_id":{seq},"reason":"interviewer"}}}}'
        )
        for seq in (2, 1):
            text = frame.format(seq=seq)
            message = {"type": "session.event", "session": room.session.id, "seq": seq}
            await layer_.group_send(group, {**message, "texts": {"panel": text, "public": text}})
        await wall.next(where=lambda f: f.get("seq") == 2)
    finally:
        selectors.event_rows_after = real
    assert [f["seq"] for f in wall.persisted()] == [1, 2]
    assert queries == []
    await wall.disconnect()
