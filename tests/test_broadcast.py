"""Fan-out (``interview.domain.broadcast``): committed events and presence to the session's group.

An event goes to its session's group once, serialised once per lens; presence goes to the
lenses that see it; what a service commits is published after the commit, never for a
transaction rolled back, and a failed publication is counted and logged, never raised.
"""

import json
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from interview import telemetry
from interview.domain import broadcast
from interview.domain.broadcast import (
    event_message,
    event_publish,
    event_publish_on_commit,
    group_session,
    presence_publish,
    presence_publish_on_commit,
    publications_collected,
    publications_send,
    sockets_displace,
    sockets_displace_on_commit,
)
from interview.models import Event

SPECTATOR = {"participant_id": 3, "name": "Wall", "role": "spectator"}
CANDIDATE = {"participant_id": 1, "name": "Ann", "role": "candidate"}


class Layer:
    """A channel layer that records what is sent to groups, or fails to send it."""

    def __init__(self, *, fails: bool = False) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.fails = fails

    async def group_send(self, group: str, message: dict) -> None:
        if self.fails:
            raise ConnectionError("Redis is away")
        self.sent.append((group, message))


@pytest.fixture
def recorder(monkeypatch) -> Layer:
    """The channel layer the publications go to, recording them."""
    layer = Layer()
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: layer)
    return layer


def answer_event(**changes: object) -> Event:
    """An ``answer.submitted`` as stored: its text the panel's and its author's, its coverage
    the panel's."""
    fields = {
        "session_id": 5,
        "seq": 4,
        "type": "answer.submitted",
        "payload": {"answer_id": 7, "participant_id": 1, "text": "Mine", "coverage": []},
        "created_at": timezone.now(),
    }
    return Event(**(fields | changes))


