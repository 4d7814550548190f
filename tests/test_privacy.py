"""Nobody sees what is not theirs: every frame of every candidate and spectator, checked."""

import json

import pytest
from channels.db import database_sync_to_async

from interview.models import Question

from .live import Client, panel_member_add, room_create

pytestmark = [pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def secrets_of(question_ids: list[int]) -> list[str]:
    """Model answers and key points of the asked questions, minus what the prompt shows."""
    needles = []
    for question in Question.objects.filter(id__in=question_ids):
        public = f"{question.title} {question.prompt}"
        needles.append(question.model_answer)
        needles += [point for point in question.key_points if point not in public]
    return needles


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
    viewers = {name: Client(room.code) for name in ("Ann", "Ben", "Cy", "W1", "W2")}
    for name, client in viewers.items():
        await client.hello(room.seats[name])
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
            for needle in forbidden_everywhere:
                assert needle not in text, f"{name} received a model answer or key point"
            for private in every_private:
                if private not in allowed:
                    assert private not in text, f"{name} received {private}"
        for private in mine[name]:  # and they did get their own
            assert any(private in text for text in frames), f"{name} never saw {private}"

    panel_frames = " ".join(json.dumps(f) for f in panel["bob"].frames)
    assert all(private in panel_frames for private in every_private)
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
