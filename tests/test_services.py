"""Services: every change of state, its event, and the rules the database enforces."""

import importlib
import itertools
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.content.coverage import coverage_of
from interview.domain import selectors, services
from interview.domain.errors import ServiceError
from interview.domain.protocol import SIGNALS_PER_ROUND, Command, CommandType
from interview.domain.selectors import leaderboard_for
from interview.models import (
    Answer,
    AnswerRevision,
    Draft,
    DraftSnapshot,
    Event,
    InterviewSession,
    Participant,
    Question,
    Round,
    SignalTally,
    Standing,
)

from .conftest import make_interviewer
from .factories import owner_seat, seat, session_for


@pytest.fixture
def live(interviewer, bank):
    """A session with a panel of one and two candidates."""
    session = session_for(interviewer)
    return session, owner_seat(session), seat(session, "Ann"), seat(session, "Ben")


@pytest.fixture
def answered(live):
    """The live session with a round open and Ann's answer to it."""
    session, panel, ann, _ = live
    rnd = push(session, panel)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    return session, panel, ann, answer


def push(session, panel, question=None, **extra) -> Round:
    question = question or Question.objects.first()
    return services.round_open(session=session, participant=panel, question_id=question.id, **extra)


def events_of(session) -> list[tuple[int, str]]:
    return list(Event.objects.filter(session=session).values_list("seq", "type"))


def panel_member(session, user):
    return services._participant_new(
        session=session, role="interviewer", display_name=user.username, user=user
    ).participant


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
    the answer's upsert; the revision, the candidate's count of answers (a first answer), the
    session's seq, the event and the receipt's insert (one statement on PostgreSQL, five on
    SQLite); the transaction's end.
    """
    session, panel, ann, _ = live
    rnd = push(session, panel)
    submit = Command(CommandType.ANSWER_SUBMIT, "a1", {"round_id": rnd.id, "text": "x"})
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 9):
        services.command_execute(participant=ann, command=submit)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements_of(participant, command: Command) -> list[str]:
    """The statements a command runs inside its one transaction (begin and end aside)."""
    with CaptureQueriesContext(connection) as captured:
        services.command_execute(participant=participant, command=command)
    queries = [query["sql"] for query in captured.captured_queries]
    assert queries[0].startswith(("BEGIN", "SAVEPOINT")), queries
    assert queries[-1].startswith(("COMMIT", "RELEASE SAVEPOINT")), queries
    return [sql for sql in queries if not sql.startswith(TRANSACTION_CONTROL)]


def command(kind: CommandType, data: dict) -> Command:
    """A command with an id of its own, so its receipt is written too."""
    return Command(kind, f"{kind}-{next(command_ids)}", data)


command_ids = itertools.count()


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


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_answer_score_is_at_most_four_statements_first_rescored_and_by_a_second_member(
    answered, other_interviewer
):
    session, panel, _, answer = answered
    bob = panel_member(session, other_interviewer)
    for scorer, data in (
        (panel, {"score": 4, "feedback": "ok"}),
        (panel, {"score": 6}),
        (bob, {"score": 9, "feedback": "good"}),
    ):
        scored = command(CommandType.ANSWER_SCORE, {"answer_id": answer.id, **data})
        assert len(statements_of(scorer, scored)) <= 4
    assert leaderboard_for(session)[0].total == 7.5


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
    # A new revision of a scored answer is a later submission.
    services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b, again")
    assert [row.name for row in leaderboard_for(session)] == ["Ann", "Ben"]
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
def test_after_the_finish_the_panel_still_scores_and_only_the_sessions_course_is_refused(
    answered,
):
    session, panel, ann, answer = answered
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    services.session_finish(session=session, participant=panel)
    mean = services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=9, feedback="Well argued."
    )
    assert mean == 9
    assert [t for _, t in events_of(session)][-2:] == ["score.updated", "feedback.updated"]
    # The candidate's own results and the panel's say so at once.
    (mine,) = selectors.candidate_results(ann)["rounds"]
    assert (mine["answer"]["score"], mine["answer"]["scores"][0]["feedback"]) == (9, "Well argued.")
    (ann_row,) = [c for c in selectors.results_for(session)["candidates"] if c["name"] == "Ann"]
    assert (ann_row["total"], ann_row["rounds"][0]["score"]) == (9, 9)
    # What changes the session's course stays refused.
    rnd = answer.round
    refused = [
        lambda: push(session, panel),
        lambda: services.round_extend(
            session=session, participant=panel, participant_id=ann.id, seconds=60
        ),
        lambda: services.participant_accommodate(
            session=session, participant=panel, participant_id=ann.id, extra_time_pct=50
        ),
        lambda: services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="b"),
        lambda: services.signal_report(
            session=session, participant=ann, round_id=rnd.id, kind="visible"
        ),
    ]
    for command in refused:
        with pytest.raises(ServiceError) as refusal:
            command()
        assert refusal.value.code == "session_finished"


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
    from interview.domain.selectors import PRESENCE_STALE_AFTER, online_ids
    from interview.models import Connection

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
    from interview.domain.selectors import PRESENCE_GRACE, online_ids

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    assert not services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    assert online_ids(session) == {ann.id}
    # Back within the grace period: no second arrival is announced.
    assert not services.connection_open(participant=ann, channel_name="a2", server_id="s1")
    assert services.connections_reap() == 0


@pytest.mark.django_db
def test_after_the_grace_period_the_reaper_announces_the_departure(live):
    from interview.domain.selectors import PRESENCE_GRACE, PRESENCE_STALE_AFTER, online_ids
    from interview.models import Connection

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    Connection.objects.update(heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER)
    assert online_ids(session) == set()
    assert services.connections_reap() == 1
    assert not Connection.objects.exists()


def racing(first, second) -> None:
    """Run ``first`` in a transaction that keeps the session's lock until ``second``, in
    another thread, waits for it; then commit ``first`` and let ``second`` finish."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                first()
                holding.set()
                release.wait(10)
        finally:
            close_old_connections()

    def wait():
        try:
            second()
        finally:
            close_old_connections()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the waiter's first statement now waits for the lock
    release.set()
    for thread in (holder, waiter):
        thread.join(15)


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


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_waited_for_the_lock_while_its_round_closed_is_refused(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    refused = []

    def submit():
        try:
            services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="t")
        except ServiceError as error:
            refused.append(error.code)

    racing(lambda: services.round_close(session=session, participant=panel), submit)
    assert refused == ["round_closed"]
    assert not Answer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_members_scoring_one_answer_at_once_both_count(answered, other_interviewer):
    session, panel, _, answer = answered
    bob = panel_member(session, other_interviewer)
    racing(
        lambda: services.answer_score(
            session=session, participant=panel, answer_id=answer.id, score=4
        ),
        lambda: services.answer_score(
            session=session, participant=bob, answer_id=answer.id, score=9
        ),
    )
    answer.refresh_from_db()
    assert (answer.score_sum, answer.score_count) == (13, 2)
    assert leaderboard_for(session)[0].total == 6.5