def frame(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


# --- the message of an event ------------------------------------------------------------------


def test_a_session_has_one_group_for_the_hubs_holding_its_sockets():
    assert group_session(5) == "session.5"


def test_an_event_with_an_author_is_serialised_once_per_lens_and_names_its_author():
    message = event_message(answer_event())

    assert (message["type"], message["session"], message["seq"]) == ("session.event", 5, 4)
    assert message["author"] == 1
    texts = {lens: frame(text) for lens, text in message["texts"].items()}
    assert set(texts) == {"panel", "public", "author"}
    for seen in texts.values():
        assert (seen["type"], seen["seq"]) == ("answer.submitted", 4)
        assert seen["ts"].endswith("Z")
    assert texts["panel"]["data"]["text"] == "Mine"
    assert "coverage" in texts["panel"]["data"]
    assert texts["author"]["data"]["text"] == "Mine"
    assert "coverage" not in texts["author"]["data"]
    assert "text" not in texts["public"]["data"]
    assert "coverage" not in texts["public"]["data"]


def test_an_event_seen_alike_by_all_but_the_panel_has_two_lenses_and_no_author():
    event = Event(session_id=5, seq=2, type="round.closed", payload={"round_id": 9, "reason": "x"})
    message = event_message(event)

    assert "author" not in message
    assert set(message["texts"]) == {"panel", "public"}
    assert frame(message["texts"]["public"])["data"] == {"round_id": 9, "reason": "x"}


def test_an_event_for_the_panel_alone_has_no_text_for_the_public():
    event = Event(
        session_id=5,
        seq=3,
        type="note.updated",
        payload={"participant_id": 1, "text": "Calm"},
        audience=Event.Audience.INTERVIEWERS,
    )
    texts = event_message(event)["texts"]

    assert texts["public"] is None
    assert frame(texts["panel"])["data"]["text"] == "Calm"


# --- publishing --------------------------------------------------------------------------------


async def test_an_event_is_published_to_its_sessions_group_once_and_counted(recorder):
    event = answer_event()
    counted = telemetry.EVENTS.labels(type="answer.submitted")._value.get()

    await event_publish(event)

    assert recorder.sent == [("session.5", event_message(event))]
    assert telemetry.EVENTS.labels(type="answer.submitted")._value.get() == counted + 1


async def test_a_spectators_presence_goes_to_the_panel_only_a_candidates_to_everyone(recorder):
    await presence_publish(session_id=5, participant=SPECTATOR, online=True)
    await presence_publish(session_id=5, participant=CANDIDATE, online=False)

    (group, spectator), (_, candidate) = recorder.sent
    assert group == "session.5"
    assert (spectator["type"], spectator["session"]) == ("session.presence", 5)
    assert spectator["texts"]["public"] is None
    joined = frame(spectator["texts"]["panel"])
    assert (joined["type"], joined["seq"]) == ("participant.joined", None)
    assert joined["data"] == {**SPECTATOR, "online": True}
    left = {lens: frame(text) for lens, text in candidate["texts"].items()}
    assert left["panel"] == left["public"]
    assert left["public"]["type"] == "participant.left"
    assert left["public"]["data"] == {**CANDIDATE, "online": False}


async def test_a_displacement_names_the_sockets_to_close(recorder):
    await sockets_displace(session_id=5, sockets=["host:1:ab/7"])

    assert recorder.sent == [
        ("session.5", {"type": "session.displace", "session": 5, "sockets": ["host:1:ab/7"]})
    ]


async def test_a_failed_publication_is_counted_and_logged_and_the_rest_still_go(recorder, caplog):
    failures = telemetry.FANOUT_FAILURES._value.get()
    sent: list[str] = []

    async def fails() -> None:
        raise ConnectionError("Redis is away")

    async def goes(name: str) -> None:
        sent.append(name)

    with caplog.at_level(logging.ERROR, logger=broadcast.__name__):
        await publications_send([(goes, {"name": "first"}), (fails, {}), (goes, {"name": "last"})])

    assert sent == ["first", "last"]
    assert telemetry.FANOUT_FAILURES._value.get() == failures + 1
    assert "fan-out failed" in caplog.text


# --- after the commit ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_what_a_service_commits_is_collected_after_the_commit_and_sent_later(recorder):
    event = answer_event()
    with publications_collected() as pending:
        with transaction.atomic():
            event_publish_on_commit(event)
            presence_publish_on_commit(session_id=5, participant=CANDIDATE, online=True)
            sockets_displace_on_commit(session_id=5, sockets=["old"])
            assert pending == []  # not before the commit
        kinds = [publish for publish, _ in pending]
    assert kinds == [
        broadcast.event_publish,
        broadcast.presence_publish,
        broadcast.sockets_displace,
    ]
    assert recorder.sent == []  # collected, not sent: the caller sends them (``publications_send``)
    assert pending[0][1] == {"event": event}


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_for_a_transaction_rolled_back(recorder):
    def service_that_fails() -> None:
        with transaction.atomic():
            event_publish_on_commit(answer_event())
            raise RuntimeError("the service failed")

    with publications_collected() as pending, pytest.raises(RuntimeError):
        service_that_fails()
    assert pending == []
    assert recorder.sent == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_collection_a_commit_publishes_at_once(recorder):
    event = answer_event()
    with transaction.atomic():
        event_publish_on_commit(event)
        assert recorder.sent == []
    assert [group for group, _ in recorder.sent] == ["session.5"]
    assert recorder.sent[0][1]["seq"] == event.seq


@pytest.mark.django_db(transaction=True)
def test_outside_a_collection_a_failed_publication_is_counted_not_raised(monkeypatch):
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: Layer(fails=True))
    failures = telemetry.FANOUT_FAILURES._value.get()
    with transaction.atomic():
        event_publish_on_commit(answer_event())
    assert telemetry.FANOUT_FAILURES._value.get() == failures + 1


def test_a_collection_ends_with_its_block_even_when_the_block_fails():
    with pytest.raises(RuntimeError), publications_collected():
        raise RuntimeError("the service failed")
    assert broadcast._outbox.pending is None
