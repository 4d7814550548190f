"""The published schema of the server's frames (docs/events.schema.json) is current, and it
holds the frames: every frame a test receives is checked against it (``frames.frame_parsed``)."""

import json

import jsonschema
import pytest

from interview.domain.eventschema import EVENT_DATA, SCHEMA_PATH, schema_text
from interview.domain.protocol import EventType, event_frame, frame_text

from .frames import frame_parsed, frame_validator


def test_the_committed_schema_is_the_one_the_protocol_generates():
    assert SCHEMA_PATH.read_text() == schema_text(), "docs/events.schema.json: run make schema"


def test_the_schema_is_a_json_schema_with_every_event_type():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert set(EVENT_DATA) == set(EventType)
    assert set(schema["$defs"]["events"]) == {str(t) for t in EventType}


def test_a_frame_off_the_schema_is_refused():
    opened = {"round_id": 1, "reason": "interviewer"}
    assert frame_parsed(frame_text(event_frame("round.closed", opened, seq=3)))
    refused = [
        event_frame("round.closed", {**opened, "secret": 1}, seq=3),  # an undeclared field
        event_frame("round.closed", {"round_id": 1}, seq=3),  # a required one missing
        event_frame("round.closed", opened),  # a persisted event without its seq
        event_frame(
            "presence.counts", {"interviewers": 1, "candidates": 0, "spectators": 0}, seq=4
        ),
        {**event_frame("pong", {}), "ts": "yesterday"},
        {**event_frame("pong", {}), "type": "no.such.event"},  # a type the schema lacks
    ]
    for frame in refused:
        with pytest.raises(AssertionError, match=r"events\.schema\.json"):
            frame_parsed(frame_text(frame))


def test_the_schema_says_who_sees_what():
    events = frame_validator("welcome").schema["$defs"]["events"]
    assert events["note.updated"]["x-audience"] == "interviewers"
    assert events["round.opened"]["x-private"]["model_answer"] == "panel"
    assert events["answer.submitted"]["x-private"]["text"] == "panel_and_author"
