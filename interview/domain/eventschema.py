"""The server's frames as JSON Schema (``docs/events.schema.json``), made from the protocol.

The event types are ``protocol.EventType``'s, the commands' data ``protocol.COMMAND_DATA``'s
serializers; each event's ``data`` is declared below as a serializer of the same field types,
the fields any lens may receive (the panel's lens is the widest). Each event's schema says who
receives it (``x-audience``, ``visibility.audience_of``) and which of its fields only the
panel, or the panel and the candidate it names, may see (``x-private``,
``visibility.PRIVATE_FIELDS``). ``make schema`` writes the file (``python manage.py
eventschema``); a test keeps the committed one current, and every frame a test receives is
validated against it.
"""

import json
from pathlib import Path
from typing import Any

from rest_framework import serializers

from interview.domain import visibility
from interview.domain.fields import StrictCharField, StrictIdField, StrictIntegerField
from interview.domain.protocol import COMMAND_DATA, WEBSOCKET_CODES, CloseCode, ErrorCode, EventType

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "events.schema.json"
# A moment as every frame gives it: ISO-8601 UTC, milliseconds, Z.
MOMENT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class Moment(serializers.CharField):
    """A timestamp (``protocol.timestamp``)."""


class Anything(serializers.JSONField):
    """Any JSON value (a command's result, a test's input)."""


class QuestionAsked(serializers.Serializer):
    id = StrictIdField()
    title = StrictCharField()
    kind = StrictCharField()
    prompt = StrictCharField(required=False)
    prompt_html = StrictCharField(required=False)
    category = StrictCharField()
    difficulty = StrictIntegerField()


class LeaderboardRow(serializers.Serializer):
    participant_id = StrictIdField()
    name = StrictCharField()
    total = serializers.FloatField()
    rank = StrictIntegerField(min_value=1)
    mean = serializers.FloatField()
    answered = StrictIntegerField(min_value=0)
    joined_at = StrictIntegerField(min_value=1)


class Board(serializers.Serializer):
    leaderboard = LeaderboardRow(many=True)
    ranking = serializers.ChoiceField(choices=["total", "mean"])


class Presence(serializers.Serializer):
    participant_id = StrictIdField()
    name = StrictCharField()
    role = serializers.ChoiceField(choices=["interviewer", "candidate", "spectator"])
    online = serializers.BooleanField()


class Counts(serializers.Serializer):
    interviewers = StrictIntegerField(min_value=0)
    candidates = StrictIntegerField(min_value=0)
    spectators = StrictIntegerField(min_value=0)


class RoundOpened(serializers.Serializer):
    round_id = StrictIdField()
    position = StrictIntegerField(min_value=1)
    question = QuestionAsked()
    time_limit_s = StrictIntegerField(min_value=1)
    deadline = Moment()
    model_answer = StrictCharField(required=False)
    model_answer_html = StrictCharField(required=False)
    key_points = serializers.ListField(child=StrictCharField(), required=False)
    key_points_html = serializers.ListField(child=StrictCharField(), required=False)
    starter_code = StrictCharField(required=False)
    examples = serializers.ListField(child=Anything(), required=False)
    tests = serializers.ListField(child=Anything(), required=False)
    leaderboard = LeaderboardRow(many=True, required=False)
    ranking = serializers.ChoiceField(choices=["total", "mean"], required=False)


class Coverage(serializers.Serializer):
    points = serializers.ListField(child=Anything())
    suggested_score = StrictIntegerField(allow_null=True)


class AnswerSubmitted(serializers.Serializer):
    round_id = StrictIdField()
    answer_id = StrictIdField()
    participant_id = StrictIdField()
    revision = StrictIntegerField(min_value=1)
    text = StrictCharField(required=False)
    coverage = Coverage(required=False)
    at_close = serializers.BooleanField(required=False)
    # A draft kept at the close: when it was saved (its revision's time, not the event's).
    submitted_at = Moment(required=False)
    in_extra_time = serializers.BooleanField(required=False)


class RoundClosed(serializers.Serializer):
    round_id = StrictIdField()
    reason = serializers.ChoiceField(choices=["interviewer", "deadline", "next_question"])


class ScoreUpdated(Board):
    answer_id = StrictIdField()
    participant_id = StrictIdField()
    round_id = StrictIdField()
    score = serializers.FloatField(allow_null=True)
    by = StrictIdField(required=False)
    by_score = StrictIntegerField(min_value=0, max_value=10, required=False)
    feedback = StrictCharField(required=False)
    revision = StrictIntegerField(min_value=1, required=False)
    awaiting = StrictIntegerField(min_value=0, required=False)
    in_extra_time = serializers.BooleanField(required=False)


