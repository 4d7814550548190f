"""The panel's private notes: ``note.save`` and ``note.updated``, the panel's alone.

A note per answer and a note per candidate, one per interviewer, written during the session
and after it. The panel reads them live, in its welcome snapshot, the results, the CSV and
the timeline; a candidate or a spectator never receives a character of one, in any frame,
snapshot, result or file, not even after the finish.
"""

import csv
import io
import json

import pytest
from channels.db import database_sync_to_async

from interview.domain import selectors, services
from interview.domain.errors import Refusal
from interview.domain.timeline import timeline_page
from interview.models import Note, Participant, Question

from .conftest import client_for
from .factories import owner_seat, seat, session_for, viewer_of
from .live import Client, panel_member_add, room_create

NOTE_ON_ANSWER = "NOTE-ON-ANSWER: hesitant on decorators"
NOTE_ON_CANDIDATE = "NOTE-ON-CANDIDATE: strong communicator"


# --- the service ------------------------------------------------------------------------------


@pytest.fixture
def answered(interviewer, bank):
    """A live session: Ann has answered the first question; Ben has not; Wall watches."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben, wall = seat(session, "Ann"), seat(session, "Ben"), seat(session, "Wall", "spectator")
    question = Question.objects.order_by("id").first()
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="x")
    return session, panel, ann, ben, wall, answer


@pytest.mark.django_db
def test_a_note_on_an_answer_names_its_candidate_and_round(answered):
    session, panel, ann, _, _, answer = answered
    note = services.note_save(
        session=session, participant=panel, answer_id=answer.id, text=NOTE_ON_ANSWER
    )
    assert note == {
        "participant_id": ann.id,
        "answer_id": answer.id,
        "round_id": answer.round_id,
        "by": panel.id,
        "text": NOTE_ON_ANSWER,
        "updated_at": note["updated_at"],
    }
    event = session.events.order_by("seq").last()
    assert (event.type, event.audience, event.payload) == ("note.updated", "interviewers", note)


@pytest.mark.django_db
def test_a_second_note_replaces_the_first_and_an_empty_one_clears_it(answered):
    session, panel, ann, _, _, _ = answered
    for text in ("first thoughts", "second thoughts"):
        services.note_save(session=session, participant=panel, participant_id=ann.id, text=text)
    assert list(Note.objects.values_list("text", flat=True)) == ["second thoughts"]
    assert [n["text"] for n in selectors.snapshot_for(session, viewer_of(panel))["notes"]] == [
        "second thoughts"
    ]
    services.note_save(session=session, participant=panel, participant_id=ann.id, text="")
    assert selectors.snapshot_for(session, viewer_of(panel))["notes"] == []


@pytest.mark.django_db
def test_each_interviewer_keeps_a_note_of_their_own(answered, other_interviewer):
    session, panel, ann, _, _, answer = answered
    bob = Participant.objects.create(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    )
    services.note_save(session=session, participant=panel, answer_id=answer.id, text="alice's")
    services.note_save(session=session, participant=bob, answer_id=answer.id, text="bob's")
    candidates = selectors.results_for(session)["candidates"]
    (ann_results,) = [c for c in candidates if c["participant_id"] == ann.id]
    seen = [(n["by_name"], n["text"]) for n in ann_results["rounds"][0]["notes"]]
    assert seen == [("alice", "alice's"), ("bob", "bob's")]


@pytest.mark.django_db
def test_a_note_is_on_an_answer_or_a_candidate_of_this_session(answered, interviewer):
    session, panel, _, _, wall, _ = answered
    other = session_for(interviewer, "Another panel")
    stranger = seat(other, "Zed")
    for target, message in (
        ({"answer_id": 10**9}, "No answer"),
        ({"participant_id": stranger.id}, "No candidate"),
        ({"participant_id": wall.id}, "No candidate"),  # a spectator is no candidate
        ({"participant_id": panel.id}, "No candidate"),
    ):
        with pytest.raises(Refusal) as refused:
            services.note_save(session=session, participant=panel, text="x", **target)
        assert refused.value.code == "not_found"
        assert refused.value.message.startswith(message)
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_notes_are_taken_after_the_finish(answered):
    session, panel, ann, _, _, answer = answered
    services.session_finish(session=session, participant=panel)
    services.note_save(session=session, participant=panel, answer_id=answer.id, text="later")
    services.note_save(session=session, participant=panel, participant_id=ann.id, text="hire")
    assert sorted(Note.objects.values_list("text", flat=True)) == ["hire", "later"]


@pytest.mark.django_db
def test_results_csv_and_timeline_carry_the_notes_for_the_panel(answered, interviewer):
    session, panel, _, ben, _, answer = answered
    services.note_save(session=session, participant=panel, answer_id=answer.id, text=NOTE_ON_ANSWER)
    services.note_save(
        session=session, participant=panel, participant_id=ben.id, text="=HYPERLINK(1)"
    )
    api = client_for(interviewer)
    results = api.get(f"/api/sessions/{session.code}/results").json()
    by_name = {c["name"]: c for c in results["candidates"]}
    assert [n["text"] for n in by_name["Ann"]["rounds"][0]["notes"]] == [NOTE_ON_ANSWER]
    assert by_name["Ann"]["notes"] == []
    assert [n["text"] for n in by_name["Ben"]["notes"]] == ["=HYPERLINK(1)"]
    assert by_name["Ben"]["rounds"][0]["notes"] == []

    response = api.get(f"/api/sessions/{session.code}/results.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_candidate = {row["candidate"]: row for row in rows}
    assert by_candidate["Ann"]["private_notes"] == f"alice: {NOTE_ON_ANSWER}"
    assert by_candidate["Ann"]["candidate_notes"] == ""
    assert by_candidate["Ben"]["candidate_notes"] == "alice: =HYPERLINK(1)"

    items = timeline_page(session, viewer_of(panel)).items
    notes = [item for item in items if item["type"] == "note.updated"]
    (noted,) = [item for item in notes if item["data"]["answer_id"]]
    assert noted["data"]["text"] == NOTE_ON_ANSWER
    assert (noted["data"]["name"], noted["data"]["by_name"]) == ("Ann", "alice")
    assert noted["round_id"] == answer.round_id


@pytest.mark.django_db
def test_nothing_a_candidate_or_spectator_gets_holds_a_note(answered, anonymous):
    session, panel, ann, ben, wall, answer = answered
    services.note_save(session=session, participant=panel, answer_id=answer.id, text=NOTE_ON_ANSWER)
    services.note_save(
        session=session, participant=panel, participant_id=ann.id, text=NOTE_ON_CANDIDATE
    )
    services.session_finish(session=session, participant=panel)
    # And after the finish, as a panel would go on writing.
    services.note_save(
        session=session, participant=panel, participant_id=ben.id, text=NOTE_ON_CANDIDATE + "!"
    )
    for who in (ann, ben, wall):
        text = everything_seen(session, who, anonymous)
        assert "NOTE-ON" not in text, who.display_name
        assert "note.updated" not in text
        assert '"notes"' not in text
    assert "notes" not in selectors.snapshot_for(session, viewer_of(ann))


def everything_seen(session, who, anonymous) -> str:
    """Every frame, snapshot, result, timeline and page a candidate or spectator can get, as
    one JSON text."""
    viewer = viewer_of(who)
    seen = [
        selectors.snapshot_for(session, viewer),
        # What a replay sends: the events this viewer receives at all.
        [e for e in selectors.events_after(session.id, 0, viewer) if e["data"] is not None],
        selectors.welcome_for(who, viewer, 0).replay,
    ]
    if who.role == "candidate":
        seen.append(selectors.candidate_results(who))
        seen.append(timeline_page(session, viewer).items)
        token = token_of(who)
        for path in ("my-results", "timeline"):
            response = anonymous.get(
                f"/api/sessions/{session.code}/{path}", HTTP_X_PARTICIPANT_TOKEN=token
            )
            seen.append(response.content.decode())
    for path in (f"/s/{session.code}/", f"/s/{session.code}/watch"):
        seen.append(anonymous.get(path).content.decode())
    return json.dumps(seen, default=str)


def token_of(participant) -> str:
    """A fresh token for the participant, as the join would have handed out."""
    from interview.domain.credentials import secret_hash, secret_new

    token = secret_new()
    participant.token_hash = secret_hash(token)
    participant.save(update_fields=["token_hash"])
    return token


# --- over the socket --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_note_reaches_the_panel_live_and_nobody_else_even_its_candidate(
    layer, interviewer, other_interviewer, bank
):
    room = await room_create(interviewer)
    await panel_member_add(room, other_interviewer)
    question_id = await database_sync_to_async(
        lambda: Question.objects.order_by("id").values_list("id", flat=True).first()
    )()
    owner, bob = Client(room.code), Client(room.code)
    await owner.hello(room.owner)
    await bob.hello(room.seats["bob"])
    others = {name: Client(room.code) for name in ("Ann", "Ben", "Wall")}
    for name, client in others.items():
        await client.hello(room.seats[name])
    pushed = await owner.command("question.push", {"question_id": question_id})
    submitted = await others["Ann"].command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "mine"}
    )
    answer_id = submitted["data"]["answer_id"]

    ack = await owner.command("note.save", {"answer_id": answer_id, "text": NOTE_ON_ANSWER})
    assert ack["type"] == "ack", ack
    assert set(ack["data"]) == {"participant_id", "answer_id", "updated_at"}
    ann_id = room.seats["Ann"].participant_id
    ack = await bob.command("note.save", {"participant_id": ann_id, "text": NOTE_ON_CANDIDATE})
    assert ack["type"] == "ack", ack
    for panel in (owner, bob):
        notes = [(await panel.next("note.updated"))["data"] for _ in range(2)]
        assert [n["text"] for n in notes] == [NOTE_ON_ANSWER, NOTE_ON_CANDIDATE]
        assert [n["answer_id"] for n in notes] == [answer_id, None]
        assert {n["participant_id"] for n in notes} == {ann_id}

    # The next event the others receive says, with prev, that the notes were not theirs.
    await others["Ben"].command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "late"}
    )
    for name, client in others.items():
        frame = await client.next(
            "answer.submitted", where=lambda f: f["data"]["participant_id"] != ann_id
        )
        assert frame["prev"] == frame["seq"] - 3, name  # after the two notes
    await owner.command("session.finish")
    after = await owner.command("note.save", {"participant_id": ann_id, "text": "after: hire"})
    assert after["type"] == "ack", after

    again = Client(room.code)
    welcome = await again.hello(room.owner)
    assert sorted(n["text"] for n in welcome["data"]["snapshot"]["notes"]) == sorted(
        [NOTE_ON_ANSWER, NOTE_ON_CANDIDATE, "after: hire"]
    )
    await again.disconnect()
    for name, client in others.items():
        await client.drain()
        again = Client(room.code)
        replay = await again.hello(room.seats[name])
        await again.drain()
        text = json.dumps(client.frames + again.frames + [replay])
        assert "NOTE-ON" not in text, name
        assert "after: hire" not in text, name
        assert "note.updated" not in text, name
        await again.disconnect()
    for client in (owner, bob, *others.values()):
        await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_only_interviewers_write_notes_and_a_note_names_one_thing(layer, interviewer, bank):
    room = await room_create(interviewer)
    owner, ann = Client(room.code), Client(room.code)
    await owner.hello(room.owner)
    await ann.hello(room.seats["Ann"])
    ann_id = room.seats["Ann"].participant_id
    refused = await ann.command("note.save", {"participant_id": ann_id, "text": "me"})
    assert (refused["type"], refused["data"]["code"]) == ("error", "forbidden")
    for data in ({"text": "x"}, {"participant_id": ann_id, "answer_id": 1, "text": "x"}):
        refused = await owner.command("note.save", data)
        assert (refused["type"], refused["data"]["code"]) == ("error", "invalid"), data
    refused = await owner.command("note.save", {"participant_id": ann_id, "text": "x" * 5001})
    assert refused["data"]["code"] == "invalid"
    await owner.disconnect()
    await ann.disconnect()
