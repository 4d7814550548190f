"""The WebSocket protocol's messages, declared once: commands, events, errors, close codes.

A client frame is parsed here into a ``Command`` (its type, id and validated data) or refused
with a ``Refusal`` (``interview/domain/errors.py``) carrying the contract's error code. Nothing
acts on a frame before it has passed through ``command_parse``. Every refusal of a command,
this module's or a service's, is answered with ``error_frame``.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from interview.domain.errors import ErrorCode, Refusal
from interview.domain.fields import ID_MAX, StrictCharField, StrictIdField, StrictIntegerField

MAX_FRAME_BYTES = 64 * 1024
MAX_ANSWER_CHARS = 20_000
MAX_FEEDBACK_CHARS = 5_000
# A panel member's private note on a candidate or an answer (``note.save``).
MAX_NOTE_CHARS = 5_000
MAX_COMMAND_ID_CHARS = 64
COMMANDS_PER_SECOND = 20
# Open sockets of one participant, across all server processes: a newer one closes the oldest.
MAX_SOCKETS_PER_PARTICIPANT = 3
# Integrity signals: the first this many of a candidate's signals in a round are kept as
# events; later ones only raise the (round, candidate) counter the panel sees.
SIGNALS_PER_ROUND = 100
# A paste's size is reported, never its text; a count beyond this is no real paste.
MAX_PASTE_CHARS = 10_000_000
# Drafts (``answer.draft``): besides the latest draft, a snapshot of it for the panel's
# playback is kept at most this often, and at most this many per candidate and round.
DRAFT_SNAPSHOT_EVERY_S = 5
DRAFT_SNAPSHOTS_PER_ROUND = 200
HELLO_TIMEOUT_S = 10
# A verdict (``answer.verdict``): how many tests an exercise's round can have (its examples
# and hidden tests, ``serializers.EXAMPLES_MAX + TESTS_MAX``), how many failures it lists,
# and how much of each failure's name and message it keeps (a name is at most 120 characters
# in the bank, ``exercises.NAME_MAX``; a longer message is cut, not refused).
MAX_VERDICT_TESTS = 70
MAX_VERDICT_FAILURES = 100
MAX_VERDICT_NAME_CHARS = 120
MAX_VERDICT_MESSAGE_CHARS = 500


class CommandType(StrEnum):
    HELLO = "hello"
    QUESTION_PUSH = "question.push"
    QUESTION_CLOSE = "question.close"
    ANSWER_SUBMIT = "answer.submit"
    ANSWER_DRAFT = "answer.draft"
    ANSWER_SCORE = "answer.score"
    SESSION_FINISH = "session.finish"
    SIGNAL_REPORT = "signal.report"
    PING = "ping"
    TIME_EXTEND = "time.extend"
    TIME_ACCOMMODATE = "time.accommodate"
    NOTE_SAVE = "note.save"
    ANSWER_VERDICT = "answer.verdict"


class EventType(StrEnum):
    WELCOME = "welcome"
    ACK = "ack"
    ERROR = "error"
    PONG = "pong"
    PARTICIPANT_JOINED = "participant.joined"
    PARTICIPANT_LEFT = "participant.left"
    PRESENCE_COUNTS = "presence.counts"
    ROUND_OPENED = "round.opened"
    ANSWER_SUBMITTED = "answer.submitted"
    ROUND_CLOSED = "round.closed"
    SCORE_UPDATED = "score.updated"
    SESSION_FINISHED = "session.finished"
    ROUND_EXTENDED = "round.extended"
    TIME_ACCOMMODATED = "time.accommodated"
    CANDIDATE_SIGNAL = "candidate.signal"
    NOTE_UPDATED = "note.updated"
    ANSWER_DRAFTED = "answer.drafted"
    FEEDBACK_UPDATED = "feedback.updated"
    ANSWER_VERDICT = "answer.verdict"


class SignalKind(StrEnum):
    """What the candidate's page reports: the tab hidden and shown again, the window losing
    and regaining focus, a paste into the answer (its size only)."""

    HIDDEN = "hidden"
    VISIBLE = "visible"
    BLUR = "blur"
    FOCUS = "focus"
    PASTE = "paste"


class PageLoad(StrEnum):
    """Why the candidate's page reports ``visible``: it has just loaded while a round is open,
    opened anew (``opened``) or reloaded in the same tab (``reloaded``)."""

    OPENED = "opened"
    RELOADED = "reloaded"


# The codes an ``error`` event carries (docs/protocol.md, "Errors"); the others are HTTP's.
WEBSOCKET_CODES = frozenset(
    {
        ErrorCode.BAD_JSON,
        ErrorCode.UNKNOWN_TYPE,
        ErrorCode.INVALID,
        ErrorCode.FORBIDDEN,
        ErrorCode.NOT_FOUND,
        ErrorCode.ROUND_CLOSED,
        ErrorCode.SESSION_FINISHED,
        ErrorCode.RATE_LIMITED,
        ErrorCode.TOO_LARGE,
    }
)


class CloseCode(IntEnum):
    # From daphne itself, run with --websocket-max-message-size 65536. A server run without
    # it closes such a frame itself, with the mirror 4009 (adapters.application_close_code).
    MESSAGE_TOO_BIG = 1009
    # Daphne lets an application close only with 1000 or 3000-4999 (1009 comes from daphne
    # itself, run with --websocket-max-message-size 65536), so these mirror 1012 and 1013:
    # the server process is restarting (SIGTERM): reconnect now, another process answers.
    SERVICE_RESTART = 4012
    # The channel layer (Redis) is unavailable: reconnect with backoff and resume.
    TRY_AGAIN_LATER = 4013
    UNAUTHENTICATED = 4401
    # This participant opened more than MAX_SOCKETS_PER_PARTICIPANT sockets (another tab or
    # device): the oldest closes. Do not reconnect on your own; it would close another.
    DISPLACED = 4409
    SESSION_NOT_FOUND = 4404
    # An addition (docs/protocol.md, "Close codes"): this address missed too many join codes
    # lately (see interview/domain/throttling.py); reconnect with backoff.
    TOO_MANY_GUESSES = 4429


# --- command data, one serializer per command type ----------------------------------------
# Fields take JSON types as sent (interview/domain/fields.py): a wrong type is ``invalid``.


class HelloData(serializers.Serializer):
    token = StrictCharField(max_length=200, trim_whitespace=False)
    last_seq = StrictIntegerField(min_value=0, max_value=ID_MAX, default=0)


class QuestionPushData(serializers.Serializer):
    question_id = StrictIdField()
    time_limit_s = StrictIntegerField(min_value=10, max_value=3600, required=False)


class EmptyData(serializers.Serializer):
    pass


class AnswerSubmitData(serializers.Serializer):
    round_id = StrictIdField()
    text = StrictCharField(allow_blank=True, trim_whitespace=False)


class AnswerDraftData(serializers.Serializer):
    round_id = StrictIdField()
    text = StrictCharField(allow_blank=True, trim_whitespace=False)


class AnswerScoreData(serializers.Serializer):
    answer_id = StrictIdField()
    score = StrictIntegerField(min_value=0, max_value=10)
    # Omitted: a rescore keeps this interviewer's earlier feedback.
    feedback = StrictCharField(
        allow_blank=True, required=False, max_length=MAX_FEEDBACK_CHARS, trim_whitespace=False
    )


class SignalReportData(serializers.Serializer):
    round_id = StrictIdField()
    kind = StrictCharField()
    # A paste's size in characters: given with a paste, and only then.
    chars = StrictIntegerField(min_value=0, max_value=MAX_PASTE_CHARS, required=False)
    # A ``visible`` sent as the page loads: opened anew, or reloaded.
    load = StrictCharField(required=False)

    def validate_kind(self, kind: str) -> str:
        if kind not in set(SignalKind):
            raise serializers.ValidationError(f"must be one of {', '.join(SignalKind)}.")
        return kind

    def validate_load(self, load: str) -> str:
        if load not in set(PageLoad):
            raise serializers.ValidationError(f"must be one of {', '.join(PageLoad)}.")
        return load

    def validate(self, data: dict) -> dict:
        if data["kind"] == SignalKind.PASTE and "chars" not in data:
            raise serializers.ValidationError({"chars": "a paste says how many characters."})
        if data["kind"] != SignalKind.PASTE and "chars" in data:
            raise serializers.ValidationError({"chars": "only a paste has characters."})
        if data["kind"] != SignalKind.VISIBLE and "load" in data:
            raise serializers.ValidationError({"load": "only a visible page has loaded."})
        return data


class TimeExtendData(serializers.Serializer):
    participant_id = StrictIdField()
    seconds = StrictIntegerField(min_value=10, max_value=3600)


class TimeAccommodateData(serializers.Serializer):
    participant_id = StrictIdField()
    extra_time_pct = StrictIntegerField(min_value=0, max_value=200)


class NoteSaveData(serializers.Serializer):
    """A note on one answer (``answer_id``) or on one candidate (``participant_id``)."""

    answer_id = StrictIdField(required=False)
    participant_id = StrictIdField(required=False)
    text = StrictCharField(allow_blank=True, max_length=MAX_NOTE_CHARS, trim_whitespace=False)

    def validate(self, data: dict) -> dict:
        if ("answer_id" in data) == ("participant_id" in data):
            raise serializers.ValidationError("a note is on an answer_id or a participant_id.")
        return data


class VerdictFailureData(serializers.Serializer):
    """One failing test of a verdict: its name, and why it failed (cut to its bound)."""

    name = StrictCharField(max_length=MAX_VERDICT_NAME_CHARS, trim_whitespace=False)
    message = StrictCharField(allow_blank=True, trim_whitespace=False)

    def validate_message(self, message: str) -> str:
        if len(message) > MAX_VERDICT_MESSAGE_CHARS:
            return message[: MAX_VERDICT_MESSAGE_CHARS - 1] + "…"
        return message


class AnswerVerdictData(serializers.Serializer):
    """How a revision of an exercise's answer fared against the round's examples and hidden
    tests, as a panel member's browser ran them: ``failures`` lists the failing tests, all of
    them, or the first ``MAX_VERDICT_FAILURES``."""

    answer_id = StrictIdField()
    revision = StrictIntegerField(min_value=1, max_value=ID_MAX)
    passed = StrictIntegerField(min_value=0, max_value=MAX_VERDICT_TESTS)
    total = StrictIntegerField(min_value=1, max_value=MAX_VERDICT_TESTS)
    failures = serializers.ListField(
        child=VerdictFailureData(), max_length=MAX_VERDICT_FAILURES, allow_empty=True
    )

    def validate(self, data: dict) -> dict:
        if data["passed"] > data["total"]:
            raise serializers.ValidationError({"passed": "at most total."})
        failed = data["total"] - data["passed"]
        if len(data["failures"]) != min(failed, MAX_VERDICT_FAILURES):
            raise serializers.ValidationError({"failures": "one per failing test."})
        data["failures"] = [dict(failure) for failure in data["failures"]]
        return data


COMMAND_DATA: dict[CommandType, type[serializers.Serializer]] = {
    CommandType.HELLO: HelloData,
    CommandType.QUESTION_PUSH: QuestionPushData,
    CommandType.QUESTION_CLOSE: EmptyData,
    CommandType.ANSWER_SUBMIT: AnswerSubmitData,
    CommandType.ANSWER_DRAFT: AnswerDraftData,
    CommandType.ANSWER_SCORE: AnswerScoreData,
    CommandType.SESSION_FINISH: EmptyData,
    CommandType.SIGNAL_REPORT: SignalReportData,
    CommandType.PING: EmptyData,
    CommandType.TIME_EXTEND: TimeExtendData,
    CommandType.TIME_ACCOMMODATE: TimeAccommodateData,
    CommandType.NOTE_SAVE: NoteSaveData,
    CommandType.ANSWER_VERDICT: AnswerVerdictData,
}

# One validator per command type, built once: a serializer copies its fields on every
# construction, which cost more than the validation itself. ``run_validation`` keeps no state
# on the instance, and every command is parsed on the process's one event-loop thread.
_COMMAND_VALIDATORS: dict[CommandType, serializers.Serializer] = {
    command_type: data() for command_type, data in COMMAND_DATA.items()
}

# Who may send what; hello and ping are for everyone.
COMMAND_ROLES: dict[CommandType, frozenset[str]] = {
    CommandType.QUESTION_PUSH: frozenset({"interviewer"}),
    CommandType.QUESTION_CLOSE: frozenset({"interviewer"}),
    CommandType.ANSWER_SUBMIT: frozenset({"candidate"}),
    CommandType.ANSWER_DRAFT: frozenset({"candidate"}),
    CommandType.ANSWER_SCORE: frozenset({"interviewer"}),
    CommandType.SESSION_FINISH: frozenset({"interviewer"}),
    CommandType.SIGNAL_REPORT: frozenset({"candidate"}),
    CommandType.TIME_EXTEND: frozenset({"interviewer"}),
    CommandType.TIME_ACCOMMODATE: frozenset({"interviewer"}),
    CommandType.NOTE_SAVE: frozenset({"interviewer"}),
    CommandType.ANSWER_VERDICT: frozenset({"interviewer"}),
}


@dataclass(frozen=True)
class Command:
    type: CommandType
    id: str | int | None
    data: dict[str, Any]

    @property
    def receipt_id(self) -> str | None:
        """The id as the idempotency record keeps it."""
        return None if self.id is None else f"{type(self.id).__name__}:{self.id}"


def command_authorise(command: Command, role: str) -> None:
    """Refuse (``forbidden``) a command that this role may not send."""
    allowed = COMMAND_ROLES.get(command.type)
    if allowed is not None and role not in allowed:
        who = " and ".join(sorted(allowed))
        raise Refusal(ErrorCode.FORBIDDEN, f"{command.type} is for {who}s only.")


def _first_error(errors: dict) -> str:
    field, problems = next(iter(errors.items()))
    problem = problems[0] if isinstance(problems, list) else problems
    return str(problem) if field == "non_field_errors" else f"{field}: {problem}"


def frame_decode(text: str) -> Any:
    """The JSON value of a text frame, or ``bad_json``."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Refusal(ErrorCode.BAD_JSON, "The frame is not valid JSON.") from exc


