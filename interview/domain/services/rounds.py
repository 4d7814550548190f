"""Rounds: a question put to the room (a push opens a round), the interviewer's close, and
the clock's close of rounds past their deadlines."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from interview.domain import sql
from interview.domain.errors import Refusal
from interview.domain.payloads import round_payload
from interview.domain.services._command import (
    Receipt,
    S,
    events_append,
    leaderboard_payload,
    recorded,
    refuse_if_finished,
    session_locked,
)
from interview.domain.services._rounds import (
    EXTRA_TIME_ANSWERS,
    OPEN_ROUND,
    OPEN_ROUND_COLUMNS,
    open_round_due,
    personal_deadlines_insert,
    round_close_statement,
    round_closed,
    round_extended,
)
from interview.domain.services._standings import asked_one_more, int_pairs
from interview.domain.services.drafts import drafts_kept, kept_first
from interview.domain.services.extra_time import extra_time_released
from interview.models import InterviewSession, Participant, Question, Round

P = sql.names(Participant)
Q_ = sql.names(Question)
R = sql.names(Round)

# The question fields a round keeps a copy of, read beside the locked session (``q``).
_QUESTION_COPIED = (
    "title",
    "prompt",
    "category",
    "difficulty",
    "model_answer",
    "key_points",
    "kind",
    "starter_code",
    "examples",
    "tests",
)
_QUESTION_JSON = ("key_points", "examples", "tests")


@transaction.atomic
def round_open(
    *,
    session: InterviewSession,
    participant: Participant,
    question_id: int,
    time_limit_s: int | None = None,
    receipt: Receipt | None = None,
) -> Round:
    """Put a question to the room; an open round closes first (reason ``next_question``, or
    ``deadline`` if it is due).

    Statements: the locked session with the question, the open round and the last position;
    the open round's close with its drafts to keep (``drafts_kept``); the new round (its id
    back); the kept drafts, the session, the events and the receipt together.
    """
    row = _push_read(session, receipt, question_id)
    refuse_if_finished(session)
    if row["question_id"] is None:
        raise Refusal("not_found", f"No question with id {question_id}.")
    now = timezone.now()
    kept, events = _open_round_closed_for_push(session, row, now)
    rnd, own_deadlines = _round_new(session, row, time_limit_s, now)
    rnd.id = _round_inserted(rnd, kept)
    # Every candidate in the session is present for this round. Ranked by mean, that moves
    # the leaderboard (one who joined later has fewer rounds to their mean): the round's
    # event carries it then.
    opened = round_payload(rnd)
    asked: list[sql.Statement] = [asked_one_more(session.pk)]
    if session.ranking == InterviewSession.Ranking.MEAN:
        sql.writes_together(asked)
        asked = []
        opened |= leaderboard_payload(session)
    events.append(("round.opened", opened))
    events.extend(round_extended(rnd.id, pid, due) for pid, due in own_deadlines.items())
    starts = (
        {"status": InterviewSession.Status.LIVE, "started_at": now}
        if session.status == InterviewSession.Status.LOBBY
        else {}
    )
    sql.writes_together(
        [
            *asked,
            *([personal_deadlines_insert(rnd.id, own_deadlines)] if own_deadlines else []),
            *events_append(session, now, events, **starts),
            *recorded(receipt, {"round_id": rnd.id}, now),
        ]
    )
    return rnd


def _push_read(session: InterviewSession, receipt: Receipt | None, question_id: int) -> dict:
    """The locked session with what a push reads: its settings, the question (``question_id``
    None if there is none), the open round, whether it has answers in extra time, the last
    round's position, and candidates' standing accommodations (``participant_id/pct``
    pairs)."""
    accommodations = sql.joined_text(f"c.{P.id} || '/' || c.{P.extra_time_pct}")
    copied = ", ".join(f"q.{getattr(Q_, field)} AS {field}" for field in _QUESTION_COPIED)
    return session_locked(
        session,
        receipt,
        f"s.{S.settings} AS settings, q.{Q_.id} AS question_id,"
        f" {copied}, q.{Q_.time_limit_s} AS question_time_limit_s,"
        f" {OPEN_ROUND_COLUMNS}, {EXTRA_TIME_ANSWERS},"
        f" (SELECT MAX(p.{R.position}) FROM {R.table} p WHERE p.{R.session} = s.{S.id})"
        " AS last_position,"
        f" (SELECT {accommodations} FROM {P.table} c WHERE c.{P.session} = s.{S.id}"
        f" AND c.{P.role} = %(candidate_role)s AND c.{P.extra_time_pct} > 0) AS accommodations",
        f"LEFT JOIN {Q_.table} q ON q.{Q_.id} = %(question_id)s {OPEN_ROUND}",
        {"question_id": question_id, "candidate_role": Participant.Role.CANDIDATE},
    )


def _open_round_closed_for_push(
    session: InterviewSession, row: dict[str, Any], now: datetime
) -> tuple[list[sql.Statement], list[tuple[str, dict]]]:
    """Close the open round of ``row``, if any, for the push: its kept drafts' writes (to go
    with the new round's row, before this push's change to every standing, which no statement
    may share with theirs) and the close's events."""
    if row["open_round_id"] is None:
        return [], []
    round_id = row["open_round_id"]
    reason = "deadline" if open_round_due(row, now) else "next_question"
    drafts = drafts_kept(round_id, now, [round_close_statement(round_id, reason, now)])
    events = [*drafts.events, round_closed(round_id, reason)]
    if row["extra_time_answers"]:
        events += extra_time_released(session, round_id, now)
    return drafts.writes, events


