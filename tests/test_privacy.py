"""Nobody sees what is not theirs: every frame of every candidate and spectator, checked."""

import json

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from interview.models import Question, Round

from .live import Client, panel_member_add, room_create
from .privacy_kit import (
    connected,
    extra_time_room,
    finished_and_seen,
    my_results,
    secrets_of,
    seen_by,
)

# The fields of round.opened that only the panel receives: model answers, key points, and
# their rendered HTML.
PANEL_ONLY_FIELDS = ["model_answer", "model_answer_html", "key_points", "key_points_html"]
# And of answer.submitted: the answer's key-point coverage and suggested score.
PANEL_ONLY_ANSWER_FIELDS = ["coverage", "suggested_score"]

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_candidates_and_spectators_never_receive_what_is_not_theirs(
    layer, interviewer, other_interviewer, bank
):
    room = await room_create(interviewer, candidates=("Ann", "Ben", "Cy"), spectators=("W1", "W2"))
    await panel_member_add(room, other_interviewer)
    question_ids = await database_sync_to_async(
        lambda: list(Question.objects.order_by("id").values_list("id", flat=True)[:3])
    )()
    panel = {name: Client(room.code) for name in ("alice", "bob")}
    await panel["alice"].hello(room.owner)
    await panel["bob"].hello(room.seats["bob"])
    viewers = await connected(room, ("Ann", "Ben", "Cy", "W1", "W2"))
    history: dict[str, list[Client]] = {name: [client] for name, client in viewers.items()}
    mine: dict[str, list[str]] = {name: [] for name in viewers}  # what each may see of theirs

    for position, question_id in enumerate(question_ids, start=1):
        pushed = await panel["alice"].command("question.push", {"question_id": question_id})
        round_id = pushed["data"]["round_id"]
        for name in ("Ann", "Ben", "Cy"):
            for revision in (1, 2):
                text = f"ANSWER-{name}-{position}-{revision}"
                mine[name].append(text)
                await viewers[name].command("answer.submit", {"round_id": round_id, "text": text})
        if position == 2:  # Ben and a spectator drop and come back mid-session
            for name in ("Ben", "W1"):
                last_seq = max([0] + [f["seq"] for f in viewers[name].persisted()])
                await viewers[name].disconnect()
                viewers[name] = Client(room.code)
                await viewers[name].hello(room.seats[name], last_seq=last_seq)
                history[name].append(viewers[name])
        answers = await panel["alice"].drain()
        answer_ids = {
            f["data"]["participant_id"]: f["data"]["answer_id"]
            for f in answers + panel["alice"].frames
            if f["type"] == "answer.submitted" and f["data"]["round_id"] == round_id
        }
        for interviewer_name, client in panel.items():
            for name in ("Ann", "Ben", "Cy"):
                feedback = f"FEEDBACK-{interviewer_name}-{name}-{position}"
                mine[name].append(feedback)
                await client.command(
                    "answer.score",
                    {
                        "answer_id": answer_ids[room.seats[name].participant_id],
                        "score": position + 2,
                        "feedback": feedback,
                    },
                )
        await panel["alice"].command("question.close")
    await panel["alice"].command("session.finish")
    for client in [*panel.values(), *viewers.values()]:
        await client.drain()

    forbidden_everywhere = await secrets_of(question_ids)
    every_private = [text for texts in mine.values() for text in texts]
    for name, sockets in history.items():
        frames = [json.dumps(frame) for socket in sockets for frame in socket.frames]
        assert len(frames) > 20, name
        allowed = set(mine[name])
        for text in frames:
            for field in PANEL_ONLY_FIELDS + PANEL_ONLY_ANSWER_FIELDS:
                assert f'"{field}"' not in text, f"{name} received {field}"
            for needle in forbidden_everywhere:
                assert needle not in text, f"{name} received a model answer or key point"
            for private in every_private:
                if private not in allowed:
                    assert private not in text, f"{name} received {private}"
        for private in mine[name]:  # and they did get their own
            assert any(private in text for text in frames), f"{name} never saw {private}"

    panel_frames = " ".join(json.dumps(f) for f in panel["bob"].frames)
    assert all(private in panel_frames for private in every_private)
    assert '"coverage"' in panel_frames
    for client in [*panel.values(), *viewers.values()]:
        await client.disconnect()


