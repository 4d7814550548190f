"""Services of sessions: the finish, and what is taken after it."""

import pytest

from interview.domain import selectors, services
from interview.domain.errors import Refusal

from .services_kit import (
    answered,  # noqa: F401 (fixture)
    events_of,
    live,  # noqa: F401 (fixture)
    push,
)


@pytest.mark.django_db
def test_finishing_closes_the_open_round_and_only_the_owner_may(live, other_interviewer):
    session, panel, _, _ = live
    push(session, panel)
    bob = services.joins._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    with pytest.raises(Refusal, match="owner"):
        services.session_finish(session=session, participant=bob)
    services.session_finish(session=session, participant=panel)
    assert session.status == "finished"
    assert [t for _, t in events_of(session)][-2:] == ["round.closed", "session.finished"]
    with pytest.raises(Refusal) as again:
        services.session_finish(session=session, participant=panel)
    assert again.value.code == "session_finished"


@pytest.mark.django_db
def test_after_the_finish_the_panel_still_scores_and_only_the_sessions_course_is_refused(
    answered,
):
    session, panel, ann, answer = answered
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    services.session_finish(session=session, participant=panel)
    mean = services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=9, feedback="Well argued."
    )
    assert mean == 9
    assert [t for _, t in events_of(session)][-2:] == ["score.updated", "feedback.updated"]
    # The candidate's own results and the panel's say so at once.
    (mine,) = selectors.candidate_results(ann)["rounds"]
    assert (mine["answer"]["score"], mine["answer"]["scores"][0]["feedback"]) == (9, "Well argued.")
    (ann_row,) = [c for c in selectors.results_for(session)["candidates"] if c["name"] == "Ann"]
    assert (ann_row["total"], ann_row["rounds"][0]["score"]) == (9, 9)
    # What changes the session's course stays refused.
    rnd = answer.round
    refused = [
        lambda: push(session, panel),
        lambda: services.round_extend(
            session=session, participant=panel, participant_id=ann.id, seconds=60
        ),
        lambda: services.participant_accommodate(
            session=session, participant=panel, participant_id=ann.id, extra_time_pct=50
        ),
        lambda: services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="b"),
        lambda: services.signal_report(
            session=session, participant=ann, round_id=rnd.id, kind="visible"
        ),
    ]
    for command in refused:
        with pytest.raises(Refusal) as refusal:
            command()
        assert refusal.value.code == "session_finished"
