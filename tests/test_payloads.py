"""A round as events and snapshots carry it (``interview.domain.payloads``): the round's
own copy of its question, rendered, and an exercise's fields for exercises alone."""

import pytest

from interview.domain import services
from interview.domain.payloads import (
    exercise_asked,
    model_answer_asked,
    question_asked,
    round_payload,
)
from interview.domain.protocol import timestamp
from interview.models import Question

from .factories import owner_seat, session_for

pytestmark = pytest.mark.django_db


def opened(interviewer, slug: str):
    session = session_for(interviewer)
    question = Question.objects.get(slug=slug)
    return services.round_open(
        session=session, participant=owner_seat(session), question_id=question.id
    )


def test_the_question_asked_is_the_rounds_copy_whatever_the_bank_says_since(interviewer, bank):
    rnd = opened(interviewer, "python-decorators")
    Question.objects.filter(slug="python-decorators").update(title="Edited", prompt="Other")
    asked = question_asked(rnd)
    assert asked["title"] == rnd.title != "Edited"
    assert asked["prompt"] == rnd.prompt
    assert asked["prompt_html"].startswith("<p>What are Python decorators")
    assert (asked["category"], asked["difficulty"]) == (rnd.category, rnd.difficulty)
    titled = question_asked(rnd, prompt=False)
    assert "prompt" not in titled
    assert "prompt_html" not in titled
    assert titled["title"] == rnd.title


def test_the_model_answer_comes_as_text_and_rendered(interviewer, bank):
    rnd = opened(interviewer, "python-decorators")
    answer = model_answer_asked(rnd)
    assert answer["model_answer"] == rnd.model_answer
    assert '<span class="k">def</span>' in answer["model_answer_html"]
    assert answer["key_points"] == rnd.key_points
    assert len(answer["key_points_html"]) == len(rnd.key_points)


def test_only_an_exercise_round_carries_starter_code_examples_and_tests(interviewer, bank):
    assert exercise_asked(opened(interviewer, "python-decorators")) == {}
    exercise = opened(interviewer, "exercise-retry-with-backoff")
    fields = exercise_asked(exercise)
    assert set(fields) == {"starter_code", "examples", "tests"}
    assert fields["starter_code"] == exercise.starter_code != ""
    assert fields["tests"] == exercise.tests != []


def test_a_round_payload_is_the_round_its_question_model_answer_and_exercise(interviewer, bank):
    rnd = opened(interviewer, "exercise-retry-with-backoff")
    payload = round_payload(rnd)
    assert payload["round_id"] == rnd.id
    assert (payload["position"], payload["time_limit_s"]) == (1, rnd.time_limit_s)
    assert payload["deadline"] == timestamp(rnd.deadline)
    assert payload["question"] == question_asked(rnd)
    assert payload.items() >= model_answer_asked(rnd).items()
    assert payload.items() >= exercise_asked(rnd).items()
