"""Reads: the welcome snapshot (``selectors.snapshot``)."""

import pytest

from interview.domain import services
from interview.domain.protocol import timestamp
from interview.domain.selectors.snapshot import snapshot_for
from interview.domain.visibility import Viewer
from interview.models import Question

from .factories import owner_seat, session_for


@pytest.mark.django_db
def test_a_snapshot_says_when_each_round_closed_as_the_results_count_it(interviewer, bank):
    session = session_for(interviewer)
    owner = owner_seat(session)
    first, second = Question.objects.order_by("id")[:2]
    services.round_open(session=session, participant=owner, question_id=first.id)
    services.round_close(session=session, participant=owner)
    services.round_open(session=session, participant=owner, question_id=second.id)
    viewer = Viewer(participant_id=owner.id, role=owner.role)

    closed, still_open = snapshot_for(session, viewer)["rounds"]
    ended = session.rounds.get(position=1).closed_at
    assert closed["closed_at"] == timestamp(ended)
    assert still_open["closed_at"] is None
