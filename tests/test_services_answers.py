"""Services of answers: each submit a revision, its coverage, its cost in statements."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from interview.content.coverage import coverage_of
from interview.domain import services
from interview.domain.errors import Refusal
from interview.domain.protocol import Command, CommandType
from interview.models import (
    Answer,
    AnswerRevision,
    Event,
    Question,
    Round,
)

from .services_kit import (
    command,
    live,  # noqa: F401 (fixture)
    push,
    racing,
    statements_of,
)


@pytest.mark.django_db
def test_each_submit_is_a_new_revision_of_one_answer(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    first = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    second = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="b")
    assert first.id == second.id
    assert second.revision == 2
    assert list(second.revisions.values_list("revision", "text")) == [(1, "a"), (2, "b")]


@pytest.mark.django_db
def test_each_revision_keeps_its_key_point_coverage_and_the_event_carries_it(live):
    session, panel, ann, _ = live
    question = Question.objects.first()
    rnd = push(session, panel, question)
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="no idea")
    good = services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text=question.model_answer
    )
    none = {"points": [False] * len(question.key_points), "suggested_score": 0}
    assert good.coverage == coverage_of(question.model_answer, question.key_points)
    assert good.coverage["suggested_score"] >= 8
    assert list(good.revisions.values_list("coverage", flat=True)) == [none, good.coverage]
    good.refresh_from_db()
    assert good.coverage == coverage_of(question.model_answer, question.key_points)
    events = Event.objects.filter(session=session, type="answer.submitted").order_by("seq")
    assert [e.payload["coverage"] for e in events] == [none, good.coverage]


@pytest.mark.django_db
def test_coverage_reads_the_key_points_the_round_asked_not_the_banks_later_edit(live):
    session, panel, ann, _ = live
    question = Question.objects.first()
    rnd = push(session, panel, question)
    Question.objects.filter(pk=question.pk).update(key_points=["something else entirely"])
    answer = services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text=question.model_answer
    )
    assert len(answer.coverage["points"]) == len(question.key_points)


@pytest.mark.django_db
def test_an_answer_after_the_deadline_is_refused_even_before_the_clock_closes_it(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Refusal) as refused:
        services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="late")
    assert refused.value.code == "round_closed"
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_an_answer_costs_a_fixed_handful_of_queries(live, django_assert_max_num_queries):
    """Every query of a command is paid at every submit of every candidate of every session.

    The transaction's start; the session's lock with the round, the standing and the receipt;
    the answer's upsert; the revision, the candidate's count of answers (a first answer), the
    session's seq, the event and the receipt's insert (one statement on PostgreSQL, five on
    SQLite); the transaction's end.
    """
    session, panel, ann, _ = live
    rnd = push(session, panel)
    submit = Command(CommandType.ANSWER_SUBMIT, "a1", {"round_id": rnd.id, "text": "x"})
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 9):
        services.command_execute(participant=ann, command=submit)


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_answer_submit_is_two_statements_first_revised_and_scored(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    submit = {"round_id": rnd.id, "text": "x"}
    assert len(statements_of(ann, command(CommandType.ANSWER_SUBMIT, submit))) == 2
    assert len(statements_of(ann, command(CommandType.ANSWER_SUBMIT, submit))) == 2
    answer = Answer.objects.get()
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    # A scored answer's new revision moves its candidate's tie-break as well.
    assert len(statements_of(ann, command(CommandType.ANSWER_SUBMIT, submit))) == 2
    assert Answer.objects.get().revision == 3
    # A first answer's id comes with the read, and is the one the database keeps.
    submitted = services.command_execute(
        participant=ben, command=command(CommandType.ANSWER_SUBMIT, submit)
    )
    assert Answer.objects.get(participant=ben).id == submitted["answer_id"] != answer.id


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_waited_for_the_lock_while_its_round_closed_is_refused(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    refused = []

    def submit():
        try:
            services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="t")
        except Refusal as error:
            refused.append(error.code)

    racing(lambda: services.round_close(session=session, participant=panel), submit)
    assert refused == ["round_closed"]
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_the_migration_fills_the_coverage_of_answers_stored_before(live):
    session, panel, ann, _ = live
    question = Question.objects.first()
    rnd = push(session, panel, question)
    for text in ("first try", question.model_answer):
        answer = services.answer_submit(
            session=session, participant=ann, round_id=rnd.id, text=text
        )
    kept_coverage = list(AnswerRevision.objects.values_list("coverage", flat=True))
    Answer.objects.update(coverage=None)
    AnswerRevision.objects.update(coverage=None)
    fill = importlib.import_module("interview.migrations.0005_answer_coverage").coverage_fill
    fill(django_apps, None)
    answer.refresh_from_db()
    assert answer.coverage == kept_coverage[-1]
    assert list(AnswerRevision.objects.values_list("coverage", flat=True)) == kept_coverage