# --- the kept leaderboard against one computed from scratch ---------------------------------


class RankingFromScratch:
    """The ranking rules as a model of their own: every score as given, each answer's mean as
    the author and the room were shown it (when the whole panel had saved a score since they
    were last shown one), and each candidate's rounds asked and answered since they joined."""

    def __init__(self, ranking: str, panel: list[int]) -> None:
        self.ranking, self.panel = ranking, set(panel)
        self.rounds = 0
        self.joined: dict[int, int] = {}  # candidate -> the first round asked while present
        self.answers: dict[int, int] = {}  # answer -> its author
        self.scores: dict[int, dict[int, int]] = defaultdict(dict)
        self.pending: dict[int, set[int]] = defaultdict(set)
        self.shown: dict[int, Fraction] = {}

    def join(self, candidate: int) -> None:
        self.joined[candidate] = max(self.rounds, 1)

    def push(self) -> None:
        self.rounds += 1

    def submit(self, answer: int, candidate: int) -> None:
        self.answers[answer] = candidate

    def score(self, answer: int, member: int, score: int) -> None:
        self.scores[answer][member] = score
        self.pending[answer].add(member)
        if self.pending[answer] >= self.panel:
            given = self.scores[answer].values()
            self.shown[answer] = Fraction(sum(given), len(given))
            self.pending[answer].clear()

    def leaderboard(self, session) -> list[dict]:
        names = dict(
            Participant.objects.filter(session=session, role="candidate").values_list(
                "id", "display_name"
            )
        )
        submitted = dict(
            Answer.objects.filter(round__session=session).values_list("id", "submitted_at")
        )
        never = datetime.max.replace(tzinfo=None)
        rows = []
        for candidate, joined in self.joined.items():
            mine = [a for a, author in self.answers.items() if author == candidate]
            total = sum((self.shown[a] for a in mine if a in self.shown), Fraction(0))
            asked = self.rounds - joined + 1 if self.rounds >= joined else 0
            mean = total / asked if asked else Fraction(0)
            scored = [submitted[a].replace(tzinfo=None) for a in mine if a in self.shown]
            value = total if self.ranking == "total" else mean
            order = (-value, -len(mine), max(scored, default=never), candidate)
            rows.append((order, candidate, total, mean, len(mine), joined))
        return [
            {
                "participant_id": candidate,
                "name": names[candidate],
                "total": round(float(total), 2),
                "rank": rank,
                "mean": round(float(mean), 2),
                "answered": answered,
                "joined_at": joined,
            }
            for rank, (_, candidate, total, mean, answered, joined) in enumerate(
                sorted(rows), start=1
            )
        ]


def kept(session) -> list[dict]:
    return [row.as_dict() for row in leaderboard_for(session)]


def from_scratch(session, panel, candidates) -> list[dict]:
    """The leaderboard computed from every score, of a session whose candidates all joined
    before its first push, scored by a panel of one."""
    model = RankingFromScratch("total", [panel.id])
    for candidate in candidates:
        model.join(candidate.id)
    for _ in range(session.rounds.count()):
        model.push()
    for answer in Answer.objects.filter(round__session=session):
        model.submit(answer.id, answer.participant_id)
        for score in answer.scores.all():
            model.score(answer.id, score.interviewer_id, score.score)
    return model.leaderboard(session)


def answer_totals_from_scratch(session) -> dict[int, tuple[int, int]]:
    return {
        answer_id: (total or 0, count)
        for answer_id, total, count in Answer.objects.filter(round__session=session)
        .annotate(total=Sum("scores__score"), count=Count("scores"))
        .values_list("id", "total", "count")
    }


def answer_totals_kept(session) -> dict[int, tuple[int, int]]:
    return {
        answer_id: (total, count)
        for answer_id, total, count in Answer.objects.filter(round__session=session).values_list(
            "id", "score_sum", "score_count"
        )
    }


