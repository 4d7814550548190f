"""The welcome's ``limits`` and the panel's key points of every round (docs/protocol.md)."""

import pytest

from interview.domain import selectors, services
from interview.domain.limits import client_limits
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
from interview.domain.visibility import Viewer
from interview.models import Question

from .factories import owner_seat, seat, session_for


def test_the_limits_are_the_bounds_the_commands_are_checked_against():
    limits = client_limits()
    for name, (serializer, field) in {
        "time_limit_s": (QuestionPushData, "time_limit_s"),
        "extend_seconds": (TimeExtendData, "seconds"),
        "accommodation_pct": (TimeAccommodateData, "extra_time_pct"),
        "score": (AnswerScoreData, "score"),
    }.items():
        checked = serializer().fields[field]
        assert (limits[name]["min"], limits[name]["max"]) == (checked.min_value, checked.max_value)
    assert limits["answer_chars"] == MAX_ANSWER_CHARS
    assert limits["feedback_chars"] == MAX_FEEDBACK_CHARS
    assert limits["note_chars"] == MAX_NOTE_CHARS
    assert limits["frame_bytes"] == MAX_FRAME_BYTES
    # A copy each time: a caller that changes it changes no one else's.
    limits["score"] = None
    assert client_limits()["score"] == {"min": 0, "max": 10}


@pytest.mark.django_db
def test_everyone_is_welcomed_with_the_limits_and_the_panel_alone_with_each_rounds_key_points(
    interviewer, bank
):
    session = session_for(interviewer)
    owner, ann = owner_seat(session), seat(session, "Ann")
    first, second = Question.objects.order_by("id")[:2]
    services.round_open(session=session, participant=owner, question_id=first.id)
    services.round_close(session=session, participant=owner)
    services.round_open(session=session, participant=owner, question_id=second.id)

    panel = selectors.snapshot_for(session, Viewer(participant_id=owner.id, role=owner.role))
    candidate = selectors.snapshot_for(session, Viewer(participant_id=ann.id, role=ann.role))
    assert panel["limits"] == candidate["limits"] == client_limits()
    closed, still_open = panel["rounds"]
    assert closed["question"]["title"] == first.title
    assert closed["key_points"] == first.key_points
    assert len(closed["key_points_html"]) == len(first.key_points)
    assert still_open["key_points"] == second.key_points
    for entry in candidate["rounds"]:
        assert "key_points" not in entry
        assert "key_points_html" not in entry
        assert entry["question"]["title"] in {first.title, second.title}
