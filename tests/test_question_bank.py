"""The question bank files (``interview.api.question_bank``): the seed is all there, entries
are validated, bad files refused, exports stay readable."""

import re

import pytest

from interview.api.question_bank import (
    DEFAULT_BANK,
    EXERCISE_BANK,
    BankError,
    bank_dump,
    bank_read,
    bank_read_file,
    bank_read_files,
)
from interview.models import Category, Question

from .seed_titles import SEED_CHALLENGES, SEED_QUESTIONS

GOOD_ENTRY = """
- slug: {slug}
  kind: question
  category: Core Python
  difficulty: {difficulty}
  title: A question
  prompt: Ask it.
  model_answer: |
    The answer.
  key_points: [one, two, three]
  tags: [python]
  time_limit_s: 120
"""


def test_the_bank_file_holds_every_seed_question_and_challenge():
    entries = bank_read_file(DEFAULT_BANK)
    questions = [e["title"] for e in entries if e["kind"] == "question"]
    challenges = [e["title"] for e in entries if e["kind"] == "challenge"]
    assert questions == SEED_QUESTIONS
    assert challenges == SEED_CHALLENGES


def test_every_entry_has_a_category_of_the_seed_a_model_answer_and_key_points():
    for entry in bank_read_file(DEFAULT_BANK):
        assert entry["category"] in Category.values
        assert 1 <= entry["difficulty"] <= 3
        assert len(entry["model_answer"]) > 100, entry["slug"]
        assert 3 <= len(entry["key_points"]) <= 6, entry["slug"]
        assert entry["tags"], entry["slug"]


def test_entries_with_a_seed_code_example_keep_it_as_a_fenced_block():
    with_code = [e for e in bank_read_file(DEFAULT_BANK) if "```" in e["model_answer"]]
    assert len(with_code) >= 44
    for entry in with_code:
        assert re.search(r"```\w*\n.+?\n```", entry["model_answer"], re.S), entry["slug"]


def test_the_bank_covers_every_skill_area():
    assert {e["category"] for e in bank_read_file(DEFAULT_BANK)} == set(Category.values)


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("not: a list", "must be a list"),
        ("- just a string", "entry 1: must be a mapping"),
        ("- {slug: x, colour: red}", "unknown field 'colour'"),
        ("[unclosed", "not valid YAML"),
        (GOOD_ENTRY.format(slug="twice", difficulty=1) * 2, "entry 2 (twice): field 'slug'"),
        (GOOD_ENTRY.format(slug="x", difficulty=1).replace("Core Python", "Cooking"), "category"),
        (GOOD_ENTRY.format(slug="x", difficulty=1).replace("[one, two, three]", "[]"), "key_p"),
        (GOOD_ENTRY.format(slug="x", difficulty=1).replace("Ask it.", "a" * 20_001), "prompt"),
        (
            GOOD_ENTRY.format(slug="x", difficulty=1).replace("The answer.", "a" * 50_001),
            "model_answer",
        ),
    ],
)
def test_bank_read_names_what_is_wrong(text, fault):
    with pytest.raises(BankError, match=re.escape(fault)):
        bank_read(text)


@pytest.mark.django_db
def test_exported_model_answers_stay_readable_blocks(bank):
    text = bank_dump(list(Question.objects.filter(slug="python-decorators")))
    assert "model_answer: |" in text
    assert "    def my_decorator(func):" in text


@pytest.mark.django_db
def test_an_exported_exercise_keeps_its_code_and_tests_readable_and_a_question_has_none(bank):
    text = bank_dump(list(Question.objects.filter(slug="exercise-retry-with-backoff")))
    assert "starter_code: |" in text
    assert "  - name: succeeds on the third call after waiting 0.5 s then 1 s" in text
    assert "      @retry(attempts=2, sleep=lambda seconds: None, clock=lambda: 0.0)" in text
    question = bank_dump(list(Question.objects.filter(slug="python-decorators")))
    assert "starter_code" not in question
    assert "tests" not in question


