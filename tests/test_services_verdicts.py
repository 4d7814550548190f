"""Services of verdicts on exercise answers given in extra time."""

import pytest

from interview.domain import services
from interview.models import (
    Event,
    InterviewSession,
    Question,
)

from .services_kit import (
    _into_extra_time,
    live,  # noqa: F401 (fixture)
    push,
    submit,
)


@pytest.mark.django_db
def test_the_verdict_of_a_revision_given_in_extra_time_stays_the_panels_after_the_close(live):
    session, panel, ann, _ = live
    InterviewSession.objects.filter(pk=session.pk).update(show_verdicts=True)
    exercise = Question.objects.filter(kind="exercise").first()
    rnd = push(session, panel, question=exercise, time_limit_s=60)
    _into_extra_time(session, panel, ann, rnd)
    answer = submit(session, ann, rnd, "def f(): pass")
    services.round_close(session=session, participant=panel)
    total = len(rnd.examples) + len(rnd.tests)
    services.answer_verdict(
        session=session,
        participant=panel,
        answer_id=answer.id,
        revision=answer.revision,
        passed=total,
        total=total,
        failures=[],
    )
    assert Event.objects.get(type="answer.verdict").audience != "all"
