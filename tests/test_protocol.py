"""Parsing client frames into commands, and the errors a bad frame earns."""

import json

import pytest

from interview.domain.errors import ErrorCode, Refusal
from interview.domain.fields import ID_MAX
from interview.domain.protocol import (
    MAX_ANSWER_CHARS,
    MAX_FRAME_BYTES,
    WEBSOCKET_CODES,
    CommandType,
    answered_id,
    command_authorise,
    command_parse,
    error_frame,
    event_frame,
    frame_after,
    frame_decode,
    frame_text,
    timestamp,
)


def refusal(frame) -> Refusal:
    with pytest.raises(Refusal) as refused:
        command_parse(frame)
    return refused.value


def test_a_valid_command_parses_into_its_type_id_and_data():
    command = command_parse(
        {"type": "answer.submit", "id": "a1", "data": {"round_id": 3, "text": " x "}}
    )
    assert command.type is CommandType.ANSWER_SUBMIT
    assert command.id == "a1"
    assert command.data == {"round_id": 3, "text": " x "}


def test_missing_data_is_an_empty_object():
    assert command_parse({"type": "ping"}).data == {}


def test_each_command_is_validated_afresh_after_a_refused_one_of_its_type():
    # The validators are built once per process: nothing of one command may reach the next.
    refused = refusal({"type": "answer.score", "data": {"answer_id": 1, "score": 11}})
    assert refused.message.startswith("score: ")
    scored = command_parse({"type": "answer.score", "data": {"answer_id": 2, "score": 4}})
    assert scored.data == {"answer_id": 2, "score": 4}
    again = refusal({"type": "answer.score", "data": {"answer_id": 3}})
    assert again.message.startswith("score: ")


def test_unknown_fields_in_data_are_ignored():
    assert command_parse({"type": "question.close", "data": {"extra": 1}}).data == {}


def test_a_string_and_an_integer_id_are_kept_apart():
    assert (
        command_parse({"type": "ping", "id": 1}).receipt_id
        != command_parse({"type": "ping", "id": "1"}).receipt_id
    )


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ([], ErrorCode.INVALID),
        ({"data": {}}, ErrorCode.INVALID),
        ({"type": 5}, ErrorCode.INVALID),
        ({"type": "nope"}, ErrorCode.UNKNOWN_TYPE),
        ({"type": "ping", "id": True}, ErrorCode.INVALID),
        ({"type": "ping", "id": ""}, ErrorCode.INVALID),
        ({"type": "ping", "id": "x" * 65}, ErrorCode.INVALID),
        ({"type": "ping", "data": [1]}, ErrorCode.INVALID),
        ({"type": "question.push", "data": {}}, ErrorCode.INVALID),
        (
            {"type": "question.push", "data": {"question_id": 1, "time_limit_s": 5}},
            ErrorCode.INVALID,
        ),
        ({"type": "answer.score", "data": {"answer_id": 1, "score": 11}}, ErrorCode.INVALID),
        ({"type": "hello", "data": {"last_seq": 0}}, ErrorCode.INVALID),
        ({"type": "hello", "data": {"token": "t", "last_seq": -1}}, ErrorCode.INVALID),
    ],
)
def test_a_bad_frame_is_refused_with_its_code(frame, code):
    assert refusal(frame).code is code


@pytest.mark.parametrize("kind", ["answer.submit", "answer.draft"])
def test_an_answer_or_a_draft_over_the_limit_is_too_large(kind):
    frame = {"type": kind, "data": {"round_id": 1, "text": "x" * (MAX_ANSWER_CHARS + 1)}}
    assert refusal(frame).code is ErrorCode.TOO_LARGE


def test_a_draft_is_a_round_and_any_text_and_for_candidates_only():
    command = command_parse({"type": "answer.draft", "data": {"round_id": 3, "text": ""}})
    assert (command.type, command.data) == (CommandType.ANSWER_DRAFT, {"round_id": 3, "text": ""})
    assert refusal({"type": "answer.draft", "data": {"round_id": 3}}).code is ErrorCode.INVALID
    for role in ("interviewer", "spectator"):
        with pytest.raises(Refusal) as refused:
            command_authorise(command, role)
        assert refused.value.code is ErrorCode.FORBIDDEN
    command_authorise(command, "candidate")


def test_an_error_event_is_the_refusals_code_and_message_answering_the_commands_id():
    refused = refusal({"type": "nope", "id": "n1"})
    frame = error_frame(refused, "n1")
    assert (frame["type"], frame["seq"], frame["id"]) == ("error", None, "n1")
    assert frame["data"] == {"code": "unknown_type", "message": "Unknown command type 'nope'."}
    assert json.loads(frame_text(frame))["data"]["code"] == "unknown_type"


