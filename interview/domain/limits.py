"""The limits a client checks before it sends, as the server enforces them.

The welcome snapshot carries them (``limits``, docs/protocol.md) so that the pages read them
from the server instead of keeping copies: each comes from the command serializers or the
protocol's constants, the very values the server refuses past.
"""

from functools import cache

from rest_framework import serializers

from interview.domain.protocol import (
    MAX_ANSWER_CHARS,
    MAX_FEEDBACK_CHARS,
    MAX_FRAME_BYTES,
    MAX_NOTE_CHARS,
    AnswerScoreData,
    QuestionPushData,
    TimeAccommodateData,
    TimeExtendData,
)


def _bounds(serializer: type[serializers.Serializer], name: str) -> dict[str, int]:
    """``{min, max}`` of one integer field of a command's data, as its serializer checks it."""
    field = serializer().fields[name]
    return {"min": field.min_value, "max": field.max_value}


def client_limits() -> dict:
    """The ``limits`` of the welcome snapshot: the same for every viewer and every session
    (a copy: the caller may change it)."""
    return dict(_limits())


@cache
def _limits() -> dict:
    return {
        "time_limit_s": _bounds(QuestionPushData, "time_limit_s"),
        "extend_seconds": _bounds(TimeExtendData, "seconds"),
        "accommodation_pct": _bounds(TimeAccommodateData, "extra_time_pct"),
        "score": _bounds(AnswerScoreData, "score"),
        "answer_chars": MAX_ANSWER_CHARS,
        "feedback_chars": MAX_FEEDBACK_CHARS,
        "note_chars": MAX_NOTE_CHARS,
        "frame_bytes": MAX_FRAME_BYTES,
    }