EXERCISE_ENTRY = """
- slug: {slug}
  kind: {kind}
  category: Core Python
  difficulty: 1
  title: Add two numbers
  prompt: Write add(a, b).
  model_answer: |
    ```python
    def add(a, b):
        return a + b
    ```
  key_points: [returns the sum of both numbers]
"""
EXERCISE_FIELDS = """  starter_code: |
    def add(a, b):
        ...
  examples:
    - {name: adds, call: "add(1, 2)", expected: "3"}
  tests:
    - {name: adds negatives, call: "add(-1, -2)", expected: "-3"}
    - {name: refuses text and numbers, call: "add('a', 1)", raises: TypeError}
"""


def test_an_exercise_loads_with_its_starter_code_examples_and_tests():
    (entry,) = bank_read(EXERCISE_ENTRY.format(slug="add", kind="exercise") + EXERCISE_FIELDS)
    assert entry["starter_code"] == "def add(a, b):\n    ..."
    assert entry["examples"] == [{"name": "adds", "call": "add(1, 2)", "expected": "3"}]
    assert entry["tests"][1] == {
        "name": "refuses text and numbers",
        "call": "add('a', 1)",
        "raises": "TypeError",
    }


def test_a_question_loads_with_no_exercise_fields():
    (entry,) = bank_read(EXERCISE_ENTRY.format(slug="add", kind="question"))
    assert (entry["starter_code"], entry["examples"], entry["tests"]) == ("", [], [])


@pytest.mark.parametrize(
    ("kind", "fields", "fault"),
    [
        ("exercise", "", "field 'starter_code': an exercise needs starter code"),
        ("exercise", EXERCISE_FIELDS.split("  examples:")[0], "an exercise needs an example"),
        ("exercise", EXERCISE_FIELDS.split("  tests:")[0], "an exercise needs a hidden test"),
        ("question", EXERCISE_FIELDS, "field 'starter_code': only an exercise has starter_code"),
        ("challenge", "  tests: [{name: n, call: '1', expected: '1'}]\n", "only an exercise"),
        ("exercise", EXERCISE_FIELDS.replace("add(-1, -2)", "x ="), "call must be one Python"),
        ("exercise", EXERCISE_FIELDS.replace('"-3"', '"minus three"'), "Python literal"),
        ("exercise", EXERCISE_FIELDS.replace("adds negatives", "adds"), "'adds' is used twice"),
        ("exercise", EXERCISE_FIELDS.replace('expected: "3"', "result: 3"), "unknown field"),
    ],
)
def test_an_exercise_entry_is_refused_naming_what_is_wrong(kind, fields, fault):
    with pytest.raises(BankError, match=re.escape(fault)):
        bank_read(EXERCISE_ENTRY.format(slug="add", kind=kind) + fields)


def test_an_exercises_tests_are_bounded_in_number_and_size():
    many = "  tests:\n" + "".join(
        f"    - {{name: t{n}, call: 'add(1, 1)', expected: '2'}}\n" for n in range(51)
    )
    text = EXERCISE_ENTRY.format(slug="add", kind="exercise") + EXERCISE_FIELDS
    with pytest.raises(BankError, match="'tests'"):
        bank_read(text.split("  tests:")[0] + many)
    huge = EXERCISE_FIELDS.replace(
        "def add(a, b):", "x = 1  # " + "x" * 10_000 + "\n    def add(a, b):"
    )
    with pytest.raises(BankError, match="'starter_code'"):
        bank_read(EXERCISE_ENTRY.format(slug="add", kind="exercise") + huge)


def test_a_slug_in_both_built_in_files_is_refused(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(EXERCISE_ENTRY.format(slug="exercise-retry-with-backoff", kind="question"))
    with pytest.raises(BankError, match="'exercise-retry-with-backoff' is in"):
        bank_read_files([EXERCISE_BANK, other])
