"""Reads: a candidate's own results after the finish
(``interview.domain.selectors.candidate``)."""

import pytest

from interview.domain import services
from interview.domain.selectors.candidate import candidate_results, scores_of
from interview.models import Question

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def finished(interviewer, other_interviewer):
    """A finished session of two rounds: Ann answers the first, scored 6 by Alice and 8 by
    Bob with feedback from Bob alone; Ben joins between the rounds and answers the second."""
    session = session_for(interviewer)
    alice = owner_seat(session)
    bob = services.joins._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    ann = seat(session, "Ann")
    first, second = Question.objects.order_by("id")[:2]
    rnd = services.round_open(session=session, participant=alice, question_id=first.id)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="ANN")
    for by, score, feedback in ((alice, 6, ""), (bob, 8, "Name the closure.")):
        services.answer_score(
            session=session, participant=by, answer_id=answer.id, score=score, feedback=feedback
        )
    services.round_close(session=session, participant=alice)
    ben = seat(session, "Ben")
    rnd = services.round_open(session=session, participant=alice, question_id=second.id)
    services.answer_submit(session=session, participant=ben, round_id=rnd.id, text="BEN")
    services.session_finish(session=session, participant=alice)
    return session, (alice, bob), ann, ben


def test_a_candidate_gets_their_own_answers_the_mean_and_the_feedback_beside_model_answers(
    interviewer, other_interviewer, bank
):
    session, (_, bob), ann, _ = finished(interviewer, other_interviewer)
    mine = candidate_results(ann)
    assert mine["session"]["code"] == session.code
    assert mine["participant"] == {
        "participant_id": ann.id,
        "name": "Ann",
        "role": "candidate",
        "joined_at": 1,
    }
    answered, unanswered = mine["rounds"]
    assert answered["answer"]["text"] == "ANN"
    assert answered["answer"]["score"] == 7.0
    assert answered["model_answer"]
    assert unanswered["answer"] is None
    # Who gave what stays with the panel: the feedback alone, with its writer.
    assert [(s["by"], s["feedback"]) for s in answered["answer"]["scores"]] == [
        (bob.id, "Name the closure.")
    ]
    assert "score" not in answered["answer"]["scores"][0]
    assert "BEN" not in str(mine["rounds"])


def test_a_late_joiner_has_the_rounds_before_them_marked_absent(
    interviewer, other_interviewer, bank
):
    _, _, _, ben = finished(interviewer, other_interviewer)
    bens = candidate_results(ben)
    assert bens["participant"]["joined_at"] == 2
    assert [rnd["present"] for rnd in bens["rounds"]] == [False, True]
    assert bens["rounds"][1]["answer"]["text"] == "BEN"
    assert sum(skill["asked"] for skill in bens["skills"]) == 1


def test_the_scores_of_a_participant_are_grouped_by_answer_with_their_interviewers(
    interviewer, other_interviewer, bank
):
    _, (alice, bob), ann, ben = finished(interviewer, other_interviewer)
    (scored,) = scores_of(ann).values()
    assert {(s.interviewer.display_name, s.score) for s in scored} == {
        (alice.display_name, 6),
        (bob.display_name, 8),
    }
    assert scores_of(ben) == {}