async def test_a_participant_of_one_session_receives_nothing_of_another(layer, interviewer, bank):
    room, other = await room_create(interviewer), await room_create(interviewer)
    question_id = await database_sync_to_async(lambda: Question.objects.first().id)()
    ann = Client(room.code)
    await ann.hello(room.seats["Ann"])
    other_owner = Client(other.code)
    await other_owner.hello(other.owner)
    other_ann = Client(other.code)
    await other_ann.hello(other.seats["Ann"])
    pushed = await other_owner.command("question.push", {"question_id": question_id})
    await other_ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "OTHER-ROOM"}
    )
    await other_owner.next("answer.submitted")
    # Then Ann's own room speaks: frames reach her in order, so once its round opens at
    # her socket, anything of the other room would have come before it.
    owner = Client(room.code)
    await owner.hello(room.owner)
    await owner.command("question.push", {"question_id": question_id})
    await ann.next("round.opened", timeout=10)
    mine = {room.seats["Ann"].participant_id, room.owner.participant_id}
    assert [f["type"] for f in ann.frames if f["seq"] is not None] == ["round.opened"]
    assert all(
        f["data"]["participant_id"] in mine
        for f in ann.frames
        if f["type"].startswith("participant.")
    )
    assert "OTHER-ROOM" not in str(ann.frames)
    for client in (ann, owner, other_owner, other_ann):
        await client.disconnect()


def given_scores_seen(frame: dict, viewer_id: int) -> list[str]:
    """What of one interviewer's own score this frame shows a candidate or spectator.

    Each interviewer's number (``by_score``, or ``score`` in a snapshot's or results' list of
    scores) is never theirs to see; who scored (``by``) only on their own answers.
    """
    leaks = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            if "by_score" in value:
                leaks.append(f"{path}.by_score")
            if "by" in value and value.get("participant_id", viewer_id) != viewer_id:
                leaks.append(f"{path}.by of another's answer")
            for key, inner in value.items():
                walk(inner, f"{path}.{key}")
            for index, given in enumerate(value.get("scores") or []):
                if "score" in given:
                    leaks.append(f"{path}.scores[{index}].score")
                if "by" in given and value.get("participant_id", viewer_id) != viewer_id:
                    leaks.append(f"{path}.scores[{index}].by of another's answer")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{path}[{index}]")

    walk(frame, frame.get("type", "results"))
    return leaks


async def test_what_each_interviewer_gave_stays_with_the_panel(
    layer, interviewer, other_interviewer, bank, anonymous
):
    room = await room_create(interviewer, candidates=("Ann", "Ben"), spectators=("Wall",))
    bob_id = (await panel_member_add(room, other_interviewer)).participant_id
    question_id = await database_sync_to_async(lambda: Question.objects.first().id)()
    alice, bob = Client(room.code), Client(room.code)
    await alice.hello(room.owner)
    await bob.hello(room.seats["bob"])
    viewers = await connected(room, ("Ann", "Ben", "Wall"))
    pushed = await alice.command("question.push", {"question_id": question_id})
    round_id = pushed["data"]["round_id"]
    answer_ids = {}
    for name in ("Ann", "Ben"):
        submitted = await viewers[name].command(
            "answer.submit", {"round_id": round_id, "text": f"{name} answers"}
        )
        answer_ids[name] = submitted["data"]["answer_id"]
    # Two interviewers who disagree: 2 and 10 make a mean of 6.
    for client, score in ((alice, 2), (bob, 10)):
        for name in ("Ann", "Ben"):
            data = {"answer_id": answer_ids[name], "score": score, "feedback": f"to {name}"}
            assert (await client.command("answer.score", data))["type"] == "ack"
    last = await bob.next(
        "score.updated",
        where=lambda f: f["data"]["by"] == bob_id and f["data"]["answer_id"] == answer_ids["Ben"],
    )
    assert last["data"]["by_score"] == 10  # the panel sees it all
    for client in viewers.values():
        await client.next("score.updated", where=lambda f, seq=last["seq"]: f["seq"] == seq)

    during = {name: Client(room.code) for name in viewers}  # welcome and replay from 0
    for name, client in during.items():
        welcome = await client.hello(room.seats[name])
        own = [
            a
            for a in welcome["data"]["snapshot"]["answers"]
            if a["participant_id"] == room.seats[name].participant_id
        ]
        assert len(own) == (name != "Wall")
        for answer in own:  # the author still learns who said what, and the mean
            assert answer["score"] == 6.0
            assert {s["feedback"] for s in answer["scores"]} == {f"to {name}"}
            assert {s["by"] for s in answer["scores"]} == {room.owner.participant_id, bob_id}
        await client.next("score.updated", where=lambda f, seq=last["seq"]: f["seq"] == seq)

    await alice.command("session.finish")
    after = {name: Client(room.code) for name in viewers}
    for name, client in after.items():
        await client.hello(room.seats[name])
        await client.next("session.finished")
    for client in viewers.values():
        await client.next("session.finished")

    for name in viewers:
        viewer_id = room.seats[name].participant_id
        for client in (viewers[name], during[name], after[name]):
            for frame in client.frames:
                assert not given_scores_seen(frame, viewer_id), (name, frame["type"])
    for name in ("Ann", "Ben"):
        results = await my_results(anonymous, room, name)
        body = results.json()
        assert not given_scores_seen(body, room.seats[name].participant_id), name
        (played,) = body["rounds"]
        assert played["answer"]["score"] == 6.0
        assert [s["feedback"] for s in played["answer"]["scores"]] == [f"to {name}"] * 2
    for client in [alice, bob, *viewers.values(), *during.values(), *after.values()]:
        await client.disconnect()


