"""Integrity signals over the socket: ``signal.report`` and the panel's ``candidate.signal``.

A candidate's page reports the tab hidden and shown, the window's focus, and paste sizes;
the panel alone hears of it, live, in replays and in snapshots. Nobody else receives a frame
of it, not even an empty one: their next frame says which seq it follows (``prev``).
"""

import json

import pytest
from channels.db import database_sync_to_async

from interview.domain.protocol import SIGNALS_PER_ROUND
from interview.models import Event, Question, SignalTally

from .live import Client, room_create

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def question_id(bank) -> int:
    return Question.objects.order_by("id").values_list("id", flat=True).first()


async def joined(room, *names) -> list[Client]:
    clients = []
    for name in names:
        client = Client(room.code)
        await client.hello(room.owner if name == "owner" else room.seats[name])
        clients.append(client)
    return clients


async def close_all(*clients: Client) -> None:
    for client in clients:
        await client.disconnect()


async def round_opened(owner: Client, question_id: int) -> int:
    """Push the question; the new round's id."""
    return (await owner.command("question.push", {"question_id": question_id}))["data"]["round_id"]


def signals_in(client: Client) -> list[str]:
    """Every frame of the socket that mentions a signal in any way."""
    texts = [json.dumps(frame) for frame in client.frames]
    return [text for text in texts if "signal" in text or '"chars"' in text]


async def test_a_signal_is_acked_and_reaches_the_panel_alone(layer, interviewer, question_id):
    room = await room_create(interviewer)
    owner, ann, ben, wall = await joined(room, "owner", "Ann", "Ben", "Wall")
    round_id = await round_opened(owner, question_id)
    ack = await ann.command("signal.report", {"round_id": round_id, "kind": "paste", "chars": 380})
    assert (ack["type"], ack["data"]) == ("ack", {})
    signal = await owner.next("candidate.signal")
    assert signal["seq"] == pushed_seq(owner) + 1
    assert signal["data"].pop("at") == signal["ts"]
    assert signal["data"] == {
        "participant_id": room.seats["Ann"].participant_id,
        "round_id": round_id,
        "kind": "paste",
        "chars": 380,
    }
    # The next event everyone sees comes right after the signal's seq. Those who did not see
    # the signal are told which seq it follows (prev), so they know they lost nothing.
    await ben.command("answer.submit", {"round_id": round_id, "text": "mine"})
    submitted = await owner.next("answer.submitted")
    assert submitted["seq"] == signal["seq"] + 1
    assert "prev" not in submitted
    for client in (ann, ben, wall):
        submitted = await client.next("answer.submitted")
        assert (submitted["seq"], submitted["prev"]) == (signal["seq"] + 1, signal["seq"] - 1)
        assert [f["seq"] for f in client.persisted()] == [signal["seq"] - 1, signal["seq"] + 1]
        assert not signals_in(client)
    await close_all(owner, ann, ben, wall)


def pushed_seq(client: Client) -> int:
    return next(f["seq"] for f in client.frames if f["type"] == "round.opened")


async def test_each_kind_of_signal_is_accepted_and_only_a_paste_has_characters(
    layer, interviewer, question_id
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)
    for kind in ("hidden", "visible", "blur", "focus"):
        assert (await ann.command("signal.report", {"round_id": round_id, "kind": kind}))[
            "type"
        ] == "ack"
    refused = [
        {"round_id": round_id, "kind": "blur", "chars": 3},
        {"round_id": round_id, "kind": "paste"},
        {"round_id": round_id, "kind": "paste", "chars": "3"},
        {"round_id": round_id, "kind": "paste", "chars": 3.0},
        {"round_id": round_id, "kind": "paste", "chars": True},
        {"round_id": round_id, "kind": "paste", "chars": -1},
        {"round_id": str(round_id), "kind": "blur"},
        {"round_id": round_id, "kind": "copy"},
        {"round_id": round_id, "kind": 1},
        {"round_id": round_id},
    ]
    for data in refused:
        reply = await ann.command("signal.report", data)
        assert (reply["type"], reply["data"]["code"]) == ("error", "invalid"), data
    kinds = [f["data"]["kind"] for f in await owner.drain() if f["type"] == "candidate.signal"]
    assert kinds == ["hidden", "visible", "blur", "focus"]
    await close_all(owner, ann)