@pytest.fixture
def third_interviewer(db):
    return make_interviewer("carol")


plays = st.lists(
    st.one_of(
        st.tuples(st.just("push")),
        st.tuples(st.just("join")),
        st.tuples(st.just("submit"), st.integers(0, 4)),
        # Scores of 0, 5 and 10 by a panel of three make equal totals and thirds alike.
        st.tuples(
            st.just("score"),
            st.integers(0, 2),
            st.integers(0, 4),
            st.integers(0, 3),
            st.sampled_from([0, 5, 10, 7]),
        ),
    ),
    max_size=40,
)


@pytest.mark.django_db
@given(plays=plays, ranking=st.sampled_from(["total", "mean"]))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_kept_leaderboard_is_the_one_computed_from_scratch(
    interviewer, other_interviewer, third_interviewer, bank, unbounded_sessions, plays, ranking
):
    """By either rule, whoever joins when, however the panel of three scores: the kept
    standings rank as the rules computed from every score would, ties to more answers."""
    session = session_for(interviewer, ranking=ranking)
    panel = [owner_seat(session)] + [
        panel_member(session, user) for user in (other_interviewer, third_interviewer)
    ]
    model = RankingFromScratch(ranking, [member.id for member in panel])
    candidates = []
    for name in ("Ann", "Ben"):
        candidates.append(seat(session, name))
        model.join(candidates[-1].id)
    rounds: list[Round] = []
    answers: dict[tuple[int, int], int] = {}
    for play in plays:
        if play[0] == "push" or (play[0] != "join" and not rounds):
            rounds.append(push(session, panel[0]))
            model.push()
        if play[0] == "join" and len(candidates) < 5:
            candidates.append(seat(session, f"Late {len(candidates)}"))
            model.join(candidates[-1].id)
        elif play[0] == "submit" and play[1] < len(candidates):
            candidate = candidates[play[1]]
            answer = services.answer_submit(
                session=session, participant=candidate, round_id=rounds[-1].id, text="a"
            )
            answers[(play[1], len(rounds) - 1)] = answer.id
            model.submit(answer.id, candidate.id)
        elif play[0] == "score":
            _, member, candidate, back, score = play
            answer_id = answers.get((candidate, max(len(rounds) - 1 - back, 0)))
            if answer_id is not None:
                services.answer_score(
                    session=session, participant=panel[member], answer_id=answer_id, score=score
                )
                model.score(answer_id, panel[member].id, score)
        assert kept(session) == model.leaderboard(session)
    assert answer_totals_kept(session) == answer_totals_from_scratch(session)


@pytest.mark.django_db
def test_a_panel_of_three_giving_thirds_sums_exactly(live, other_interviewer, third_interviewer):
    """Means of 1/3 and 2/3 add up to the same total as two answers of 1 and 0."""
    session, panel, ann, ben = live
    members = [panel, *(panel_member(session, u) for u in (other_interviewer, third_interviewer))]
    r1 = push(session, panel)
    ann_1 = services.answer_submit(session=session, participant=ann, round_id=r1.id, text="a")
    ben_1 = services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b")
    r2 = push(session, panel)
    ben_2 = services.answer_submit(session=session, participant=ben, round_id=r2.id, text="b")
    ann_2 = services.answer_submit(session=session, participant=ann, round_id=r2.id, text="a")
    for answer, scores in (
        (ann_1, (1, 0, 0)),
        (ann_2, (1, 1, 0)),
        (ben_1, (1, 1, 1)),
        (ben_2, (0, 0, 0)),
    ):
        for member, score in zip(members, scores, strict=True):
            services.answer_score(
                session=session, participant=member, answer_id=answer.id, score=score
            )
    board = kept(session)
    # Equal totals and answers: Ben's last scored answer came first.
    assert [(row["name"], row["total"]) for row in board] == [("Ben", 1.0), ("Ann", 1.0)]


@pytest.mark.django_db
def test_a_rescore_without_feedback_keeps_the_earlier_feedback_and_replaces_the_score(answered):
    session, panel, _, answer = answered
    services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=3, feedback="kept"
    )
    assert services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=8
    ) == pytest.approx(8)
    assert list(answer.scores.values_list("score", "feedback")) == [(8, "kept")]
    assert Event.objects.filter(type="score.updated").last().payload["feedback"] == "kept"


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


@pytest.mark.django_db
def test_the_migration_fills_answer_totals_and_standings_as_the_services_keep_them(
    live, other_interviewer
):
    session, panel, ann, ben = live
    bob = panel_member(session, other_interviewer)
    rnd = push(session, panel)
    for candidate, scores in ((ann, (3, 8)), (ben, (6, 6))):
        answer = services.answer_submit(
            session=session, participant=candidate, round_id=rnd.id, text="a"
        )
        for member, score in zip((panel, bob), scores, strict=True):
            services.answer_score(
                session=session, participant=member, answer_id=answer.id, score=score
            )
    seat(session, "Cy")
    board, totals = kept(session), answer_totals_kept(session)
    Standing.objects.all().delete()
    Answer.objects.update(score_sum=0, score_count=0, shown_sum=0, room_sum=0, room_count=0)
    for module, fill in (
        ("0003_standings_and_answer_score_totals", "standings_fill"),
        ("0011_ranking", "rankings_fill"),
    ):
        getattr(importlib.import_module(f"interview.migrations.{module}"), fill)(django_apps, None)
    assert (kept(session), answer_totals_kept(session)) == (board, totals)
    assert [row["name"] for row in board] == ["Ben", "Ann", "Cy"]
    assert [row["joined_at"] for row in board] == [1, 1, 1]


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