async def test_key_point_coverage_stays_with_the_panel_live_replayed_and_in_results(
    layer, interviewer, bank, anonymous
):
    room = await room_create(interviewer, candidates=("Ann", "Ben"), spectators=("Wall",))
    question = await database_sync_to_async(lambda: Question.objects.order_by("id").first())()
    alice = Client(room.code)
    await alice.hello(room.owner)
    viewers = await connected(room, ("Ann", "Ben", "Wall"))
    pushed = await alice.command("question.push", {"question_id": question.id})
    round_id = pushed["data"]["round_id"]
    for name in ("Ann", "Ben"):
        data = {"round_id": round_id, "text": question.model_answer}
        assert (await viewers[name].command("answer.submit", data))["type"] == "ack"
    live = await alice.next("answer.submitted", where=lambda f: f["data"]["revision"] == 1)
    assert len(live["data"]["coverage"]["points"]) == len(question.key_points)
    assert any(live["data"]["coverage"]["points"])
    seen = await alice.next("answer.submitted", where=lambda f: f["seq"] > live["seq"])

    # Everyone comes back from 0: the welcome snapshot and the replay of every event.
    again = {name: Client(room.code) for name in viewers}
    for name, client in again.items():
        await client.hello(room.seats[name])
        await client.next("answer.submitted", where=lambda f, seq=seen["seq"]: f["seq"] == seq)
    panel_again = Client(room.code)
    welcome = await panel_again.hello(room.owner)
    assert all(a["coverage"]["points"] for a in welcome["data"]["snapshot"]["answers"])
    for name, kind, text in await finished_and_seen(alice, viewers, again):
        assert '"coverage"' not in text, (name, kind)
        assert '"suggested_score"' not in text, (name, kind)
    for name in ("Ann", "Ben"):
        mine = await my_results(anonymous, room, name)
        assert mine.status_code == 200
        assert "coverage" not in mine.content.decode(), name
    for client in [alice, panel_again, *viewers.values(), *again.values()]:
        await client.disconnect()


async def test_who_has_extra_time_is_the_panels_and_that_candidates_alone(layer, interviewer, bank):
    """Every frame: live, replayed from seq 0, and the welcome's snapshot."""
    room, ids, question_id, owner, viewers = await extra_time_room(interviewer)

    await owner.command("time.accommodate", {"participant_id": ids["Ann"], "extra_time_pct": 50})
    await owner.command("question.push", {"question_id": question_id, "time_limit_s": 100})
    given = {"Ann": [], "Ben": []}  # each candidate's own deadlines, as the panel heard them
    given["Ann"].append((await owner.next("round.extended"))["data"]["deadline"])
    for name, seconds in (("Ann", 120), ("Ben", 30)):
        extended = await owner.command(
            "time.extend", {"participant_id": ids[name], "seconds": seconds}
        )
        given[name].append(extended["data"]["deadline"])
    base = (await owner.next("round.opened"))["data"]["deadline"]
    await owner.drain()
    for client in viewers.values():
        await client.drain()

    again = {name: Client(room.code) for name in viewers}  # welcome and replay from seq 0
    for name, client in again.items():
        welcome = await client.hello(room.seats[name])
        round_seen = welcome["data"]["snapshot"]["round"]
        assert round_seen["deadline"] == base
        own = [
            {"round_id": round_seen["round_id"], "participant_id": ids[name], "deadline": d}
            for d in given.get(name, [])[-1:]
        ]
        assert round_seen["deadlines"] == own, name
        await client.drain()

    for name, _, text in seen_by(viewers, again):
        assert '"extra_time_pct"' not in text, name
        assert '"time.accommodated"' not in text, name
        for other, deadlines in given.items():
            if other != name:
                assert all(deadline not in text for deadline in deadlines), (name, other)
        extended = [
            frame
            for client in (viewers[name], again[name])
            for frame in client.frames
            if frame["type"] == "round.extended"
        ]
        assert {frame["data"]["participant_id"] for frame in extended} <= {ids[name]}
        live_deadlines = [f["data"]["deadline"] for f in viewers[name].frames if f in extended]
        assert live_deadlines == given.get(name, []), name
        for client in (viewers[name], again[name]):
            assert client.nothing_missed(), name

    panel_again = Client(room.code)
    snapshot = (await panel_again.hello(room.owner))["data"]["snapshot"]
    assert {(d["participant_id"], d["deadline"]) for d in snapshot["round"]["deadlines"]} == {
        (ids["Ann"], given["Ann"][-1]),
        (ids["Ben"], given["Ben"][-1]),
    }
    pct = {p["name"]: p.get("extra_time_pct") for p in snapshot["participants"]}
    assert (pct["Ann"], pct["Ben"], pct["Wall"]) == (50, 0, None)
    for client in [owner, panel_again, *viewers.values(), *again.values()]:
        await client.disconnect()