async def test_a_page_that_loads_says_so_with_its_visible_and_nothing_else_may(
    layer, interviewer, question_id
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)
    for load in ("opened", "reloaded"):
        data = {"round_id": round_id, "kind": "visible", "load": load}
        assert (await ann.command("signal.report", data))["type"] == "ack"
    refused = [
        {"round_id": round_id, "kind": "visible", "load": "restored"},
        {"round_id": round_id, "kind": "visible", "load": True},
        {"round_id": round_id, "kind": "focus", "load": "reloaded"},
        {"round_id": round_id, "kind": "hidden", "load": "opened"},
    ]
    for data in refused:
        reply = await ann.command("signal.report", data)
        assert (reply["type"], reply["data"]["code"]) == ("error", "invalid"), data
    loads = [f["data"].get("load") for f in await owner.drain() if f["type"] == "candidate.signal"]
    assert loads == ["opened", "reloaded"]
    await close_all(owner, ann)


async def test_only_candidates_report_signals(layer, interviewer, question_id):
    room = await room_create(interviewer)
    owner, wall = await joined(room, "owner", "Wall")
    round_id = await round_opened(owner, question_id)
    for client in (owner, wall):
        reply = await client.command("signal.report", {"round_id": round_id, "kind": "blur"})
        assert reply["data"]["code"] == "forbidden"
    assert not await database_sync_to_async(SignalTally.objects.exists)()
    await close_all(owner, wall)


async def test_a_signal_for_a_closed_or_foreign_round_is_refused_like_an_answer(
    layer, interviewer, question_id
):
    room, other = await room_create(interviewer), await room_create(interviewer)
    (other_owner,) = await joined(other, "owner")
    foreign = (await other_owner.command("question.push", {"question_id": question_id}))["data"]
    owner, ann = await joined(room, "owner", "Ann")
    closed = (await owner.command("question.push", {"question_id": question_id}))["data"]
    await owner.command("question.close")
    for rnd, code in ((foreign, "not_found"), (closed, "round_closed")):
        signal = await ann.command("signal.report", {"round_id": rnd["round_id"], "kind": "blur"})
        answer = await ann.command("answer.submit", {"round_id": rnd["round_id"], "text": "x"})
        assert signal["data"]["code"] == answer["data"]["code"] == code
    await owner.command("session.finish")
    signal = await ann.command("signal.report", {"round_id": closed["round_id"], "kind": "blur"})
    assert signal["data"]["code"] == "session_finished"
    assert not await database_sync_to_async(Event.objects.filter(type="candidate.signal").exists)()
    await close_all(other_owner, owner, ann)


async def test_replays_and_snapshots_give_signals_to_the_panel_alone(
    layer, interviewer, question_id
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)
    for kind, extra in (("hidden", {}), ("visible", {}), ("paste", {"chars": 42})):
        await ann.command("signal.report", {"round_id": round_id, "kind": kind, **extra})
    await ann.command("answer.submit", {"round_id": round_id, "text": "done"})
    await owner.next("answer.submitted")

    panel = Client(room.code)
    snapshot = (await panel.hello(room.owner))["data"]["snapshot"]
    assert [s["kind"] for s in snapshot["signals"]] == ["hidden", "visible", "paste"]
    assert snapshot["signals_dropped"] == []
    replayed = Client(room.code)
    await replayed.hello(room.owner, last_seq=1)
    assert [f["seq"] for f in await replayed.drain() if f["seq"]] == [2, 3, 4, 5]
    assert [f["type"] for f in replayed.persisted()] == ["candidate.signal"] * 3 + [
        "answer.submitted"
    ]

    for name in ("Ann", "Ben", "Wall"):
        for last_seq in (0, 1):
            client = Client(room.code)
            welcome = await client.hello(room.seats[name], last_seq=last_seq)
            assert "signals" not in welcome["data"]["snapshot"]
            assert "signals_dropped" not in welcome["data"]["snapshot"]
            assert welcome["data"]["last_seq"] == 5
            await client.drain()
            assert [f["seq"] for f in client.persisted()] == ([1, 5] if last_seq == 0 else [5])
            assert client.persisted()[-1]["prev"] == 1  # seqs 2 to 4 were the panel's
            assert not signals_in(client), name
            await client.disconnect()
    await close_all(owner, ann, panel, replayed)


