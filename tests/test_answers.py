"""Reads about answers (``interview.domain.selectors.answers``): the verdicts kept on them,
the scores still awaited, their revisions by the deadline, drafts and own deadlines."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from interview.content.verdicts import suggested_with_tests
from interview.domain import services
from interview.domain.selectors.answers import (
    drafts_of,
    personal_deadlines_visible,
    revisions_on_time,
    scores_awaiting,
    verdicts_of,
)
from interview.domain.visibility import Viewer
from interview.models import AnswerRevision, Question, Verdict

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def a_round(interviewer):
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    question = Question.objects.get(slug="django-orm-query-optimization")
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    return session, rnd, panel, ann, ben


def test_the_verdicts_are_keyed_by_answer_and_revision_with_a_suggestion_for_the_newest(
    interviewer, bank
):
    session, rnd, panel, ann, _ = a_round(interviewer)
    for text in ("first", rnd.model_answer):
        answer = services.answer_submit(
            session=session, participant=ann, round_id=rnd.id, text=text
        )
    for revision, passed in ((1, 1), (2, 3)):
        Verdict.objects.create(
            answer=answer, revision=revision, passed=passed, total=4, by=panel,
            created_at=timezone.now(),
        )  # fmt: skip
    kept = verdicts_of([answer])
    assert set(kept) == {(answer.id, 1), (answer.id, 2)}
    older, newest = kept[(answer.id, 1)], kept[(answer.id, 2)]
    assert (older["passed"], older["total"], older["by"]) == (1, 4, panel.id)
    assert "suggested_score" not in older
    suggested = answer.coverage["suggested_score"]
    assert newest["suggested_score"] == suggested_with_tests(suggested, 3, 4)
    assert newest["disagreement"] is None
    assert verdicts_of([]) == {}


@pytest.mark.parametrize(
    ("pending", "panel_size", "awaited"),
    [
        ([], 3, 0),
        ([False, False], 2, 0),
        ([True], 3, 2),
        ([True, True, False], 3, 1),
        ([True, True, True], 3, 0),
    ],
)
def test_the_scores_awaited_are_the_panel_less_the_pending_ones_once_one_is(
    pending, panel_size, awaited
):
    given = [SimpleNamespace(pending=flag) for flag in pending]
    assert scores_awaiting(given, panel_size) == awaited


def test_the_revision_on_time_is_the_last_one_by_the_rounds_deadline(interviewer, bank):
    session, rnd, _, ann, ben = a_round(interviewer)
    anns = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="1")
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="2")
    bens = services.answer_submit(session=session, participant=ben, round_id=rnd.id, text="b")
    late = rnd.deadline + timedelta(seconds=1)
    AnswerRevision.objects.filter(answer=anns, revision=2).update(submitted_at=late)
    AnswerRevision.objects.filter(answer=bens).update(submitted_at=late)
    on_time = revisions_on_time([anns.id, bens.id])
    assert list(on_time) == [anns.id]
    assert (on_time[anns.id].revision, on_time[anns.id].text) == (1, "1")


def test_the_drafts_of_a_round_are_each_candidates_latest(interviewer, bank):
    session, rnd, _, ann, ben = a_round(interviewer)
    assert drafts_of(None) == []
    assert drafts_of(rnd) == []
    for who, text in ((ann, "a"), (ben, "b"), (ann, "ab")):
        services.answer_draft(session=session, participant=who, round_id=rnd.id, text=text)
    drafts = drafts_of(rnd)
    assert [(d["participant_id"], d["text"]) for d in drafts] == [(ann.id, "ab"), (ben.id, "b")]
    assert all(d["round_id"] == rnd.id and d["at"].endswith("Z") for d in drafts)


def test_own_deadlines_are_the_panels_all_a_candidates_own_and_nobody_elses(interviewer, bank):
    session, rnd, panel, ann, ben = a_round(interviewer)
    wall = seat(session, "Wall", role="spectator")
    for who in (ann, ben):
        services.round_extend(session=session, participant=panel, participant_id=who.id, seconds=60)

    def seen_by(participant) -> list[int]:
        viewer = Viewer(participant_id=participant.id, role=participant.role)
        return [own["participant_id"] for own in personal_deadlines_visible(rnd, viewer)]

    assert seen_by(panel) == [ann.id, ben.id]
    assert seen_by(ann) == [ann.id]
    assert seen_by(wall) == []
    (anns,) = personal_deadlines_visible(rnd, Viewer(participant_id=ann.id, role="candidate"))
    assert anns["round_id"] == rnd.id
    assert anns["deadline"].endswith("Z")