class FeedbackUpdated(serializers.Serializer):
    answer_id = StrictIdField()
    participant_id = StrictIdField()
    round_id = StrictIdField()
    by = StrictIdField()
    feedback = StrictCharField()


class RoundExtended(serializers.Serializer):
    round_id = StrictIdField()
    participant_id = StrictIdField()
    deadline = Moment()


class TimeAccommodated(serializers.Serializer):
    participant_id = StrictIdField()
    extra_time_pct = StrictIntegerField(min_value=0)


class CandidateSignal(serializers.Serializer):
    participant_id = StrictIdField()
    round_id = StrictIdField()
    kind = StrictCharField()
    chars = StrictIntegerField(min_value=0, required=False)
    load = StrictCharField(required=False)
    at = Moment()


class NoteUpdated(serializers.Serializer):
    participant_id = StrictIdField()
    answer_id = StrictIdField(allow_null=True)
    round_id = StrictIdField(allow_null=True)
    by = StrictIdField()
    text = StrictCharField()
    updated_at = Moment()


class AnswerDrafted(serializers.Serializer):
    round_id = StrictIdField()
    participant_id = StrictIdField()
    text = StrictCharField()
    at = Moment()


class Failure(serializers.Serializer):
    name = StrictCharField()
    message = StrictCharField()


class Disagreement(serializers.Serializer):
    by = StrictIdField()
    passed = StrictIntegerField(min_value=0)
    total = StrictIntegerField(min_value=1)
    failures = Failure(many=True)


class AnswerVerdict(serializers.Serializer):
    answer_id = StrictIdField()
    participant_id = StrictIdField()
    round_id = StrictIdField()
    revision = StrictIntegerField(min_value=1)
    passed = StrictIntegerField(min_value=0)
    total = StrictIntegerField(min_value=1)
    failures = Failure(many=True, required=False)
    by = StrictIdField(required=False)
    suggested_score = StrictIntegerField(required=False, allow_null=True)
    disagreement = Disagreement(required=False, allow_null=True)
    shown = serializers.BooleanField(required=False)


class Me(serializers.Serializer):
    participant_id = StrictIdField()
    name = StrictCharField()
    role = serializers.ChoiceField(choices=["interviewer", "candidate", "spectator"])
    is_owner = serializers.BooleanField()


class SessionNamed(serializers.Serializer):
    code = StrictCharField()
    title = StrictCharField()


class Welcome(serializers.Serializer):
    participant = Me()
    session = SessionNamed()
    # The snapshot's parts are described in docs/protocol.md ("Handshake and resume").
    snapshot = serializers.DictField()
    server_now = Moment()
    last_seq = StrictIntegerField(min_value=0)


class Refusal(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[str(code) for code in ErrorCode if code in WEBSOCKET_CODES]
    )
    message = StrictCharField()


class Empty(serializers.Serializer):
    pass


EVENT_DATA: dict[EventType, type[serializers.Serializer] | None] = {
    EventType.WELCOME: Welcome,
    EventType.ACK: None,  # the command's result: its own shape per command
    EventType.ERROR: Refusal,
    EventType.PONG: Empty,
    EventType.PARTICIPANT_JOINED: Presence,
    EventType.PARTICIPANT_LEFT: Presence,
    EventType.PRESENCE_COUNTS: Counts,
    EventType.ROUND_OPENED: RoundOpened,
    EventType.ANSWER_SUBMITTED: AnswerSubmitted,
    EventType.ROUND_CLOSED: RoundClosed,
    EventType.SCORE_UPDATED: ScoreUpdated,
    EventType.SESSION_FINISHED: Board,
    EventType.ROUND_EXTENDED: RoundExtended,
    EventType.TIME_ACCOMMODATED: TimeAccommodated,
    EventType.CANDIDATE_SIGNAL: CandidateSignal,
    EventType.NOTE_UPDATED: NoteUpdated,
    EventType.ANSWER_DRAFTED: AnswerDrafted,
    EventType.FEEDBACK_UPDATED: FeedbackUpdated,
    EventType.ANSWER_VERDICT: AnswerVerdict,
}
# Frames about one connection or presence carry no seq.
UNNUMBERED = {
    EventType.WELCOME,
    EventType.ACK,
    EventType.ERROR,
    EventType.PONG,
    EventType.PARTICIPANT_JOINED,
    EventType.PARTICIPANT_LEFT,
    EventType.PRESENCE_COUNTS,
}


