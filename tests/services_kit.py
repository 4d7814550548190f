"""What the service tests share: the live session, pushes, racing for the session's lock,
and counting a command's statements."""

import itertools
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interview.domain import services
from interview.domain.errors import Refusal
from interview.domain.protocol import Command, CommandType
from interview.domain.standings import leaderboard_for
from interview.models import (
    Answer,
    Event,
    Participant,
    Question,
    Round,
)

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


def racing(first, second) -> None:
    """Run ``first`` in a transaction that keeps the session's lock until ``second``, in
    another thread, waits for it; then commit ``first`` and let ``second`` finish.

    ``second`` is released once its first statement (the one that takes the lock) has been
    issued and, on PostgreSQL, once the database shows a session waiting for a lock. SQLite
    shows no waiter: its lock is taken by the transaction's ``BEGIN IMMEDIATE``, and
    ``second`` runs after ``first`` has committed whether it reached the lock before the
    release or just after it."""
    holding, release, asking = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                first()
                holding.set()
                release.wait(10)
        finally:
            close_old_connections()

    def announced(execute, sql, params, many, context):
        asking.set()
        return execute(sql, params, many, context)

    def wait():
        try:
            with connection.execute_wrapper(announced):
                second()
        finally:
            close_old_connections()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    waiter = threading.Thread(target=wait)
    waiter.start()
    assert asking.wait(10)
    assert a_lock_awaited(timeout=10)
    release.set()
    for thread in (holder, waiter):
        thread.join(15)


def a_lock_awaited(timeout: float) -> bool:
    """Whether, within ``timeout`` seconds, a session of this database waits for a lock
    (PostgreSQL's ``pg_stat_activity``); True at once on SQLite, which shows no waiter."""
    if connection.vendor != "postgresql":
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.01)
    return False


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


def answer_totals_kept(session) -> dict[int, tuple[int, int]]:
    return {
        answer_id: (total, count)
        for answer_id, total, count in Answer.objects.filter(round__session=session).values_list(
            "id", "score_sum", "score_count"
        )
    }


def extend(session, panel, candidate, seconds: int) -> datetime:
    return services.round_extend(
        session=session, participant=panel, participant_id=candidate.id, seconds=seconds
    )


def submit(session, candidate, rnd, text: str = "a") -> Answer:
    return services.answer_submit(
        session=session, participant=candidate, round_id=rnd.id, text=text
    )


def refused(service, **kwargs) -> str:
    with pytest.raises(Refusal) as refusal:
        service(**kwargs)
    return refusal.value.code


def refused_submit(session, candidate, rnd) -> str:
    """The code a submit is refused with."""
    return refused(
        services.answer_submit, session=session, participant=candidate, round_id=rnd.id, text="x"
    )


def _into_extra_time(session, panel, candidate, rnd):
    """The round's own deadline has passed; the candidate has 90 s of their own."""
    extend(session, panel, candidate, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
