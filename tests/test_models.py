"""The database itself refuses data that would break the session's invariants."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, transaction

from interview import models
from interview.models import CommandReceipt, Event, Question

from .factories import answer_of, owner_seat, round_of, score_of, seat, session_for

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_a_session_has_at_most_one_open_round(interviewer, bank):
    session = session_for(interviewer)
    question = Question.objects.first()
    round_of(session, question, open_=True)
    round_of(session, question)  # a closed one beside it is fine
    assert refused(lambda: round_of(session, question, open_=True))


def test_event_numbers_are_unique_per_session(interviewer):
    session, other = session_for(interviewer), session_for(interviewer)
    Event.objects.create(session=session, seq=1, type="round.opened")
    Event.objects.create(session=other, seq=1, type="round.opened")
    assert refused(lambda: Event.objects.create(session=session, seq=1, type="round.closed"))


def test_an_interviewer_scores_an_answer_once(interviewer, bank):
    session = session_for(interviewer)
    answer = answer_of(round_of(session, Question.objects.first()), seat(session, "Ann"))
    score_of(answer, owner_seat(session), 7)
    assert refused(lambda: score_of(answer, owner_seat(session), 8))


def test_a_score_above_ten_is_refused(interviewer, bank):
    session = session_for(interviewer)
    answer = answer_of(round_of(session, Question.objects.first()), seat(session, "Ann"))
    assert refused(lambda: score_of(answer, owner_seat(session), 11))


def test_a_candidate_has_one_answer_per_round(interviewer, bank):
    session = session_for(interviewer)
    rnd, ann = round_of(session, Question.objects.first()), seat(session, "Ann")
    answer_of(rnd, ann)
    assert refused(lambda: answer_of(rnd, ann, "again"))


def test_a_command_id_is_recorded_once_per_participant(interviewer):
    session = session_for(interviewer)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    CommandReceipt.objects.create(participant=ann, command_id="c1", type="ping")
    CommandReceipt.objects.create(participant=ben, command_id="c1", type="ping")
    assert refused(
        lambda: CommandReceipt.objects.create(participant=ann, command_id="c1", type="ping")
    )


def test_question_difficulty_outside_one_to_three_is_refused(db):
    def make():
        Question.objects.create(
            slug="x", category="Core Python", difficulty=4, title="x", prompt="x",
            model_answer="x", key_points=["x"],
        )  # fmt: skip

    assert refused(make)


# --- one package, one app ------------------------------------------------------------------


def test_every_model_of_the_app_is_importable_from_the_package():
    exported = {name for name in models.__all__ if isinstance(getattr(models, name), type)}
    app_models = {model.__name__ for model in apps.get_app_config("interview").get_models()}
    assert app_models == exported - {"Category"}


def test_every_model_keeps_the_apps_label_and_its_table():
    for model in apps.get_app_config("interview").get_models():
        assert model._meta.app_label == "interview"
        assert model._meta.db_table == f"interview_{model.__name__.lower()}"


def test_the_models_need_no_new_migration(db):
    # Raises SystemExit (status 1) when a model differs from what the migrations make.
    call_command("makemigrations", "interview", "--check", "--dry-run", verbosity=0)
