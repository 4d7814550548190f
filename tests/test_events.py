"""Reads: a session's persisted events after a seq, as a viewer sees them for a replay or
as stored (``interview.domain.selectors.events``)."""

import pytest

from interview.domain import services
from interview.domain.selectors.events import event_rows_after, events_after
from interview.domain.visibility import Viewer
from interview.models import Question

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def played(interviewer):
    """A round with Ann's draft and then her answer (events 1 to 3)."""
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    question = Question.objects.order_by("id").first()
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    services.answer_draft(session=session, participant=ann, round_id=rnd.id, text="DRAFT-TEXT")
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="ANSWER")
    return session, panel, ann


def test_the_replay_is_every_event_after_the_seq_in_order(interviewer, bank):
    session, panel, _ = played(interviewer)
    everything = events_after(session.id, 0, Viewer(participant_id=panel.id, role="interviewer"))
    types = [event["type"] for event in everything]
    assert types == ["round.opened", "answer.drafted", "answer.submitted"]
    assert [event["seq"] for event in everything] == [1, 2, 3]
    assert all(event["ts"].endswith("Z") for event in everything)
    later = events_after(session.id, 2, Viewer(participant_id=panel.id, role="interviewer"))
    assert [event["seq"] for event in later] == [3]
    assert later[0]["data"]["text"] == "ANSWER"


def test_a_draft_is_replayed_to_nobody_and_a_viewer_sees_only_their_part(interviewer, bank):
    session, panel, ann = played(interviewer)
    for viewer in (
        Viewer(participant_id=panel.id, role="interviewer"),
        Viewer(participant_id=ann.id, role="candidate"),
    ):
        drafted = events_after(session.id, 0, viewer)[1]
        assert (drafted["type"], drafted["data"]) == ("answer.drafted", None)
    ben = seat(session, "Ben")
    bens = events_after(session.id, 0, Viewer(participant_id=ben.id, role="candidate"))
    assert "ANSWER" not in str(bens)
    assert "DRAFT-TEXT" not in str(bens)


def test_the_rows_after_a_seq_are_as_stored_drafts_included(interviewer, bank):
    session, _, _ = played(interviewer)
    rows = event_rows_after(session.id, 1)
    assert [(row.seq, row.type) for row in rows] == [(2, "answer.drafted"), (3, "answer.submitted")]
    assert rows[0].payload["text"] == "DRAFT-TEXT"
    assert event_rows_after(session.id, 3) == []
