"""``manage.py loadbank``: loads the built-in bank or given files, upserting by slug, and
refuses a bad file whole."""

import pytest
from django.core.management import CommandError, call_command

from interview.api.question_bank import DEFAULT_BANK, EXERCISE_BANK, bank_read_file
from interview.models import Question

from .test_question_bank import GOOD_ENTRY


@pytest.mark.django_db
def test_loadbank_loads_the_questions_and_the_exercises(capsys, bank_entries):
    call_command("loadbank")
    assert f"{len(bank_entries)} created" in capsys.readouterr().out
    assert Question.objects.filter(kind="exercise").count() == len(bank_read_file(EXERCISE_BANK))
    assert Question.objects.exclude(kind="exercise").count() == len(bank_read_file(DEFAULT_BANK))


@pytest.mark.django_db
def test_loadbank_twice_changes_nothing_the_second_time(capsys, bank_entries):
    call_command("loadbank")
    first = {q.slug: q.updated_at for q in Question.objects.all()}
    call_command("loadbank")
    assert f"0 created, 0 updated, {len(bank_entries)} unchanged" in capsys.readouterr().out
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


@pytest.mark.django_db
def test_an_interviewers_own_bank_file_loads_beside_the_built_in_one(tmp_path, bank, bank_entries):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_ENTRY.format(slug="my-own", difficulty=3))
    call_command("loadbank", str(path))
    assert Question.objects.count() == len(bank_entries) + 1
    assert Question.objects.get(slug="my-own").difficulty == 3
