"""Running commands: a refusal changes nothing, a repeated command id has its effect once."""

import threading

import pytest
from django.db import close_old_connections

from interview.domain import services
from interview.domain.errors import Refusal
from interview.domain.protocol import Command, CommandType
from interview.models import (
    Answer,
    InterviewSession,
    Question,
    Round,
)

from .factories import owner_seat
from .services_kit import (
    answer_totals_kept,
    answered,  # noqa: F401 (fixture)
    events_of,
    kept,
    live,  # noqa: F401 (fixture)
    push,
    racing,
)


@pytest.mark.django_db
def test_a_refused_command_changes_nothing(live):
    session, _, ann, _ = live
    command = Command(CommandType.ANSWER_SUBMIT, "x1", {"round_id": 12345, "text": "t"})
    with pytest.raises(Refusal):
        services.command_execute(participant=ann, command=command)
    assert ann.receipts.count() == 0
    assert events_of(session) == []


@pytest.mark.django_db
def test_a_command_id_repeated_returns_the_first_result_without_a_second_effect(live):
    _, panel, _, _ = live
    question = Question.objects.first()
    command = Command(CommandType.QUESTION_PUSH, "same", {"question_id": question.id})
    first = services.command_execute(participant=panel, command=command)
    again = services.command_execute(participant=panel, command=command)
    assert first == again
    assert Round.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_command_retried_concurrently_has_its_effect_once(live):
    session, _, ann, _ = live
    panel = owner_seat(session)
    rnd = push(session, panel)
    command = Command(CommandType.ANSWER_SUBMIT, "retry", {"round_id": rnd.id, "text": "t"})
    start = threading.Barrier(3)
    results: list[dict] = []

    def one_socket():
        try:
            start.wait()
            results.append(services.command_execute(participant=ann, command=command))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=one_socket) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3
    assert all(result == results[0] for result in results)
    assert Answer.objects.get().revision == 1
    session = InterviewSession.objects.get(pk=session.pk)
    assert session.last_seq == 2


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_waited_for_the_lock_gets_the_first_result_without_a_second_effect(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    submit = Command(CommandType.ANSWER_SUBMIT, "retry", {"round_id": rnd.id, "text": "t"})
    receipt = services.Receipt(ann.id, submit.receipt_id, submit.type)
    results = []
    racing(
        lambda: services.answer_submit(
            session=session, participant=ann, round_id=rnd.id, text="t", receipt=receipt
        ),
        lambda: results.append(services.command_execute(participant=ann, command=submit)),
    )
    assert results == [receipt.result]
    assert Answer.objects.get().revision == 1
    assert InterviewSession.objects.get(pk=session.pk).last_seq == 2


@pytest.mark.parametrize(
    "kind",
    [CommandType.QUESTION_PUSH, CommandType.ANSWER_SUBMIT, CommandType.ANSWER_SCORE],
)
@pytest.mark.django_db
def test_each_hot_command_repeated_returns_its_first_result_and_changes_nothing(answered, kind):
    session, panel, ann, answer = answered
    sender, data = {
        CommandType.QUESTION_PUSH: (panel, {"question_id": Question.objects.first().id}),
        CommandType.ANSWER_SUBMIT: (ann, {"round_id": answer.round_id, "text": "b"}),
        CommandType.ANSWER_SCORE: (panel, {"answer_id": answer.id, "score": 6}),
    }[kind]
    once = Command(kind, 7, data)
    first = services.command_execute(participant=sender, command=once)
    state = (events_of(session), answer_totals_kept(session), kept(session))
    assert services.command_execute(participant=sender, command=once) == first
    assert (events_of(session), answer_totals_kept(session), kept(session)) == state
