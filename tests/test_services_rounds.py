"""Services of rounds: a push, its close, the clock's close of due rounds."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import close_old_connections
from django.utils import timezone

from interview.domain import services
from interview.domain.protocol import CommandType
from interview.models import (
    Event,
    Question,
    Round,
)

from .factories import owner_seat
from .services_kit import (
    command,
    events_of,
    live,  # noqa: F401 (fixture)
    push,
    statements_of,
)


@pytest.mark.django_db
def test_opening_a_round_makes_the_session_live_and_appends_round_opened(live):
    session, panel, _, _ = live
    rnd = push(session, panel, time_limit_s=42)
    session.refresh_from_db()
    assert session.status == "live"
    assert (rnd.position, rnd.time_limit_s) == (1, 42)
    assert abs((rnd.deadline - rnd.opened_at).total_seconds() - 42) < 0.01
    assert events_of(session) == [(1, "round.opened")]
    assert session.last_seq == 1


@pytest.mark.django_db
def test_the_sessions_time_limit_applies_when_the_push_names_none(interviewer, bank):
    session = services.session_create(owner=interviewer, title="t", time_limit_s=77).session
    assert push(session, owner_seat(session)).time_limit_s == 77


@pytest.mark.django_db
def test_a_new_round_closes_the_open_one_with_next_question(live):
    session, panel, _, _ = live
    first = push(session, panel)
    push(session, panel)
    first.refresh_from_db()
    assert first.close_reason == "next_question"
    assert events_of(session) == [(1, "round.opened"), (2, "round.closed"), (3, "round.opened")]


@pytest.mark.django_db
def test_a_push_after_a_passed_deadline_closes_the_old_round_for_the_deadline(live):
    session, panel, _, _ = live
    first = push(session, panel)
    Round.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    push(session, panel)  # before any clock tick
    first.refresh_from_db()
    assert first.close_reason == "deadline"
    assert events_of(session) == [(1, "round.opened"), (2, "round.closed"), (3, "round.opened")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_question_push_is_at_most_four_statements_with_or_without_an_open_round(live):
    session, panel, _, _ = live
    question = {"question_id": Question.objects.first().id}
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    Round.objects.filter(closed_at=None).update(deadline=timezone.now() - timedelta(seconds=1))
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    reasons = Round.objects.order_by("position").values_list("close_reason", flat=True)
    assert list(reasons) == ["next_question", "deadline", ""]
    assert [t for _, t in events_of(session)] == [
        "round.opened",
        *(["round.closed", "round.opened"] * 2),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_clocks_close_a_due_round_exactly_once(live):
    session, panel, _, _ = live
    rnd = push(session, panel)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    start = threading.Barrier(4)
    closed: list[int] = []

    def one_process():
        try:
            start.wait()
            closed.append(services.rounds_close_due())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=one_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(closed) == 1
    assert Event.objects.filter(session=session, type="round.closed").count() == 1
    rnd.refresh_from_db()
    assert rnd.close_reason == "deadline"


@pytest.mark.django_db
def test_the_migration_fills_each_rounds_copy_of_its_question(live):
    session, panel, _, _ = live
    rounds = [push(session, panel, question) for question in Question.objects.all()[:2]]
    copied = ["title", "prompt", "category", "difficulty", "model_answer", "key_points"]
    blank = {"title": "", "prompt": "", "category": "", "difficulty": 0, "model_answer": ""}
    Round.objects.update(**blank, key_points=[])
    fill = importlib.import_module(
        "interview.migrations.0004_round_question_copy_and_question_owner"
    ).rounds_fill
    fill(django_apps, None)
    for rnd in rounds:
        rnd.refresh_from_db()
        question = rnd.question
        assert [getattr(rnd, f) for f in copied] == [getattr(question, f) for f in copied]
