"""Reads: a session or participant by code or token, a session's rounds and plan
(``interview.domain.selectors.lookups``)."""

import pytest

from interview.domain import services
from interview.domain.selectors.lookups import (
    participant_for_token,
    plan_of,
    questions_asked,
    rounds_of,
    session_for_code,
    session_id_for,
    session_last_seq,
)
from interview.models import Question

from .factories import owner_seat, session_for

pytestmark = pytest.mark.django_db


def test_a_session_is_found_by_its_code_as_typed_and_its_id_by_the_exact_code(interviewer):
    session = session_for(interviewer)
    typed = f" {session.code[:4].lower()}-{session.code[4:].lower()} "
    assert session_for_code(typed) == session
    assert session_for_code("NOSUCH22") is None
    assert session_id_for(session.code) == session.id
    assert session_id_for("NOSUCH22") is None


def test_a_participant_is_found_by_their_token_in_their_own_session_alone(interviewer):
    session, other = session_for(interviewer), session_for(interviewer, "Other")
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    assert participant_for_token(session_id=session.id, token=ann.token) == ann.participant
    assert participant_for_token(session_id=other.id, token=ann.token) is None
    for forged in ("", "forged", ann.token + "x", "x" * 201, None, 42):
        assert participant_for_token(session_id=session.id, token=forged) is None


def test_the_last_seq_follows_the_sessions_events(interviewer, bank):
    session = session_for(interviewer)
    before = session_last_seq(session.id)
    question = Question.objects.order_by("id").first()
    services.round_open(session=session, participant=owner_seat(session), question_id=question.id)
    assert session_last_seq(session.id) == before + 1


def test_the_rounds_and_the_questions_asked_come_in_the_order_they_were_pushed(interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    first, second = Question.objects.order_by("-id")[:2]
    for question in (first, second):
        services.round_open(session=session, participant=panel, question_id=question.id)
    assert [rnd.position for rnd in rounds_of(session)] == [1, 2]
    assert [rnd.question_id for rnd in rounds_of(session)] == [first.id, second.id]
    assert questions_asked(session) == [first.id, second.id]


def test_the_plan_keeps_its_order_and_leaves_out_a_question_deleted_since(interviewer, bank):
    first, second, third = Question.objects.order_by("id")[:3]
    session = session_for(interviewer, question_ids=[third.id, first.id, second.id])
    assert [planned["id"] for planned in plan_of(session)] == [third.id, first.id, second.id]
    assert plan_of(session)[0] == {
        "id": third.id,
        "title": third.title,
        "kind": third.kind,
        "category": third.category,
        "difficulty": third.difficulty,
        "time_limit_s": third.time_limit_s,
    }
    first.delete()
    assert [planned["id"] for planned in plan_of(session)] == [third.id, second.id]
