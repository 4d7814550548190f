"""The question bank file: the seed is all there, loading is idempotent, bad files refused."""

import re

import pytest
from django.core.management import CommandError, call_command

from interview.models import Category, Question
from interview.question_bank import DEFAULT_BANK, BankError, bank_dump, bank_read, bank_read_file

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


@pytest.mark.django_db
def test_loadbank_twice_changes_nothing_the_second_time(capsys):
    call_command("loadbank")
    first = {q.slug: q.updated_at for q in Question.objects.all()}
    call_command("loadbank")
    assert "0 created, 0 updated, 45 unchanged" in capsys.readouterr().out
    assert {q.slug: q.updated_at for q in Question.objects.all()} == first


@pytest.mark.django_db
def test_loadbank_updates_an_entry_whose_file_text_changed(tmp_path, bank):
    question = Question.objects.get(slug="python-decorators")
    question.title = "Edited by hand"
    question.save()
    call_command("loadbank")
    question.refresh_from_db()
    assert question.title == "What are Python decorators and how do you use them?"


@pytest.mark.django_db
def test_a_bad_file_is_refused_whole_naming_entry_and_field(tmp_path, bank):
    path = tmp_path / "mine.yaml"
    path.write_text(
        GOOD_ENTRY.format(slug="my-new-one", difficulty=1)
        + GOOD_ENTRY.format(slug="python-decorators", difficulty=2)
        + GOOD_ENTRY.format(slug="broken-one", difficulty=7)
    )
    with pytest.raises(CommandError) as refused:
        call_command("loadbank", str(path))
    assert "entry 3 (broken-one)" in str(refused.value)
    assert "'difficulty'" in str(refused.value)
    assert not Question.objects.filter(slug="my-new-one").exists()
    assert Question.objects.get(slug="python-decorators").title.startswith("What are")


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
def test_an_interviewers_own_bank_file_loads_beside_the_built_in_one(tmp_path, bank):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_ENTRY.format(slug="my-own", difficulty=3))
    call_command("loadbank", str(path))
    assert Question.objects.count() == 46
    assert Question.objects.get(slug="my-own").difficulty == 3


@pytest.mark.django_db
def test_exportbank_writes_a_file_that_loads_back_unchanged(tmp_path, bank, capsys):
    path = tmp_path / "export.yaml"
    call_command("exportbank", output=str(path))
    assert bank_read_file(path) == bank_read_file(DEFAULT_BANK)
    call_command("loadbank", str(path))
    assert "45 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_exported_model_answers_stay_readable_blocks(bank):
    text = bank_dump(list(Question.objects.filter(slug="python-decorators")))
    assert "model_answer: |" in text
    assert "    def my_decorator(func):" in text
