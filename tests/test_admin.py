"""The admin: a session's state is shown, never written; the bank is edited as the API edits it."""

import json

import pytest

from interview.domain import services
from interview.models import (
    Answer,
    Event,
    InterviewSession,
    Participant,
    Question,
    Round,
    Score,
)

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db

READ_ONLY = [InterviewSession, Participant, Round, Answer, Score, Event]


@pytest.fixture
def played(interviewer, bank) -> InterviewSession:
    """A session with a round, an answer, a score and their events."""
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=7)
    return session


def admin_url(model, action: str, pk: object = None) -> str:
    path = f"/admin/interview/{model._meta.model_name}/"
    return path + (f"{pk}/{action}/" if pk is not None else f"{action}/")


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_a_superuser_can_read_but_not_write_a_sessions_state_in_the_admin(
    admin_client, played, model
):
    row = model.objects.filter(**session_filter(model, played)).first()
    before = model.objects.filter(pk=row.pk).values().get()

    listing = admin_client.get(f"/admin/interview/{model._meta.model_name}/")
    assert listing.status_code == 200
    assert b"delete_selected" not in listing.content
    page = admin_client.get(admin_url(model, "change", row.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.get(admin_url(model, "delete", row.pk)).status_code == 403
    assert admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    changed = {key: "changed" for key in ("title", "display_name", "text", "feedback", "type")}
    assert admin_client.post(admin_url(model, "change", row.pk), changed).status_code == 403
    assert model.objects.filter(pk=row.pk).values().get() == before


def session_filter(model, session: InterviewSession) -> dict:
    return {
        InterviewSession: {"pk": session.pk},
        Participant: {"session": session},
        Round: {"session": session},
        Answer: {"round__session": session},
        Score: {"answer__round__session": session},
        Event: {"session": session},
    }[model]


QUESTION_FORM = {
    "slug": "gil",
    "kind": "question",
    "category": "Core Python",
    "difficulty": "2",
    "title": "What is the GIL?",
    "prompt": "Explain the global interpreter lock.   \nWhen does it matter?",
    "model_answer": "One thread runs Python bytecode at a time.",
    "key_points": json.dumps(["one thread at a time", "I/O releases it"]),
    "tags": json.dumps(["Python", "Threads"]),
    "time_limit_s": "300",
    "owner": "",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_points": json.dumps(["fine", "  "])}, "must not contain blank entries"),
        ({"key_points": json.dumps([f"p{n}" for n in range(11)])}, "must have 1 to 10 entries"),
        ({"key_points": json.dumps("not a list")}, "must be a list of strings"),
        ({"tags": json.dumps([f"t{n}" for n in range(13)])}, "must have 0 to 12 entries"),
        ({"tags": json.dumps(["x" * 41])}, "at most 40 characters"),
        ({"prompt": "x" * 20_001}, "no more than 20000 characters"),
        ({"model_answer": "x" * 50_001}, "no more than 50000 characters"),
    ],
)
def test_a_question_saved_in_the_admin_is_refused_as_the_api_refuses_it(
    admin_client, bank, change, message
):
    response = admin_client.post(admin_url(Question, "add"), {**QUESTION_FORM, **change})
    assert response.status_code == 200  # the form again, with its errors
    assert message in response.content.decode()
    assert not Question.objects.filter(slug="gil").exists()


def test_a_question_saved_in_the_admin_is_stored_as_the_api_stores_it(admin_client, bank):
    response = admin_client.post(admin_url(Question, "add"), QUESTION_FORM)
    assert response.status_code == 302, response.content.decode()
    question = Question.objects.get(slug="gil")
    assert question.tags == ["python", "threads"]
    assert question.prompt == "Explain the global interpreter lock.\nWhen does it matter?"
    assert question.owner is None
    untagged = {**QUESTION_FORM, "slug": "gil-2", "tags": "[]"}
    assert admin_client.post(admin_url(Question, "add"), untagged).status_code == 302
    assert Question.objects.get(slug="gil-2").tags == []

    builtin = Question.objects.get(slug="python-decorators")
    edited = {
        **QUESTION_FORM,
        "slug": builtin.slug,
        "title": "Decorators, revisited",
        "key_points": json.dumps(builtin.key_points),
    }
    response = admin_client.post(admin_url(Question, "change", builtin.pk), edited)
    assert response.status_code == 302, response.content.decode()
    assert Question.objects.get(pk=builtin.pk).title == "Decorators, revisited"


def test_an_exercise_is_written_in_the_admin_with_the_apis_validation(admin_client, bank):
    exercise = {
        **QUESTION_FORM,
        "slug": "add",
        "kind": "exercise",
        "starter_code": "def add(a, b):\r\n    ...",
        "examples": json.dumps([{"name": "adds", "call": "add(1, 2)", "expected": "3"}]),
        "tests": json.dumps([{"name": "negatives", "call": "add(-1, -2)", "expected": "-3"}]),
    }
    assert admin_client.post(admin_url(Question, "add"), exercise).status_code == 302
    saved = Question.objects.get(slug="add")
    assert saved.starter_code == "def add(a, b):\n    ..."
    assert saved.tests == [{"name": "negatives", "call": "add(-1, -2)", "expected": "-3"}]
    refused = admin_client.post(
        admin_url(Question, "add"), {**exercise, "slug": "x", "tests": "[]"}
    )
    assert "an exercise needs a hidden test" in refused.content.decode()
    question = {**QUESTION_FORM, "slug": "y", "starter_code": "x = 1"}
    refused = admin_client.post(admin_url(Question, "add"), question)
    assert "only an exercise has starter_code" in refused.content.decode()