@pytest.mark.parametrize(
    ("frame", "answered"),
    [
        ({"type": "nope", "id": "n1"}, "n1"),
        ({"type": "ping", "id": 0}, 0),
        ({"type": "ping"}, None),
        ({"type": "ping", "id": True}, None),
        ({"type": "ping", "id": ""}, None),
        ({"type": "ping", "id": "x" * 65}, None),
        ({"type": "ping", "id": {"nested": True}}, None),
        (["not", "an", "object"], None),
        (None, None),
    ],
)
def test_an_error_answers_the_frames_id_only_when_it_is_valid(frame, answered):
    assert answered_id(frame) == answered


def test_an_error_event_without_a_command_id_has_no_id():
    frame = error_frame(Refusal(ErrorCode.BAD_JSON, "The frame is not valid JSON."))
    assert "id" not in frame
    assert frame["data"] == {"code": "bad_json", "message": "The frame is not valid JSON."}


def test_a_services_refusal_is_answered_with_its_own_code_and_message():
    refused = Refusal("round_closed", "This round is closed; the answer was not kept.")
    frame = error_frame(refused, 7)
    assert frame["data"] == {
        "code": "round_closed",
        "message": "This round is closed; the answer was not kept.",
    }
    assert frame["id"] == 7


def test_the_websocket_codes_are_the_contracts_error_codes():
    assert set(WEBSOCKET_CODES) == {
        "bad_json",
        "unknown_type",
        "invalid",
        "forbidden",
        "not_found",
        "round_closed",
        "session_finished",
        "rate_limited",
        "too_large",
    }
    assert set(ErrorCode) >= WEBSOCKET_CODES


def test_bad_json_is_bad_json():
    with pytest.raises(Refusal) as refused:
        frame_decode("{nope")
    assert refused.value.code is ErrorCode.BAD_JSON


def test_deeply_nested_json_within_the_frame_limit_is_bad_json_not_a_crash():
    frame = "[" * 32_000 + "]" * 32_000
    assert len(frame.encode()) <= MAX_FRAME_BYTES
    with pytest.raises(Refusal) as refused:
        frame_decode(frame)
    assert refused.value.code is ErrorCode.BAD_JSON


def test_event_frames_carry_id_only_when_given():
    assert "id" not in event_frame("pong", {})
    assert event_frame("ack", {}, command_id=0)["id"] == 0


def test_timestamps_are_utc_with_a_z():
    assert timestamp().endswith("Z")


def test_a_frame_after_events_the_viewer_may_not_see_names_the_seq_before_them():
    frame = event_frame("round.closed", {"round_id": 1}, seq=9, ts="2026-12-02T15:00:00.000Z")
    assert json.loads(frame_after(frame_text(frame), 7)) == {**frame, "prev": 7}


# --- extra time ---------------------------------------------------------------------------


def test_an_extension_parses_into_a_candidate_and_a_number_of_seconds():
    command = command_parse(
        {"type": "time.extend", "id": "x1", "data": {"participant_id": 4, "seconds": 90}}
    )
    assert command.type is CommandType.TIME_EXTEND
    assert command.data == {"participant_id": 4, "seconds": 90}


@pytest.mark.parametrize("seconds", [10, 3600])
def test_an_extension_takes_10_to_3600_seconds(seconds):
    data = {"participant_id": 4, "seconds": seconds}
    assert command_parse({"type": "time.extend", "data": data}).data["seconds"] == seconds


@pytest.mark.parametrize("seconds", [-30, 0, 9, 3601, 86_400])
def test_an_extension_out_of_bounds_is_invalid(seconds):
    error = refusal({"type": "time.extend", "data": {"participant_id": 4, "seconds": seconds}})
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith("seconds: ")


@pytest.mark.parametrize("missing", ["participant_id", "seconds"])
def test_an_extension_needs_both_its_fields(missing):
    data = {"participant_id": 4, "seconds": 60}
    del data[missing]
    error = refusal({"type": "time.extend", "data": data})
    assert (error.code, error.message.split(":")[0]) == (ErrorCode.INVALID, missing)


@pytest.mark.parametrize("pct", [0, 25, 200])
def test_a_standing_accommodation_takes_0_to_200_percent(pct):
    data = {"participant_id": 4, "extra_time_pct": pct}
    assert command_parse({"type": "time.accommodate", "data": data}).data["extra_time_pct"] == pct


@pytest.mark.parametrize("pct", [-1, 201, 1000])
def test_a_standing_accommodation_out_of_bounds_is_invalid(pct):
    data = {"participant_id": 4, "extra_time_pct": pct}
    error = refusal({"type": "time.accommodate", "data": data})
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith("extra_time_pct: ")


# --- ids bounded by the database's keys -------------------------------------------------------