# --- display names -------------------------------------------------------------------------


def join(session, name: str, role: str = "candidate") -> Participant:
    return services.participant_join(session=session, role=role, display_name=name).participant


def refused_join(session, name: str, role: str = "candidate") -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        join(session, name, role)
    return refused.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Ann\u200b",  # zero-width space
        "\u200dAnn",  # zero-width joiner
        "\u202eAnn",  # right-to-left override
        "\u2066Ann\u2069",  # left-to-right isolate
        "\ufeffAnn",  # byte order mark
        "An\u00adn",  # soft hyphen
        "Ann\x07",  # BEL
        "\x1b[31mAnn",  # ESC, a terminal colour
        "Ann\x00",
        "Ann\tLee",
        "Ann\nLee",
        "Ann\u0085",  # next line
        "\u200b\u200b",  # blank without them
    ],
)
@pytest.mark.parametrize("role", ["candidate", "spectator"])
def test_a_name_with_a_control_or_format_character_is_invalid(interviewer, name, role):
    session = session_for(interviewer)
    error = refused_join(session, name, role)
    assert error.code == "invalid"
    assert error.message.startswith("display_name: must not contain control or invisible")
    assert not session.participants.exclude(role="interviewer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "\u3000", "\u00a0 \u2003"])
def test_a_name_of_white_space_alone_is_blank(interviewer, name):
    error = refused_join(session_for(interviewer), name)
    assert (error.code, error.message) == ("invalid", "display_name: must not be blank.")


@pytest.mark.django_db
def test_a_name_is_kept_in_nfc_with_its_spaces_collapsed(interviewer):
    participant = join(session_for(interviewer), "  Zoe\u0301 \u00a0 Lee ")
    assert participant.display_name == "Zo\u00e9 Lee"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ann", "aNN"),
        ("Zo\u00e9", "ZOE\u0301"),  # composed, then decomposed and upper case
        ("\u00c9milie", "\u00e9milie"),  # non-ASCII case, which SQLite's LIKE ignores
        ("stra\u00dfe", "STRASSE"),  # case folding, not just lower case
    ],
)
def test_two_candidates_names_that_differ_in_case_or_composition_are_one_name(
    interviewer, first, second
):
    session = session_for(interviewer)
    join(session, first)
    assert refused_join(session, second).code == "name_taken"
    assert join(session, second, "spectator").display_name  # spectators' names may repeat
    assert join(session_for(interviewer), second).display_name  # another session's may too


# --- extra time ---------------------------------------------------------------------------


def extend(session, panel, candidate, seconds: int) -> datetime:
    return services.round_extend(
        session=session, participant=panel, participant_id=candidate.id, seconds=seconds
    )


def accommodate(session, panel, candidate, pct: int) -> None:
    services.participant_accommodate(
        session=session, participant=panel, participant_id=candidate.id, extra_time_pct=pct
    )


def submit(session, candidate, rnd, text: str = "a") -> Answer:
    return services.answer_submit(
        session=session, participant=candidate, round_id=rnd.id, text=text
    )


def refused(service, **kwargs) -> str:
    with pytest.raises(ServiceError) as refusal:
        service(**kwargs)
    return refusal.value.code


def refused_submit(session, candidate, rnd) -> str:
    """The code a submit is refused with."""
    return refused(
        services.answer_submit, session=session, participant=candidate, round_id=rnd.id, text="x"
    )


