"""Reads: a session's results for its panel (``selectors.results``), and as the CSV."""

import pytest

from interview.api.results_csv import RESULTS_CSV_HEADER, results_csv_rows
from interview.domain import services
from interview.domain.selectors.results import results_for
from interview.domain.selectors.snapshot import snapshot_for
from interview.domain.visibility import Viewer
from interview.models import Question

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def scored_in_two_areas(interviewer):
    """A session where Ann was scored 8 in Core Python and 5 in Version Control, and Ben
    answered nothing."""
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    for slug_category, score in (("Core Python", 8), ("Version Control", 5)):
        question = Question.objects.filter(category=slug_category).first()
        rnd = services.round_open(session=session, participant=panel, question_id=question.id)
        answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="x")
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=score)
    return session, ann, ben


def test_each_candidates_results_carry_their_skills(interviewer, bank):
    session, _, ben = scored_in_two_areas(interviewer)
    results = results_for(session)
    first, second = results["candidates"]
    assert first["name"] == "Ann"
    means = {skill["area"]: skill["mean"] for skill in first["skills"]}
    assert (means["Core Python"], means["Version Control"], means["Soft Skills"]) == (8, 5, None)
    assert all(skill["mean"] is None for skill in second["skills"])
    assert second["name"] == "Ben"
    assert ben.id == second["participant_id"]


def test_a_late_joiners_results_count_only_the_rounds_asked_since_they_joined(interviewer, bank):
    session = session_for(interviewer, ranking="mean")
    panel, ann = owner_seat(session), seat(session, "Ann")
    questions = list(Question.objects.order_by("id")[:3])
    first = services.round_open(session=session, participant=panel, question_id=questions[0].id)
    answer = services.answer_submit(session=session, participant=ann, round_id=first.id, text="a")
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    services.round_close(session=session, participant=panel)
    ben = seat(session, "Ben")  # between rounds 1 and 2: present from round 2
    for question in questions[1:]:
        rnd = services.round_open(session=session, participant=panel, question_id=question.id)
        if question == questions[1]:
            late = services.answer_submit(
                session=session, participant=ben, round_id=rnd.id, text="b"
            )
            services.answer_score(session=session, participant=panel, answer_id=late.id, score=6)
    results = results_for(session)
    assert results["ranking"] == "mean"
    bens, anns = results["candidates"]  # Ben: 6 over 2 rounds; Ann: 4 over 3
    assert (bens["name"], bens["joined_at"], bens["asked"], bens["answered"]) == ("Ben", 2, 2, 1)
    assert (bens["mean"], anns["mean"]) == (3.0, 1.33)
    assert [r["present"] for r in bens["rounds"]] == [False, True, True]
    assert sum(skill["asked"] for skill in bens["skills"]) == 2
    assert sum(category["rounds"] for category in bens["categories"]) == 2
    rows = results_csv_rows(results_for(session))
    header = RESULTS_CSV_HEADER
    joined = {row[header.index("joined_at")] for row in rows if row[2] == "Ben"}
    assert joined == {2}


def test_a_score_of_an_older_revision_says_which_it_was_given_to(interviewer, bank):
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="1")
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="=2+2")
    (played,) = results_for(session)["candidates"][0]["rounds"]
    assert (played["revision"], played["scores"][0]["revision"]) == (2, 1)
    (row,) = results_csv_rows(results_for(session))
    header = RESULTS_CSV_HEADER
    cells = {name: row[header.index(name)] for name in ("revision", "scored_revision")}
    assert cells == {"revision": 2, "scored_revision": 1}
    assert row[header.index("answer_text")] == "'=2+2"  # the newest text, formula-safe
    snapshot = snapshot_for(session, Viewer(participant_id=panel.id, role="interviewer"))
    assert snapshot["answers"][0]["scores"][0]["revision"] == 1