VALID_DATA = {
    "hello": {"token": "t", "last_seq": 0},
    "question.push": {"question_id": 1, "time_limit_s": 60},
    "answer.submit": {"round_id": 1, "text": "x"},
    "answer.score": {"answer_id": 1, "score": 5, "feedback": "ok"},
    "signal.report": {"round_id": 1, "kind": "paste", "chars": 380},
    "time.extend": {"participant_id": 1, "seconds": 60},
    "time.accommodate": {"participant_id": 1, "extra_time_pct": 50},
}
ID_FIELDS = [
    ("question.push", "question_id"),
    ("answer.submit", "round_id"),
    ("answer.score", "answer_id"),
    ("signal.report", "round_id"),
    ("time.extend", "participant_id"),
    ("time.accommodate", "participant_id"),
]


@pytest.mark.parametrize(("command", "field"), ID_FIELDS)
@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 2**64, 10**40])
def test_an_id_outside_the_databases_keys_is_invalid(command, field, value):
    error = refusal({"type": command, "data": {**VALID_DATA[command], field: value}})
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith(f"{field}: ")


@pytest.mark.parametrize(("command", "field"), ID_FIELDS)
def test_the_largest_id_is_accepted(command, field):
    data = {**VALID_DATA[command], field: ID_MAX}
    assert command_parse({"type": command, "data": data}).data[field] == ID_MAX


def test_a_last_seq_beyond_the_databases_keys_is_invalid():
    error = refusal({"type": "hello", "data": {"token": "t", "last_seq": ID_MAX + 1}})
    assert error.code is ErrorCode.INVALID


# --- strict types (docs/protocol.md, "Errors") ----------------------------------------------

INTEGER_FIELDS = [
    ("hello", "last_seq"),
    ("question.push", "question_id"),
    ("question.push", "time_limit_s"),
    ("answer.submit", "round_id"),
    ("answer.score", "answer_id"),
    ("answer.score", "score"),
    ("signal.report", "round_id"),
    ("signal.report", "chars"),
    ("time.extend", "participant_id"),
    ("time.extend", "seconds"),
    ("time.accommodate", "participant_id"),
    ("time.accommodate", "extra_time_pct"),
]
STRING_FIELDS = [
    ("hello", "token"),
    ("answer.submit", "text"),
    ("answer.score", "feedback"),
    ("signal.report", "kind"),
]
NOT_AN_INTEGER = ["7", "60", 7.0, 60.0, 2.5, True, False, None, [7], {"n": 7}]
NOT_A_STRING = [5, 0, 2.5, True, False, None, ["x"], {"x": "y"}]


def test_every_command_field_is_in_the_tables():
    assert set(INTEGER_FIELDS) | set(STRING_FIELDS) == {
        (command, field) for command, data in VALID_DATA.items() for field in data
    }


@pytest.mark.parametrize("command", sorted(VALID_DATA))
def test_the_valid_data_of_the_tables_is_accepted(command):
    assert command_parse({"type": command, "data": VALID_DATA[command]}).data


@pytest.mark.parametrize(
    ("command", "field", "value"),
    [(c, f, v) for c, f in INTEGER_FIELDS for v in NOT_AN_INTEGER]
    + [(c, f, v) for c, f in STRING_FIELDS for v in NOT_A_STRING],
)
def test_a_command_field_of_the_wrong_json_type_is_invalid(command, field, value):
    frame = {"type": command, "id": "c1", "data": {**VALID_DATA[command], field: value}}
    error = refusal(frame)
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith(f"{field}: ")
    assert answered_id(frame) == "c1"


# --- signal.report --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hidden", "visible", "blur", "focus"])
def test_a_signal_other_than_a_paste_has_no_characters(kind):
    data = command_parse({"type": "signal.report", "data": {"round_id": 3, "kind": kind}}).data
    assert data == {"round_id": 3, "kind": kind}
    error = refusal({"type": "signal.report", "data": {"round_id": 3, "kind": kind, "chars": 1}})
    assert (error.code, error.message) == (ErrorCode.INVALID, "chars: only a paste has characters.")


def test_a_paste_says_how_many_characters():
    error = refusal({"type": "signal.report", "data": {"round_id": 3, "kind": "paste"}})
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith("chars: ")
    empty = {"round_id": 3, "kind": "paste", "chars": 0}
    assert command_parse({"type": "signal.report", "data": empty}).data["chars"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "copy"), ("kind", "HIDDEN"), ("kind", ""), ("chars", -1), ("chars", 10**7 + 1)],
)
def test_an_unknown_signal_or_an_impossible_paste_is_invalid(field, value):
    data = {"round_id": 3, "kind": "paste", "chars": 5, field: value}
    error = refusal({"type": "signal.report", "data": data})
    assert error.code is ErrorCode.INVALID
    assert error.message.startswith(f"{field}: ")