async def test_an_answer_given_in_extra_time_tells_the_room_nothing(layer, interviewer, bank):
    """Live and in the snapshot: after the round's deadline only Ann may answer (she has extra
    time), and nobody but the panel and Ann learns that she did, or when."""
    room, ids, question_id, owner, viewers = await extra_time_room(interviewer)
    pushed = await owner.command("question.push", {"question_id": question_id})
    round_id = pushed["data"]["round_id"]
    await owner.command("time.extend", {"participant_id": ids["Ann"], "seconds": 600})
    for name in ("Ann", "Ben"):
        text = f"{name}, on time"
        await viewers[name].command("answer.submit", {"round_id": round_id, "text": text})
    # The round's own deadline passes: Ann revises her answer, Cy gives none.
    await Round.objects.filter(pk=round_id).aupdate(deadline=timezone.now())
    late = await viewers["Ann"].command(
        "answer.submit", {"round_id": round_id, "text": "Ann, in extra time"}
    )
    assert late["data"]["revision"] == 2
    for client in (owner, viewers["Ann"]):
        revised = await client.next("answer.submitted", where=lambda f: f["data"]["revision"] == 2)
        assert revised["data"]["in_extra_time"] is True
    await owner.command("question.close")
    for name in ("Ben", "Cy", "Wall"):
        closed = await viewers[name].next("round.closed")
        assert closed["prev"] == closed["seq"] - 2, name  # the revision was not theirs
        assert viewers[name].nothing_missed(), name
        revisions = [
            f["data"]["revision"]
            for f in viewers[name].frames
            if f["type"] == "answer.submitted" and f["data"]["participant_id"] == ids["Ann"]
        ]
        assert revisions == [1], name

    # Reconnected, the room sees Ann's answer as it stood at the deadline; Ann and the panel
    # see her last revision.
    for name, seat, revision in (
        ("Ben", room.seats["Ben"], 1),
        ("Wall", room.seats["Wall"], 1),
        ("Ann", room.seats["Ann"], 2),
        ("owner", room.owner, 2),
    ):
        again = Client(room.code)
        snapshot = (await again.hello(seat))["data"]["snapshot"]
        anns = [a for a in snapshot["answers"] if a["participant_id"] == ids["Ann"]]
        assert [a["revision"] for a in anns] == [revision], name
        assert "in_extra_time" not in json.dumps(snapshot), name
        await again.disconnect()
    await owner.disconnect()
    for client in viewers.values():
        await client.disconnect()