def valid_command_id(command_id: Any) -> bool:
    """A string or integer of 1 to 64 characters: what an ack or error may echo."""
    return (
        isinstance(command_id, str | int)
        and not isinstance(command_id, bool)
        and 0 < len(str(command_id)) <= MAX_COMMAND_ID_CHARS
    )


# The commands whose ``text`` is an answer: at most MAX_ANSWER_CHARS, or ``too_large``.
ANSWER_TEXTS = frozenset({CommandType.ANSWER_SUBMIT, CommandType.ANSWER_DRAFT})


def command_parse(frame: Any) -> Command:
    """Validate a decoded frame into a Command, or raise a ``Refusal``."""
    if not isinstance(frame, dict):
        raise Refusal(ErrorCode.INVALID, "A command is a JSON object.")
    command_id = frame.get("id")
    if command_id is not None and not valid_command_id(command_id):
        raise Refusal(
            ErrorCode.INVALID, f"id: a string or integer of 1 to {MAX_COMMAND_ID_CHARS} characters."
        )
    raw_type = frame.get("type")
    if not isinstance(raw_type, str):
        raise Refusal(ErrorCode.INVALID, "type: a string is required.")
    try:
        command_type = CommandType(raw_type)
    except ValueError:
        raise Refusal(ErrorCode.UNKNOWN_TYPE, f"Unknown command type {raw_type[:40]!r}.") from None
    data = frame.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Refusal(ErrorCode.INVALID, "data: must be an object.")
    text = data.get("text")
    too_long = isinstance(text, str) and len(text) > MAX_ANSWER_CHARS
    if command_type in ANSWER_TEXTS and too_long:
        raise Refusal(ErrorCode.TOO_LARGE, f"An answer is at most {MAX_ANSWER_CHARS} characters.")
    try:
        validated = _COMMAND_VALIDATORS[command_type].run_validation(data)
    except serializers.ValidationError as invalid:
        raise Refusal(ErrorCode.INVALID, _first_error(invalid.detail)) from None
    return Command(type=command_type, id=command_id, data=dict(validated))


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with a Z, millisecond precision."""
    moment = (moment or timezone.now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def frame_text(frame: dict) -> str:
    """A frame as sent on the wire: compact JSON."""
    return json.dumps(frame, separators=(",", ":"))


def frame_after(text: str, prev: int) -> str:
    """A persisted event's frame marked with ``prev``, the seq of the last event its socket
    received: the events numbered in between were not for this viewer (``docs/protocol.md``).
    """
    return f'{text[:-1]},"prev":{prev}}}'


def event_frame(
    event_type: str,
    data: dict,
    *,
    seq: int | None = None,
    ts: str | None = None,
    command_id: Any = None,
) -> dict:
    """A server frame: ``{type, seq, ts, data}``, plus ``id`` on acks and errors."""
    frame = {"type": str(event_type), "seq": seq, "ts": ts or timestamp(), "data": data}
    if command_id is not None:
        frame["id"] = command_id
    return frame


def answered_id(frame: Any) -> str | int | None:
    """The id an ``error`` answering this decoded frame echoes: the frame's ``id`` when it is
    valid (``valid_command_id``), else none (an id that is not valid is not echoed)."""
    command_id = frame.get("id") if isinstance(frame, dict) else None
    return command_id if valid_command_id(command_id) else None


def error_frame(refusal: Refusal, command_id: Any = None) -> dict:
    """The ``error`` event answering a refused command: ``{code, message}``, with the
    command's ``id`` when it had a valid one (``valid_command_id``)."""
    data = {"code": str(refusal.code), "message": refusal.message}
    return event_frame(EventType.ERROR, data, command_id=command_id)