def _round_new(
    session: InterviewSession, row: dict[str, Any], time_limit_s: int | None, now: datetime
) -> tuple[Round, dict[int, datetime]]:
    """The new round, not saved: the question as read (what ``round.opened`` shows is what it
    keeps), its time limit (the push's, the session's, or the question's) and deadline; and
    each accommodated candidate's own deadline (their share of the limit on top)."""
    session.settings = sql.json_value(row["settings"])
    limit = time_limit_s or session.settings.get("time_limit_s") or row["question_time_limit_s"]
    copied = {field: row[field] for field in _QUESTION_COPIED}
    copied |= {field: sql.json_value(row[field]) for field in _QUESTION_JSON}
    rnd = Round(
        session_id=session.pk,
        question_id=row["question_id"],
        **copied,
        position=(row["last_position"] or 0) + 1,
        time_limit_s=limit,
        opened_at=now,
        deadline=now + timedelta(seconds=limit),
    )
    own_deadlines = {
        candidate_id: rnd.deadline + timedelta(seconds=limit * pct / 100)
        for candidate_id, pct in int_pairs(row["accommodations"])
    }
    rnd.extended_until = max(own_deadlines.values(), default=None)
    return rnd, own_deadlines


def _round_inserted(rnd: Round, kept: list[sql.Statement]) -> int:
    """Insert the round after ``kept`` (one statement on PostgreSQL); returns its id."""
    values = {field: getattr(rnd, field) for field in _QUESTION_COPIED}
    values |= {field: sql.json_param(values[field]) for field in _QUESTION_JSON}
    values |= {
        "session_id": rnd.session_id,
        "question_id": rnd.question_id,
        "position": rnd.position,
        "time_limit_s": rnd.time_limit_s,
        "opened_at": sql.moment_param(rnd.opened_at),
        "deadline": sql.moment_param(rnd.deadline),
        "extended_until": rnd.extended_until and sql.moment_param(rnd.extended_until),
    }
    columns = ", ".join(getattr(R, field) for field in values)
    (inserted,) = sql.rows_after_writes(
        kept,
        f"INSERT INTO {R.table} ({columns}, {R.closed_at}, {R.close_reason})"
        f" VALUES ({', '.join(f'%({field})s' for field in values)}, NULL, '')"
        f" RETURNING {R.id} AS id",
        values,
    )
    return inserted["id"]


@transaction.atomic
def round_close(
    *, session: InterviewSession, participant: Participant, receipt: Receipt | None = None
) -> Round:
    """Close the open round now, at the interviewer's word: for everyone, whatever time some
    candidates have left. Drafts newer than their candidates' last revisions are kept
    (``drafts_kept``), as at every close."""
    row = session_locked(
        session, receipt, f"{OPEN_ROUND_COLUMNS}, {EXTRA_TIME_ANSWERS}", OPEN_ROUND
    )
    refuse_if_finished(session)
    now = timezone.now()
    if row["open_round_id"] is None or open_round_due(row, now):
        raise Refusal("not_found", "No round is open.")
    rnd = Round(
        id=row["open_round_id"],
        session_id=session.pk,
        deadline=sql.moment(row["open_deadline"]),
        closed_at=now,
        close_reason=Round.CloseReason.INTERVIEWER,
    )
    drafts = drafts_kept(rnd.id, now, [round_close_statement(rnd.id, rnd.close_reason, now)])
    kept = kept_first(drafts, leaderboard_next=bool(row["extra_time_answers"]))
    events = drafts.events
    events.append(round_closed(rnd.id, rnd.close_reason))
    if row["extra_time_answers"]:
        events += extra_time_released(session, rnd.id, now)
    sql.writes_together(
        [
            *kept,
            *events_append(session, now, events),
            *recorded(receipt, {"round_id": rnd.id}, now),
        ]
    )
    return rnd


def rounds_close_due(*, session_id: int | None = None) -> int:
    """Close every open round whose deadline, and last personal deadline if a candidate has
    more time, have passed; returns how many this call closed.

    Safe to run in every server process at once: each round is claimed by a conditional
    update under its session's lock, so exactly one process closes it and appends its
    ``round.closed``, and an extension committed meanwhile keeps it open.
    """
    now = timezone.now()
    due = Round.objects.filter(closed_at__isnull=True, deadline__lte=now).filter(
        Q(extended_until__isnull=True) | Q(extended_until__lte=now)
    )
    if session_id is not None:
        due = due.filter(session_id=session_id)
    closed = 0
    for round_id, owner_session_id in due.values_list("id", "session_id"):
        with transaction.atomic():
            session = InterviewSession(pk=owner_session_id)
            session_locked(session, None)
            claimed = due.filter(pk=round_id).update(
                closed_at=now, close_reason=Round.CloseReason.DEADLINE
            )
            if claimed:
                drafts = drafts_kept(round_id, now)
                kept = kept_first(drafts)
                events = [*drafts.events, round_closed(round_id, "deadline")]
                events += extra_time_released(session, round_id, now)
                sql.writes_together([*kept, *events_append(session, now, events)])
                closed += 1
    return closed