async def test_signals_past_the_bound_only_raise_the_counter_the_panel_sees(
    layer, interviewer, question_id, monkeypatch
):
    from types import SimpleNamespace

    from interview.domain import throttling

    # The rate limit's clock moves a second a command: this is about the bound, not the limit.
    now = [0.0]

    def tick() -> float:
        now[0] += 1.0
        return now[0]

    monkeypatch.setattr(throttling, "time", SimpleNamespace(monotonic=tick))
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)
    for number in range(SIGNALS_PER_ROUND + 5):
        kind = "blur" if number % 2 == 0 else "focus"
        await ann.send_json(
            {"type": "signal.report", "id": number, "data": {"round_id": round_id, "kind": kind}}
        )
    replies = [await ann.reply(number) for number in range(SIGNALS_PER_ROUND + 5)]
    assert {reply["type"] for reply in replies} == {"ack"}  # a dropped signal is no error
    panel = Client(room.code)
    snapshot = (await panel.hello(room.owner))["data"]["snapshot"]
    assert len(snapshot["signals"]) == SIGNALS_PER_ROUND
    assert snapshot["signals_dropped"] == [
        {"round_id": round_id, "participant_id": room.seats["Ann"].participant_id, "dropped": 5}
    ]
    received = [f for f in await owner.drain() if f["type"] == "candidate.signal"]
    assert len(received) == SIGNALS_PER_ROUND
    await close_all(owner, ann, panel)


async def test_signals_count_toward_the_twenty_commands_a_second(
    layer, interviewer, question_id, monkeypatch
):
    from types import SimpleNamespace

    from interview.domain import throttling

    now = [0.0]
    monkeypatch.setattr(throttling, "time", SimpleNamespace(monotonic=lambda: now[0]))
    room = await room_create(interviewer)
    (owner,) = await joined(room, "owner")
    round_id = await round_opened(owner, question_id)
    (ann,) = await joined(room, "Ann")  # the hello is the second's first frame
    for number in range(25):
        data = {"round_id": round_id, "kind": "paste", "chars": number}
        await ann.send_json({"type": "signal.report", "id": number, "data": data})
    replies = [await ann.reply(number) for number in range(25)]
    assert [f["type"] for f in replies] == ["ack"] * 19 + ["error"] * 6
    assert {f["data"]["code"] for f in replies[19:]} == {"rate_limited"}
    stored = await database_sync_to_async(SignalTally.objects.get)()
    assert (stored.stored, stored.dropped) == (19, 0)
    await close_all(owner, ann)


async def test_the_results_sum_up_each_candidates_signals_per_round(
    layer, interviewer, question_id, api
):
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)
    for kind, extra in (("blur", {}), ("paste", {"chars": 300}), ("paste", {"chars": 80})):
        await ann.command("signal.report", {"round_id": round_id, "kind": kind, **extra})
    response = await database_sync_to_async(api.get)(f"/api/sessions/{room.code}/results")
    by_name = {c["name"]: c for c in response.json()["candidates"]}
    (ann_round,) = by_name["Ann"]["rounds"]
    assert ann_round["signals"] == {
        "left_tab": 0,
        "away_s": 0,
        "reloads": 0,
        "lost_focus": 1,
        "pastes": 2,
        "pasted_chars": 380,
        "signals_dropped": 0,
        "summary": "lost focus 1×, pasted 380 characters",
    }
    assert by_name["Ben"]["rounds"][0]["signals"]["summary"] == "no signals"
    await close_all(owner, ann)


async def test_after_a_replay_ending_in_the_panels_events_prev_names_the_last_frame_sent(
    layer, interviewer, question_id
):
    """The welcome's snapshot covers up to its last_seq; a replay's last events may be the
    panel's, so the next frame's ``prev`` may be below that last_seq: the browser module
    accepts any ``prev`` up to the seq it holds."""
    room = await room_create(interviewer)
    owner, ann = await joined(room, "owner", "Ann")
    round_id = await round_opened(owner, question_id)  # seq 1
    await ann.command("answer.submit", {"round_id": round_id, "text": "one"})  # seq 2
    await ann.command("signal.report", {"round_id": round_id, "kind": "blur"})  # seq 3
    ben = Client(room.code)
    welcome = await ben.hello(room.seats["Ben"], last_seq=1)
    assert welcome["data"]["last_seq"] == 3
    await ann.command("signal.report", {"round_id": round_id, "kind": "focus"})  # seq 4
    await ann.command("answer.submit", {"round_id": round_id, "text": "two"})  # seq 5
    live = await ben.next("answer.submitted", where=lambda f: f["seq"] == 5)
    assert live["prev"] == 2
    assert [f["seq"] for f in ben.persisted()] == [2, 5]
    await close_all(owner, ann, ben)
