"""Services: every change of state, its event, and the rules the database enforces."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from interview import services
from interview.errors import ServiceError
from interview.models import Answer, Event, InterviewSession, Question, Round
from interview.protocol import Command, CommandType
from interview.selectors import leaderboard_for

from .factories import owner_seat, seat, session_for


@pytest.fixture
def live(interviewer, bank):
    """A session with a panel of one and two candidates."""
    session = session_for(interviewer)
    return session, owner_seat(session), seat(session, "Ann"), seat(session, "Ben")


def push(session, panel, question=None, **extra) -> Round:
    question = question or Question.objects.first()
    return services.round_open(session=session, participant=panel, question_id=question.id, **extra)


def events_of(session) -> list[tuple[int, str]]:
    return list(Event.objects.filter(session=session).values_list("seq", "type"))


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
def test_each_submit_is_a_new_revision_of_one_answer(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    first = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    second = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="b")
    assert first.id == second.id
    assert second.revision == 2
    assert list(second.revisions.values_list("revision", "text")) == [(1, "a"), (2, "b")]


@pytest.mark.django_db
def test_an_answer_after_the_deadline_is_refused_even_before_the_clock_closes_it(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError) as refused:
        services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="late")
    assert refused.value.code == "round_closed"
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_push_after_a_passed_deadline_closes_the_old_round_for_the_deadline(live):
    session, panel, _, _ = live
    first = push(session, panel)
    Round.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    push(session, panel)  # before any clock tick
    first.refresh_from_db()
    assert first.close_reason == "deadline"
    assert events_of(session) == [(1, "round.opened"), (2, "round.closed"), (3, "round.opened")]


@pytest.mark.django_db
def test_an_answer_costs_a_fixed_handful_of_queries(live, django_assert_max_num_queries):
    """Every query of a command is paid at every submit of every candidate of every session.

    The transaction's start; the session's lock with the round, the standing and the receipt;
    the answer's upsert; the revision, the session's seq, the event and the receipt's insert
    (one statement on PostgreSQL, four on SQLite); the transaction's end.
    """
    session, panel, ann, _ = live
    rnd = push(session, panel)
    submit = Command(CommandType.ANSWER_SUBMIT, "a1", {"round_id": rnd.id, "text": "x"})
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 8):
        services.command_execute(participant=ann, command=submit)


@pytest.mark.django_db
def test_the_answers_score_is_the_panels_mean_of_their_newest_scores(live, other_interviewer):
    session, panel, ann, _ = live
    session.panel_invite_hash = ""
    rnd = push(session, panel)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    bob = services._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    assert services.answer_score(
        session=session, participant=bob, answer_id=answer.id, score=8
    ) == pytest.approx(6)
    assert services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=10
    ) == pytest.approx(9)
    assert answer.scores.count() == 2


@pytest.mark.django_db
def test_the_leaderboard_sums_rounds_and_breaks_ties_by_earlier_submission(live):
    session, panel, ann, ben = live
    r1 = push(session, panel)
    ben_answer = services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b")
    ann_answer = services.answer_submit(session=session, participant=ann, round_id=r1.id, text="a")
    for answer in (ann_answer, ben_answer):
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    board = leaderboard_for(session)
    assert [(row.name, row.total, row.rank) for row in board] == [("Ben", 5, 1), ("Ann", 5, 2)]
    r2 = push(session, panel)
    late = services.answer_submit(session=session, participant=ann, round_id=r2.id, text="a2")
    services.answer_score(session=session, participant=panel, answer_id=late.id, score=1)
    assert [(row.name, row.total) for row in leaderboard_for(session)] == [("Ann", 6), ("Ben", 5)]


@pytest.mark.django_db
def test_the_leaderboard_costs_the_same_queries_for_any_number_of_candidates(
    live, django_assert_num_queries
):
    session, panel, ann, ben = live

    def play(candidates):
        rnd = push(session, panel)
        for candidate in candidates:
            answer = services.answer_submit(
                session=session, participant=candidate, round_id=rnd.id, text="x"
            )
            services.answer_score(session=session, participant=panel, answer_id=answer.id, score=3)

    play([ann, ben])
    with django_assert_num_queries(1):
        assert len(leaderboard_for(session)) == 2
    play([seat(session, f"C{n}") for n in range(12)] + [ann])
    with django_assert_num_queries(1):
        assert len(leaderboard_for(session)) == 14


@pytest.mark.django_db
def test_finishing_closes_the_open_round_and_only_the_owner_may(live, other_interviewer):
    session, panel, _, _ = live
    push(session, panel)
    bob = services._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    with pytest.raises(ServiceError, match="owner"):
        services.session_finish(session=session, participant=bob)
    services.session_finish(session=session, participant=panel)
    assert session.status == "finished"
    assert [t for _, t in events_of(session)][-2:] == ["round.closed", "session.finished"]
    with pytest.raises(ServiceError) as again:
        services.session_finish(session=session, participant=panel)
    assert again.value.code == "session_finished"


@pytest.mark.django_db
def test_a_refused_command_changes_nothing(live):
    session, _, ann, _ = live
    command = Command(CommandType.ANSWER_SUBMIT, "x1", {"round_id": 12345, "text": "t"})
    with pytest.raises(ServiceError):
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


@pytest.mark.django_db
def test_presence_comes_with_the_first_socket_and_goes_with_the_last(live):
    _, _, ann, _ = live
    assert services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    assert not services.connection_open(participant=ann, channel_name="a2", server_id="s2")
    assert not services.connection_close(channel_name="a1")
    assert services.connection_close(channel_name="a2")
    assert not services.connection_close(channel_name="a2")  # already gone: no second "left"


@pytest.mark.django_db
def test_sockets_of_a_dead_process_are_reaped_and_their_owner_goes_offline(live):
    from interview.models import Connection
    from interview.selectors import PRESENCE_STALE_AFTER, online_ids

    session, _, ann, ben = live
    services.connection_open(participant=ann, channel_name="dead", server_id="gone")
    services.connection_open(participant=ben, channel_name="alive", server_id="here")
    assert online_ids(session) == {ann.id, ben.id}
    Connection.objects.filter(server_id="gone").update(
        heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER - timedelta(seconds=1)
    )
    assert online_ids(session) == {ben.id}
    assert services.connections_reap() == 1
    assert list(Connection.objects.values_list("channel_name", flat=True)) == ["alive"]


@pytest.mark.django_db
def test_a_dropped_socket_keeps_its_participant_online_for_the_grace_period(live):
    from interview.selectors import PRESENCE_GRACE, online_ids

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    assert not services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    assert online_ids(session) == {ann.id}
    # Back within the grace period: no second arrival is announced.
    assert not services.connection_open(participant=ann, channel_name="a2", server_id="s1")
    assert services.connections_reap() == 0


@pytest.mark.django_db
def test_after_the_grace_period_the_reaper_announces_the_departure(live):
    from interview.models import Connection
    from interview.selectors import PRESENCE_GRACE, PRESENCE_STALE_AFTER, online_ids

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    Connection.objects.update(heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER)
    assert online_ids(session) == set()
    assert services.connections_reap() == 1
    assert not Connection.objects.exists()
