"""Reads of what is the panel's alone (``interview.domain.selectors.panel``): a session's
integrity signals and private notes, through a lens."""

import pytest

from interview.domain import services
from interview.domain.selectors.panel import notes_seen, signals_seen
from interview.domain.visibility import Lens
from interview.models import Question

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def a_round(interviewer):
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    question = Question.objects.order_by("id").first()
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    return session, rnd, panel, ann, ben


def test_the_panel_sees_each_candidates_signals_in_order_and_nobody_else_any(
    interviewer, bank, django_assert_num_queries
):
    session, rnd, _, ann, ben = a_round(interviewer)
    for who, kind in ((ann, "blur"), (ben, "blur"), (ann, "focus")):
        services.signal_report(session=session, participant=who, round_id=rnd.id, kind=kind)
    seen = signals_seen(session, Lens.PANEL)
    assert [(s["participant_id"], s["kind"]) for s in seen.kept] == [
        (ann.id, "blur"),
        (ben.id, "blur"),
        (ann.id, "focus"),
    ]
    assert [s["kind"] for s in seen.of(rnd.id, ann.id)] == ["blur", "focus"]
    assert seen.of(rnd.id, 999) == []
    assert (seen.dropped_of(rnd.id, ann.id), seen.dropped_list()) == (0, [])
    for lens in (Lens.AUTHOR, Lens.PUBLIC):
        with django_assert_num_queries(0):
            hidden = signals_seen(session, lens)
        assert (hidden.kept, hidden.dropped) == ([], {})


def test_the_panel_sees_its_notes_by_answer_and_by_candidate_and_nobody_else_any(
    interviewer, bank, django_assert_num_queries
):
    session, rnd, panel, ann, ben = a_round(interviewer)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    services.note_save(session=session, participant=panel, text="Sharp.", answer_id=answer.id)
    services.note_save(session=session, participant=panel, text="Ask more.", participant_id=ben.id)
    services.note_save(session=session, participant=panel, text="", participant_id=ann.id)
    seen = notes_seen(session, Lens.PANEL)
    assert [note["text"] for note in seen.kept] == ["Sharp.", "Ask more."]  # empty left out
    assert [note["text"] for note in seen.of_answer(answer.id)] == ["Sharp."]
    assert seen.of_answer(answer.id)[0]["round_id"] == rnd.id
    assert [note["text"] for note in seen.of_candidate(ben.id)] == ["Ask more."]
    assert (seen.of_candidate(ann.id), seen.of_answer(None)) == ([], [])
    for lens in (Lens.AUTHOR, Lens.PUBLIC):
        with django_assert_num_queries(0):
            assert notes_seen(session, lens).kept == []