# --- serializers to JSON Schema ----------------------------------------------------------------


def field_schema(field: serializers.Field) -> dict[str, Any]:
    """One serializer field as JSON Schema."""
    if isinstance(field, serializers.ListSerializer):
        schema = {"type": "array", "items": field_schema(field.child)}
    elif isinstance(field, serializers.Serializer):
        schema = object_schema(field)
    else:
        schema = _scalar_schema(field)
    if getattr(field, "allow_null", False):
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _scalar_schema(field: serializers.Field) -> dict[str, Any]:
    if isinstance(field, Moment):
        return {"type": "string", "pattern": MOMENT}
    if isinstance(field, serializers.ChoiceField):
        return {"enum": list(field.choices)}
    if isinstance(field, serializers.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, serializers.IntegerField):
        bounds = {"minimum": field.min_value, "maximum": field.max_value}
        return {"type": "integer"} | {k: v for k, v in bounds.items() if v is not None}
    if isinstance(field, serializers.FloatField):
        return {"type": "number"}
    if isinstance(field, serializers.CharField):
        schema: dict[str, Any] = {"type": "string"}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        return schema
    if isinstance(field, serializers.ListField):
        schema = {"type": "array", "items": field_schema(field.child)}
        if field.max_length is not None:
            schema["maxItems"] = field.max_length
        return schema
    if isinstance(field, serializers.DictField):
        return {"type": "object"}
    return {}


def object_schema(serializer: serializers.Serializer, *, closed: bool = True) -> dict[str, Any]:
    """A serializer's fields as an object's properties; ``closed``: no others."""
    fields = serializer.fields
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: field_schema(field) for name, field in fields.items()},
        "required": [name for name, field in fields.items() if field.required],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def event_data_schema(event_type: EventType) -> dict[str, Any]:
    """An event's ``data``, with who receives it and who sees which of its fields."""
    data = EVENT_DATA[event_type]
    schema = {"type": "object"} if data is None else object_schema(data())
    if event_type not in UNNUMBERED:
        schema["x-audience"] = visibility.AUDIENCES.get(event_type, visibility.AUDIENCE_ALL)
        private = visibility.PRIVATE_FIELDS.get(event_type)
        if private:
            schema["x-private"] = dict(sorted(private.items()))
    return schema


def events_schema() -> dict[str, Any]:
    """The JSON Schema of a server frame: its envelope, and its ``data`` by its ``type``."""
    types = [str(event_type) for event_type in EventType]
    missing = set(EventType) - set(EVENT_DATA)
    if missing:
        raise ValueError(f"event types without a data schema: {sorted(missing)}")
    seq = {"type": "integer", "minimum": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A server frame of the live-session WebSocket (docs/protocol.md)",
        "description": (
            "Generated by `make schema` from interview/domain/protocol.py and"
            " interview/domain/eventschema.py; do not edit. x-audience: who receives the"
            " event (interview/domain/visibility.py); x-private: fields only the panel"
            " ('panel') or the panel and the candidate the event names ('panel_and_author')"
            " may see. $defs/commands: each command's data."
        ),
        "type": "object",
        "required": ["type", "seq", "ts", "data"],
        "properties": {
            "type": {"enum": types},
            "seq": {"anyOf": [seq, {"type": "null"}]},
            "prev": {"type": "integer", "minimum": 0},
            "ts": {"type": "string", "pattern": MOMENT},
            "id": {"type": ["string", "integer"]},
            "data": {"type": "object"},
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"type": {"const": event_type}}},
                "then": {
                    "properties": {
                        "data": {"$ref": f"#/$defs/events/{event_type}"},
                        "seq": {"type": "null"} if event_type in UNNUMBERED else seq,
                    }
                },
            }
            for event_type in types
        ],
        "$defs": {
            "events": {str(t): event_data_schema(t) for t in EventType},
            "commands": {
                str(command_type): object_schema(data(), closed=False)
                for command_type, data in COMMAND_DATA.items()
            },
            "close_codes": {code.name.lower(): code.value for code in CloseCode},
        },
    }


def schema_text() -> str:
    """The schema as ``docs/events.schema.json`` holds it."""
    return json.dumps(events_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema (or, with ``--check``, say whether the committed file is current)."""
    text = schema_text()
    if "--check" in argv:
        current = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text() == text
        print(f"{SCHEMA_PATH} is {'current' if current else 'stale: run make schema'}")
        return 0 if current else 1
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0