@pytest.mark.django_db
def test_an_extension_moves_one_candidates_deadline_and_the_rounds_last(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    deadline = extend(session, panel, ann, 90)
    assert deadline == rnd.deadline + timedelta(seconds=90)
    rnd.refresh_from_db()
    assert rnd.extended_until == deadline
    assert list(rnd.personal_deadlines.values_list("participant_id", "deadline")) == [
        (ann.id, deadline)
    ]
    (extended,) = Event.objects.filter(session=session, type="round.extended")
    assert extended.audience == "panel_and_author"
    assert extended.payload == {
        "round_id": rnd.id,
        "participant_id": ann.id,
        "deadline": services.timestamp(deadline),
    }


@pytest.mark.django_db
def test_extensions_add_up(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 30)
    assert extend(session, panel, ann, 45) == rnd.deadline + timedelta(seconds=75)


@pytest.mark.django_db
def test_a_candidate_with_extra_time_answers_after_the_deadline_and_another_cannot(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 60)
    with time_machine.travel(rnd.deadline + timedelta(seconds=30), tick=False):
        assert submit(session, ann, rnd).revision == 1
        assert refused_submit(session, ben, rnd) == "round_closed"
    with time_machine.travel(rnd.deadline + timedelta(seconds=60), tick=False):
        assert refused_submit(session, ann, rnd) == "round_closed"
    assert list(Answer.objects.values_list("participant_id", "revision")) == [(ann.id, 1)]


@pytest.mark.django_db
def test_the_clock_closes_the_round_only_when_the_last_personal_deadline_passes(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 20)
    last = extend(session, panel, ben, 40)
    for moment in (rnd.deadline, rnd.deadline + timedelta(seconds=20), last - timedelta(seconds=1)):
        with time_machine.travel(moment, tick=False):
            assert services.rounds_close_due() == 0
    with time_machine.travel(last, tick=False):
        assert services.rounds_close_due() == 1
    rnd.refresh_from_db()
    assert (rnd.closed_at, rnd.close_reason) == (last, "deadline")
    assert [t for _, t in events_of(session)][-1] == "round.closed"


@pytest.mark.django_db
def test_the_interviewers_close_closes_the_round_for_everyone_with_time_left(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 600)
    with time_machine.travel(rnd.deadline + timedelta(seconds=5), tick=False):
        services.round_close(session=session, participant=panel)
        assert refused_submit(session, ann, rnd) == "round_closed"
    rnd.refresh_from_db()
    assert rnd.close_reason == "interviewer"


@pytest.mark.django_db
def test_a_push_while_someone_still_has_time_closes_the_round_as_the_next_question(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 60)
    with time_machine.travel(rnd.deadline + timedelta(seconds=5), tick=False):
        push(session, panel)
    rnd.refresh_from_db()
    assert rnd.close_reason == "next_question"


@pytest.mark.django_db
def test_an_extension_after_the_candidates_deadline_counts_from_now(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ben, 120)  # keeps the round open past Ann's deadline
    later = rnd.deadline + timedelta(seconds=50)
    with time_machine.travel(later, tick=False):
        assert extend(session, panel, ann, 30) == later + timedelta(seconds=30)
        assert submit(session, ann, rnd).revision == 1


@pytest.mark.django_db
def test_an_extension_needs_an_open_round(live):
    session, panel, ann, _ = live
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == "not_found"
    rnd = push(session, panel, time_limit_s=60)
    with time_machine.travel(rnd.deadline, tick=False):  # due, not yet closed by the clock
        assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == (
            "not_found"
        )
    services.round_close(session=session, participant=panel)
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == "not_found"
    assert not Event.objects.filter(type="round.extended").exists()


@pytest.mark.django_db
def test_only_a_candidate_of_the_session_gets_extra_time(live, other_interviewer):
    session, panel, _, _ = live
    push(session, panel)
    elsewhere = session_for(other_interviewer)
    strangers = [seat(session, "Wall", "spectator"), panel, seat(elsewhere, "Ann")]
    for stranger in strangers:
        for service, extra in (
            (services.round_extend, {"seconds": 30}),
            (services.participant_accommodate, {"extra_time_pct": 50}),
        ):
            code = refused(
                service, session=session, participant=panel, participant_id=stranger.id, **extra
            )
            assert code == "not_found", (stranger, service)
    assert [t for _, t in events_of(session)] == ["round.opened"]


@pytest.mark.django_db
def test_no_extra_time_after_the_session_finished(live):
    session, panel, ann, _ = live
    push(session, panel)
    services.session_finish(session=session, participant=panel)
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == (
        "session_finished"
    )
    assert refused(accommodate, session=session, panel=panel, candidate=ann, pct=50) == (
        "session_finished"
    )


@pytest.mark.django_db
def test_a_standing_accommodation_gives_its_share_of_every_later_round(live):
    session, panel, ann, ben = live
    first = push(session, panel, time_limit_s=100)
    accommodate(session, panel, ann, 50)
    ann.refresh_from_db()
    assert ann.extra_time_pct == 50
    assert not first.personal_deadlines.exists()  # the open round keeps what it gave
    assert Event.objects.get(type="time.accommodated").audience == "interviewers"
    for limit in (100, 40):
        rnd = push(session, panel, time_limit_s=limit)
        own = rnd.deadline + timedelta(seconds=limit / 2)
        assert list(rnd.personal_deadlines.values_list("participant_id", "deadline")) == [
            (ann.id, own)
        ]
        assert Round.objects.get(pk=rnd.pk).extended_until == own
        opened, extended = Event.objects.filter(session=session).order_by("-seq")[:2][::-1]
        assert (opened.type, extended.type) == ("round.opened", "round.extended")
        assert extended.payload["deadline"] == services.timestamp(own)
        with time_machine.travel(rnd.deadline + timedelta(seconds=1), tick=False):
            assert submit(session, ann, rnd).revision == 1
            assert refused_submit(session, ben, rnd) == "round_closed"
    accommodate(session, panel, ann, 0)
    assert not push(session, panel).personal_deadlines.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_extra_time_keeps_each_command_within_four_statements(live):
    _, panel, ann, ben = live
    accommodated = {"participant_id": ann.id, "extra_time_pct": 50}
    assert len(statements_of(panel, command(CommandType.TIME_ACCOMMODATE, accommodated))) <= 4
    question = {"question_id": Question.objects.first().id}
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    rnd = Round.objects.get(closed_at=None)
    extension = {"participant_id": ben.id, "seconds": 30}
    assert len(statements_of(panel, command(CommandType.TIME_EXTEND, extension))) <= 4
    submitted = {"round_id": rnd.id, "text": "x"}
    for candidate in (ann, ben, ann):
        assert len(statements_of(candidate, command(CommandType.ANSWER_SUBMIT, submitted))) <= 4
    assert rnd.personal_deadlines.count() == 2


# --- integrity signals ------------------------------------------------------------------------


def report(session, candidate, rnd, kind="blur", **extra):
    return services.signal_report(
        session=session, participant=candidate, round_id=rnd.id, kind=kind, **extra
    )


@pytest.mark.django_db
def test_a_signal_is_kept_as_the_panels_event_with_its_time(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    assert report(session, ann, rnd, "paste", chars=380) is True
    event = Event.objects.get(type="candidate.signal")
    assert (event.seq, event.audience) == (2, "interviewers")
    at = event.payload.pop("at")
    assert at.endswith("Z")
    assert event.payload == {
        "participant_id": ann.id,
        "round_id": rnd.id,
        "kind": "paste",
        "chars": 380,
    }


@pytest.mark.django_db
def test_past_a_hundred_signals_in_a_round_only_the_counter_rises(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    kept = [report(session, ann, rnd, kind) for kind in ["blur", "focus"] * 52]
    assert kept == [True] * SIGNALS_PER_ROUND + [False] * 4
    report(session, ben, rnd)
    assert Event.objects.filter(type="candidate.signal").count() == SIGNALS_PER_ROUND + 1
    tallies = SignalTally.objects.values_list("participant_id", "stored", "dropped")
    assert sorted(tallies) == sorted([(ann.id, SIGNALS_PER_ROUND, 4), (ben.id, 1, 0)])
    session.refresh_from_db()
    assert session.last_seq == 1 + SIGNALS_PER_ROUND + 1  # a dropped signal takes no seq
    second = push(session, panel)  # the bound is per round
    assert report(session, ann, second) is True


@pytest.mark.django_db
def test_a_signal_is_refused_like_an_answer(live, interviewer):
    session, panel, ann, _ = live
    other = session_for(interviewer, "Another")
    foreign = push(other, owner_seat(other))
    rnd = push(session, panel)
    for round_ in (foreign, rnd):
        Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    codes = []
    for round_ in (foreign, rnd):
        with pytest.raises(ServiceError) as refused:
            report(session, ann, round_)
        codes.append(refused.value.code)
    services.session_finish(session=session, participant=panel)
    with pytest.raises(ServiceError) as finished:
        report(session, ann, rnd)
    assert [*codes, finished.value.code] == ["not_found", "round_closed", "session_finished"]
    assert not SignalTally.objects.exists()
    assert not Event.objects.filter(type="candidate.signal").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_signal_report_is_two_statements_kept_or_dropped(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    signal = {"round_id": rnd.id, "kind": "paste", "chars": 12}
    assert len(statements_of(ann, command(CommandType.SIGNAL_REPORT, signal))) == 2
    SignalTally.objects.update(stored=SIGNALS_PER_ROUND)
    assert len(statements_of(ann, command(CommandType.SIGNAL_REPORT, signal))) == 2
    assert SignalTally.objects.get().dropped == 1


@pytest.mark.django_db
def test_a_candidate_with_more_time_reports_signals_after_the_rounds_deadline_as_she_answers(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert report(session, ann, rnd) is True
    assert (
        refused(
            services.signal_report, session=session, participant=ben, round_id=rnd.id, kind="blur"
        )
        == refused_submit(session, ben, rnd)
        == "round_closed"
    )


# --- drafts: nothing typed is lost ----------------------------------------------------------


def draft(session, candidate, rnd, text: str) -> None:
    services.answer_draft(session=session, participant=candidate, round_id=rnd.id, text=text)


def close_by_bell(session, panel, rnd) -> None:
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now())
    assert services.rounds_close_due(session_id=session.id) == 1


# Every way a round closes, each keeping the drafts alike.
CLOSES = {
    "bell": close_by_bell,
    "next push": lambda session, panel, rnd: push(session, panel),
    "interviewer": lambda session, panel, rnd: services.round_close(
        session=session, participant=panel
    ),
    "finish": lambda session, panel, rnd: services.session_finish(
        session=session, participant=panel
    ),
}


@pytest.mark.django_db
def test_the_latest_draft_is_one_row_per_candidate_and_round_and_an_event_for_the_panel(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    for text in ("def f", "def f():", "def f():\n    return 1"):
        draft(session, ann, rnd, text)
    draft(session, ben, rnd, "SELECT 1")
    assert sorted(Draft.objects.values_list("participant_id", "text")) == [
        (ann.id, "def f():\n    return 1"),
        (ben.id, "SELECT 1"),
    ]
    drafted = Event.objects.filter(type="answer.drafted").order_by("seq")
    assert {event.audience for event in drafted} == {"interviewers"}
    assert [event.payload["text"] for event in drafted][-2:] == [
        "def f():\n    return 1",
        "SELECT 1",
    ]
    assert set(drafted.last().payload) == {"round_id", "participant_id", "text", "at"}
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_draft_is_refused_like_an_answer_after_the_candidates_own_deadline(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    draft(session, ann, rnd, "still typing in my own time")
    assert (
        refused(services.answer_draft, session=session, participant=ben, round_id=rnd.id, text="x")
        == refused_submit(session, ben, rnd)
        == "round_closed"
    )
    other = session_for(ann.session.owner, title="Another")
    foreign = push(other, owner_seat(other))
    assert (
        refused(
            services.answer_draft, session=session, participant=ann, round_id=foreign.id, text=""
        )
        == "not_found"
    )
    assert list(Draft.objects.values_list("participant_id", flat=True)) == [ann.id]


@pytest.mark.django_db
@pytest.mark.parametrize("close", CLOSES)
def test_a_draft_newer_than_the_last_revision_is_the_final_answer_at_every_close(live, close):
    session, panel, ann, ben = live
    cy, dee = seat(session, "Cy"), seat(session, "Dee")
    rnd = push(session, panel)
    draft(session, ann, rnd, "half")
    draft(session, ann, rnd, rnd.model_answer)  # never submitted
    submit(session, ben, rnd, "first thought")
    draft(session, ben, rnd, "second thought")  # typed after the submit, never submitted
    draft(session, cy, rnd, "same")
    submit(session, cy, rnd, "same")  # submitted after the draft: the draft is older
    draft(session, dee, rnd, "   \n")  # blank: nothing to keep
    before = Event.objects.filter(session=session).count()

    CLOSES[close](session, panel, rnd)

    answers = {a.participant_id: a for a in Answer.objects.filter(round=rnd)}
    assert set(answers) == {ann.id, ben.id, cy.id}
    assert (answers[ann.id].text, answers[ann.id].revision) == (rnd.model_answer, 1)
    assert (answers[ben.id].text, answers[ben.id].revision) == ("second thought", 2)
    assert (answers[cy.id].text, answers[cy.id].revision) == ("same", 1)
    assert [answers[p.id].at_close for p in (ann, ben, cy)] == [True, True, False]
    # Its coverage, as for any answer: the model answer covers the key points.
    assert answers[ann.id].coverage == coverage_of(rnd.model_answer, rnd.key_points)
    assert answers[ann.id].coverage["suggested_score"] is not None
    assert list(
        AnswerRevision.objects.filter(answer=answers[ben.id]).values_list("text", "at_close")
    ) == [("first thought", False), ("second thought", True)]
    # The kept revisions are timed when their drafts were saved, and told before the close.
    saved = dict(Draft.objects.values_list("participant_id", "saved_at"))
    assert answers[ann.id].submitted_at == saved[ann.id]
    closing = list(
        Event.objects.filter(session=session, seq__gt=before)
        .order_by("seq")
        .values_list("type", "payload")
    )
    assert [kind for kind, _ in closing][:3] == [
        "answer.submitted",
        "answer.submitted",
        "round.closed",
    ]
    kept = [payload for kind, payload in closing if payload.get("at_close")]
    assert [(p["participant_id"], p["revision"], p["text"]) for p in kept] == [
        (ann.id, 1, rnd.model_answer),
        (ben.id, 2, "second thought"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("close", ["bell", "next push", "interviewer"])
def test_an_answer_kept_at_the_close_is_scored_like_any(live, close):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    submit(session, ann, rnd, "a")
    ann_answer = Answer.objects.get(participant=ann)
    services.answer_score(session=session, participant=panel, answer_id=ann_answer.id, score=6)
    draft(session, ben, rnd, "b")
    draft(session, ann, rnd, "a, and more")
    CLOSES[close](session, panel, rnd)
    ben_answer = Answer.objects.get(participant=ben)
    assert (
        services.answer_score(session=session, participant=panel, answer_id=ben_answer.id, score=6)
        == 6
    )
    # The same total: the earlier last revision ranks higher, and Ann's moved to her draft's.
    ann_answer.refresh_from_db()
    assert (ann_answer.revision, ann_answer.at_close) == (2, True)
    assert ann_answer.submitted_at > ben_answer.submitted_at
    assert kept(session) == from_scratch(session, panel, (ann, ben))
    assert [row.participant_id for row in leaderboard_for(session)] == [ben.id, ann.id]


@pytest.mark.django_db
def test_the_finish_keeps_a_draft_and_its_leaderboard_reads_the_tie_break_it_moved(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    for candidate in (ann, ben):
        submit(session, candidate, rnd, "x")
        answer = Answer.objects.get(participant=candidate)
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    draft(session, ann, rnd, "x, and more")  # Ann's last revision now comes after Ben's
    services.session_finish(session=session, participant=panel)
    finished = Event.objects.get(type="session.finished").payload["leaderboard"]
    assert [row["participant_id"] for row in finished] == [ben.id, ann.id]
    assert finished == kept(session) == from_scratch(session, panel, (ann, ben))


@pytest.mark.django_db
def test_a_draft_in_the_candidates_extra_time_is_kept_for_the_panel_and_its_author(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    draft(session, ann, rnd, "in my own time")
    services.round_close(session=session, participant=panel)
    submitted = Event.objects.get(type="answer.submitted")
    assert submitted.audience == "panel_and_author"
    assert submitted.payload["in_extra_time"] is True


@pytest.mark.django_db
def test_a_draft_snapshot_is_kept_at_most_every_5_s_and_200_a_round(live, monkeypatch):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    start = timezone.now() + timedelta(seconds=1)
    for offset in (0, 1, 4.9, 5, 7, 9.9, 10.5):
        with time_machine.travel(start + timedelta(seconds=offset), tick=False):
            draft(session, ann, rnd, f"at {offset}")
    snapshots = DraftSnapshot.objects.filter(participant=ann).order_by("taken_at")
    assert [text for text in snapshots.values_list("text", flat=True)] == [
        "at 0",
        "at 5",
        "at 10.5",
    ]
    assert Draft.objects.get(participant=ann).text == "at 10.5"
    # The bound: past it, drafts are still kept and told, without snapshots.
    monkeypatch.setattr(services, "DRAFT_SNAPSHOTS_PER_ROUND", 2)
    for offset in (0, 6, 12):
        with time_machine.travel(start + timedelta(seconds=offset), tick=False):
            draft(session, ben, rnd, f"at {offset}")
    assert DraftSnapshot.objects.filter(participant=ben).count() == 2
    assert Draft.objects.get(participant=ben).text == "at 12"
    assert Event.objects.filter(type="answer.drafted").count() == 10


# Each candidate's moves in a round: submits and drafts of a few texts, blank ones included.
typing = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["submit", "draft"]),
        st.sampled_from(["", " ", "a", "b"]),
    ),
    max_size=12,
)


@pytest.mark.django_db
@given(moves=typing, close=st.sampled_from(sorted(CLOSES)))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_nothing_typed_is_lost_whatever_was_submitted_or_drafted_and_however_it_closed(
    interviewer, bank, unbounded_sessions, moves, close
):
    """After the close, each candidate's answer is the last text they sent, submitted or
    drafted, unless that is a blank draft (the text cleared: their last submit stands); a
    kept draft is a revision of its own, marked."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    candidates = [seat(session, name) for name in ("Ann", "Ben", "Cy")]
    rnd = push(session, panel)
    sent: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for who, kind, text in moves:
        candidate = candidates[who]
        if kind == "submit":
            submit(session, candidate, rnd, text)
        else:
            draft(session, candidate, rnd, text)
        sent[candidate.id].append((kind, text))
    CLOSES[close](session, panel, rnd)

    expected = {}
    for participant_id, moves_sent in sent.items():
        submits = [text for kind, text in moves_sent if kind == "submit"]
        last_kind, last_text = moves_sent[-1]
        kept_at_close = (
            last_kind == "draft" and bool(last_text.strip()) and submits[-1:] != [last_text]
        )
        if kept_at_close:
            expected[participant_id] = (last_text, len(submits) + 1, True)
        elif submits:
            expected[participant_id] = (submits[-1], len(submits), False)
    answers = Answer.objects.filter(round=rnd)
    assert {a.participant_id: (a.text, a.revision, a.at_close) for a in answers} == expected
    for answer in answers:
        assert answer.revisions.count() == answer.revision


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_draft_is_two_statements_and_a_close_keeping_drafts_one_more(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    text = {"round_id": rnd.id, "text": "x"}
    assert len(statements_of(ann, command(CommandType.ANSWER_DRAFT, text))) == 2
    assert len(statements_of(ann, command(CommandType.ANSWER_DRAFT, text))) == 2
    submit(session, ben, rnd, "y")
    draft(session, ben, rnd, "y, z")
    # The lock; the round's close with the read of its drafts; everything else.
    assert len(statements_of(panel, command(CommandType.QUESTION_CLOSE, {}))) == 3
    assert Answer.objects.filter(at_close=True).count() == 2
    rnd = push(session, panel)
    draft(session, ann, rnd, "x")
    question = {"question_id": Question.objects.first().id}
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    assert Answer.objects.filter(at_close=True).count() == 3


# --- found by review: extra time, kept drafts and starter code ----------------------------------


def _into_extra_time(session, panel, candidate, rnd):
    """The round's own deadline has passed; the candidate has 90 s of their own."""
    extend(session, panel, candidate, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_a_draft_typed_in_extra_time_and_kept_at_the_bell_counts_as_answered_once(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    _into_extra_time(session, panel, ann, rnd)
    draft(session, ann, rnd, "typed in my own time, never submitted")
    Round.objects.filter(pk=rnd.pk).update(extended_until=timezone.now())
    assert services.rounds_close_due(session_id=session.id) == 1
    assert Answer.objects.filter(participant=ann).count() == 1
    assert Standing.objects.get(participant=ann).answered == 1


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["interviewer", "finish"])
def test_a_draft_typed_in_extra_time_and_kept_at_a_close_counts_as_answered_once(live, how):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ben, 90)
    _into_extra_time(session, panel, ann, rnd)
    submit(session, ben, rnd, "ben in extra time")  # another answer in extra time
    draft(session, ann, rnd, "ann typed in her own time")
    if how == "interviewer":
        services.round_close(session=session, participant=panel)
    else:
        services.session_finish(session=session, participant=panel)
    assert Standing.objects.get(participant=ann).answered == 1


@pytest.mark.django_db
def test_the_verdict_of_a_revision_given_in_extra_time_stays_the_panels_after_the_close(live):
    session, panel, ann, _ = live
    InterviewSession.objects.filter(pk=session.pk).update(show_verdicts=True)
    exercise = Question.objects.filter(kind="exercise").first()
    rnd = push(session, panel, question=exercise, time_limit_s=60)
    _into_extra_time(session, panel, ann, rnd)
    answer = submit(session, ann, rnd, "def f(): pass")
    services.round_close(session=session, participant=panel)
    total = len(rnd.examples) + len(rnd.tests)
    services.answer_verdict(
        session=session,
        participant=panel,
        answer_id=answer.id,
        revision=answer.revision,
        passed=total,
        total=total,
        failures=[],
    )
    assert Event.objects.get(type="answer.verdict").audience != "all"


@pytest.mark.django_db
def test_an_exercises_starter_code_left_untouched_is_not_kept_as_an_answer(live):
    session, panel, ann, _ = live
    exercise = Question.objects.filter(kind="exercise").first()
    rnd = push(session, panel, question=exercise)
    draft(session, ann, rnd, rnd.starter_code)
    services.round_close(session=session, participant=panel)
    assert not Answer.objects.filter(participant=ann).exists()