async def test_drafts_reach_the_panel_alone_live_replayed_and_in_snapshots(
    layer, interviewer, bank
):
    """A draft is the panel's: no candidate (its own included) or spectator receives a frame
    of it, live, replayed from seq 0 or in the welcome's snapshot. Kept at the close, it is
    an answer like any: its text for the panel and its author, that it was kept too."""
    room, ids, question_id, owner, viewers = await extra_time_room(interviewer)
    pushed = await owner.command("question.push", {"question_id": question_id})
    round_id = pushed["data"]["round_id"]
    drafts = {"Ann": "DRAFT-Ann-typed", "Ben": "DRAFT-Ben-typed"}
    for name, text in drafts.items():
        ack = await viewers[name].command("answer.draft", {"round_id": round_id, "text": text})
        assert (ack["type"], ack["data"]) == ("ack", {})
        heard = await owner.next("answer.drafted")
        assert heard["data"]["participant_id"] == ids[name]
        assert heard["data"]["text"] == text
    await viewers["Cy"].command("answer.submit", {"round_id": round_id, "text": "Cy, on time"})
    for name, client in viewers.items():
        submitted = await client.next("answer.submitted")
        assert submitted["prev"] == submitted["seq"] - 3, name  # the two drafts were not theirs
        assert client.nothing_missed(), name

    again = {name: Client(room.code) for name in viewers}  # welcome and replay from seq 0
    for name, client in again.items():
        welcome = await client.hello(room.seats[name])
        assert "drafts" not in welcome["data"]["snapshot"], name
        await client.drain()
    panel_again = Client(room.code)
    welcome = await panel_again.hello(room.owner)
    assert welcome["data"]["snapshot"]["drafts"] == [
        {"round_id": round_id, "participant_id": ids[name], "text": text, "at": at}
        for (name, text), at in zip(
            drafts.items(),
            [f["ts"] for f in owner.frames if f["type"] == "answer.drafted"],
            strict=True,
        )
    ]
    # Not replayed even to the panel: its snapshot holds the latest drafts.
    replayed = [f for f in await panel_again.drain() if f["type"] == "answer.drafted"]
    assert replayed == []
    assert panel_again.nothing_missed()

    await owner.command("question.close")
    for name, client in viewers.items():
        await client.next("round.closed")
        kept = {
            f["data"]["participant_id"]: f["data"]
            for f in client.frames
            if f["type"] == "answer.submitted" and f["data"]["participant_id"] != ids["Cy"]
        }
        assert set(kept) == {ids["Ann"], ids["Ben"]}, name
        for other, data in kept.items():
            mine = other == ids.get(name)
            assert ("text" in data, "at_close" in data) == (mine, mine), (name, other)
    for name, _, text in seen_by(viewers, again):
        assert '"answer.drafted"' not in text, name
        assert '"drafts"' not in text, name
        for other, typed in drafts.items():
            if other != name:
                assert typed not in text, (name, other)
    for client in [owner, panel_again, *viewers.values(), *again.values()]:
        await client.disconnect()


async def test_an_exercises_hidden_tests_stay_with_the_panel_live_replayed_and_after_the_finish(
    layer, interviewer, bank, anonymous
):
    room = await room_create(interviewer, candidates=("Ann", "Ben"), spectators=("Wall",))
    exercise = await database_sync_to_async(
        lambda: Question.objects.filter(kind="exercise").order_by("id").first()
    )()
    hidden = [json.dumps(test["name"])[1:-1] for test in exercise.tests]
    public = f"{exercise.prompt} {exercise.model_answer} {exercise.examples}"
    assert not any(name in public for name in hidden)
    alice = Client(room.code)
    await alice.hello(room.owner)
    viewers = await connected(room, ("Ann", "Ben", "Wall"))
    pushed = await alice.command("question.push", {"question_id": exercise.id})
    round_id = pushed["data"]["round_id"]
    opened = await alice.next("round.opened")
    assert opened["data"]["tests"] == exercise.tests
    for name in ("Ann", "Ben"):
        seen = await viewers[name].next("round.opened")
        assert seen["data"]["starter_code"] == exercise.starter_code
        assert seen["data"]["examples"] == exercise.examples
        assert seen["data"]["question"]["kind"] == "exercise"
        data = {"round_id": round_id, "text": exercise.starter_code}
        assert (await viewers[name].command("answer.submit", data))["type"] == "ack"

    # Everyone comes back from 0 while the round is open: the snapshot, then the replay.
    again = {name: Client(room.code) for name in viewers}
    for name, client in again.items():
        welcome = await client.hello(room.seats[name])
        assert welcome["data"]["snapshot"]["round"]["examples"] == exercise.examples
        await client.next("round.opened")
    panel_again = Client(room.code)
    welcome = await panel_again.hello(room.owner)
    assert welcome["data"]["snapshot"]["round"]["tests"] == exercise.tests
    for name, kind, text in await finished_and_seen(alice, viewers, again):
        assert '"tests"' not in text, (name, kind)
        assert not [n for n in hidden if n in text], (name, kind)
    for name in ("Ann", "Ben"):
        mine = await my_results(anonymous, room, name)
        assert mine.status_code == 200
        assert mine.json()["rounds"][0]["model_answer"] == exercise.model_answer
        assert '"tests"' not in mine.content.decode(), name
        assert not [n for n in hidden if n in mine.content.decode()], name
    for client in [alice, panel_again, *viewers.values(), *again.values()]:
        await client.disconnect()
