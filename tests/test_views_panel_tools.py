"""The HTTP API behind the panel's tools: a question's preview, a session's plan and the
questions it asked ("Up next", "Run again")."""

import pytest

from interview.domain import services
from interview.models import Event, InterviewSession, Question, Round

from .conftest import client_for
from .factories import owner_seat, session_for

pytestmark = pytest.mark.django_db

MARKDOWN_QUESTION = {
    "slug": "preview-me",
    "category": "Core Python",
    "difficulty": 2,
    "title": "Preview me",
    "prompt": "What does `yield` do?",
    "model_answer": "It makes a **generator**:\n\n```python\ndef f():\n    yield 1\n```",
    "key_points": ["lazy `next()`", "keeps its frame"],
}


def test_a_preview_shows_the_question_rendered_and_pushes_nothing(api, interviewer):
    question = api.post("/api/questions/", MARKDOWN_QUESTION, format="json").json()
    session = session_for(interviewer)
    response = api.get(f"/api/questions/{question['id']}/preview/")
    assert response.status_code == 200
    preview = response.json()
    assert preview["title"] == "Preview me"
    assert preview["prompt_html"].strip() == "<p>What does <code>yield</code> do?</p>"
    assert "<strong>generator</strong>" in preview["model_answer_html"]
    assert '<span class="k">def</span>' in preview["model_answer_html"]
    assert preview["key_points_html"] == ["lazy <code>next()</code>", "keeps its frame"]
    assert preview["model_answer"] == MARKDOWN_QUESTION["model_answer"]
    assert not Round.objects.exists()
    assert not Event.objects.filter(session=session).exists()


def test_a_preview_is_for_interviewers_and_real_questions(api, anonymous, bank, django_user_model):
    question_id = Question.objects.order_by("id").values_list("id", flat=True).first()
    assert anonymous.get(f"/api/questions/{question_id}/preview/").status_code == 401
    stranger = django_user_model.objects.create_user(username="mallory", password="x")
    assert client_for(stranger).get(f"/api/questions/{question_id}/preview/").status_code == 403
    assert api.get("/api/questions/999999/preview/").status_code == 404


def test_a_sessions_detail_has_its_plan_and_the_questions_it_asked(api, interviewer, bank):
    first, second, third = Question.objects.order_by("id")[:3]
    created = api.post(
        "/api/sessions/",
        {"title": "Planned", "question_ids": [second.id, first.id], "time_limit_s": 90},
        format="json",
    ).json()
    detail = api.get(f"/api/sessions/{created['code']}/").json()
    assert [q["id"] for q in detail["plan"]] == [second.id, first.id]
    assert detail["plan"][0] == {
        "id": second.id,
        "title": second.title,
        "kind": second.kind,
        "category": second.category,
        "difficulty": second.difficulty,
        "time_limit_s": second.time_limit_s,
    }
    assert detail["asked"] == []
    assert detail["settings"] == {"question_ids": [second.id, first.id], "time_limit_s": 90}

    session = InterviewSession.objects.get(code=created["code"])
    panel = owner_seat(session)
    for question in (second, third):
        services.round_open(session=session, participant=panel, question_id=question.id)
    assert api.get(f"/api/sessions/{created['code']}/").json()["asked"] == [second.id, third.id]
    # The list stays light: no plan, no rounds read per session.
    listed = api.get("/api/sessions/").json()["results"][0]
    assert "plan" not in listed
    assert "asked" not in listed
