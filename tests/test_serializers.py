"""The HTTP API's shapes and the validation of bank entries (``interview.api.serializers``)."""

import pytest

from interview.api.serializers import (
    BankEntrySerializer,
    ExerciseTestSerializer,
    JoinSerializer,
    QuestionSerializer,
    SessionCreateSerializer,
)
from interview.domain.fields import ID_MAX

ENTRY = {
    "slug": "gil",
    "category": "Core Python",
    "difficulty": 2,
    "title": "What is the GIL?",
    "prompt": "Explain the lock.   \n\n  Briefly.  ",
    "model_answer": "One thread at a time.  ",
    "key_points": ["  one thread at a time ", "I/O releases it"],
    "tags": ["Python", " Threads "],
}
EXERCISE = {
    **ENTRY,
    "slug": "add",
    "kind": "exercise",
    "starter_code": "def add(a, b):   \n    ...",
    "examples": [{"name": "adds", "call": "add(1, 2)", "expected": "3"}],
    "tests": [{"name": "negatives", "call": "add(-1, -2)", "expected": "-3"}],
}


def errors_of(data: dict, serializer=QuestionSerializer) -> dict:
    checked = serializer(data=data)
    assert not checked.is_valid()
    return checked.errors


@pytest.mark.django_db
def test_an_entrys_texts_are_tidied_its_tags_lower_case_and_its_limit_defaulted():
    checked = QuestionSerializer(data=ENTRY)
    assert checked.is_valid(), checked.errors
    valid = checked.validated_data
    assert valid["prompt"] == "Explain the lock.\n\n  Briefly."
    assert valid["model_answer"] == "One thread at a time."
    assert valid["key_points"] == ["one thread at a time", "I/O releases it"]
    assert valid["tags"] == ["python", "threads"]
    assert valid["time_limit_s"] == 300


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key_points": []}, "key_points"),
        ({"key_points": ["fine", "  "]}, "key_points"),
        ({"key_points": "one string"}, "key_points"),
        ({"tags": [f"t{n}" for n in range(13)]}, "tags"),
        ({"difficulty": 4}, "difficulty"),
        ({"time_limit_s": 5}, "time_limit_s"),
        ({"starter_code": "x = 1"}, "starter_code"),
        ({"tests": EXERCISE["tests"]}, "tests"),
    ],
)
def test_an_invalid_entry_is_refused_naming_its_field(change, field):
    assert field in errors_of({**ENTRY, **change})


@pytest.mark.django_db
def test_an_exercise_needs_starter_code_an_example_and_a_hidden_test_named_apart():
    assert QuestionSerializer(data=EXERCISE).is_valid()
    for missing in ("starter_code", "examples", "tests"):
        entry = {key: value for key, value in EXERCISE.items() if key != missing}
        assert missing in errors_of(entry)
    twice = {**EXERCISE, "tests": [{**EXERCISE["tests"][0], "name": "adds"}]}
    assert errors_of(twice)["tests"] == ["the name 'adds' is used twice."]


def test_an_exercises_test_is_tidied_and_kept_in_the_formats_order():
    checked = ExerciseTestSerializer(
        data={"expected": " 3 ", "call": "add(1, 2)  ", "setup": "   ", "name": " adds "}
    )
    assert checked.is_valid(), checked.errors
    assert checked.validated_data == {"name": "adds", "call": "add(1, 2)", "expected": "3"}
    shown = ExerciseTestSerializer({"expected": "3", "call": "f()", "name": "n"}).data
    assert list(shown) == ["name", "call", "expected"]
    assert not ExerciseTestSerializer(data={"name": "n", "call": "f("}).is_valid()


@pytest.mark.django_db
def test_a_bank_files_entry_may_name_a_slug_already_in_the_bank(bank):
    existing = {**ENTRY, "slug": "python-decorators"}
    assert "slug" in errors_of(existing)
    assert BankEntrySerializer(data=existing).is_valid()


def test_a_new_session_needs_a_title_and_ranks_by_total_without_verdicts_by_default():
    checked = SessionCreateSerializer(data={"title": "Panel"})
    assert checked.is_valid(), checked.errors
    assert (checked.validated_data["ranking"], checked.validated_data["show_verdicts"]) == (
        "total",
        False,
    )
    assert "title" in errors_of({}, SessionCreateSerializer)
    assert "ranking" in errors_of({"title": "P", "ranking": "median"}, SessionCreateSerializer)
    too_far = {"title": "P", "question_ids": [ID_MAX + 1]}
    assert "question_ids" in errors_of(too_far, SessionCreateSerializer)


def test_a_join_names_one_of_the_three_roles():
    for role in ("candidate", "spectator", "interviewer"):
        assert JoinSerializer(data={"role": role}).is_valid()
    assert "role" in errors_of({"role": "owner"}, JoinSerializer)
    assert "role" in errors_of({"display_name": "Ann"}, JoinSerializer)
