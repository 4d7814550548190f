"""Scores: a panel member's score of an answer and their feedback to its author."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from interview.domain import sql
from interview.domain.errors import Refusal
from interview.domain.protocol import EventType
from interview.domain.services._command import (
    Receipt,
    S,
    events_append,
    leaderboard_payload,
    recorded,
    session_locked,
)
from interview.domain.services._standings import int_pairs, ranking_mean, total_of
from interview.domain.standings import panel_mean
from interview.domain.visibility import AWAITING, IN_EXTRA_TIME
from interview.models import (
    Answer,
    InterviewSession,
    Participant,
    Round,
    Score,
    Standing,
)

A = sql.names(Answer)
P = sql.names(Participant)
R = sql.names(Round)
SC = sql.names(Score)
ST = sql.names(Standing)


@dataclass(frozen=True)
class _Scored:
    """The answer's sums after this score, and who is shown its mean: ``awaiting`` panel
    members the author and the room wait for (0: shown now), ``shown`` the sums they are shown
    (None while awaiting), ``to_room`` whether the room and its leaderboard get them now."""

    score_sum: int
    score_count: int
    mean: float | None
    awaiting: int
    submitted: datetime
    in_extra_time: bool
    shown: tuple[int, int] | None
    to_room: bool


@transaction.atomic
def answer_score(
    *,
    session: InterviewSession,
    participant: Participant,
    answer_id: int,
    score: int,
    feedback: str | None = None,
    receipt: Receipt | None = None,
) -> float:
    """Keep this interviewer's score of the answer; returns the panel's mean. Taken after the
    session's finish too: only what changes the session's course is refused then.

    A rescore replaces the score, and the feedback too when given; without feedback it keeps
    the interviewer's earlier words. The score is kept against the answer's newest revision.

    What the author and the room learn is the panel's mean, and only a mean of the whole
    panel's scores: the mean they are shown moves once every panel member has saved a score
    since they were last shown one (``Score.pending``), so no mean they see is of part of
    the panel, and no two they see differ by one interviewer's change. Until then the
    ``score.updated`` is the panel's (``visibility.AWAITING``). A score of an answer given in
    extra time, its round still open for others, goes to the panel and the author only, and
    the room and its leaderboard get it at the round's close (``extra_time_released``).
    New feedback comes to the author as ``feedback.updated``, with its writer and no score.

    Statements: the locked session with the answer, this interviewer's earlier score, the
    panel's size and pending scores, the candidate's standing and other scored answers; the
    score, the answer's sums and the standing together; the leaderboard; the events and the
    receipt together.
    """
    row = _score_read(session, receipt, answer_id, participant.id)
    if row["author_id"] is None:
        raise Refusal("not_found", f"No answer {answer_id} in this session.")
    # Not refused after the finish: the panel scores and gives feedback after the interviews.
    now = timezone.now()
    if feedback is None:
        feedback = row["earlier_feedback"] or ""
    scored = _scored(row, score)
    sql.writes_together(
        [
            _score_upserted(row, answer_id, participant.id, score, feedback, scored, now),
            *_sums_written(row, answer_id, participant.id, scored),
        ]
    )
    events = _score_events(session, row, answer_id, participant.id, score, feedback, scored)
    result = {"answer_id": answer_id, "score": score, "mean": scored.mean}
    sql.writes_together([*events_append(session, now, events), *recorded(receipt, result, now)])
    return scored.mean


def _score_events(
    session: InterviewSession,
    row: dict[str, Any],
    answer_id: int,
    interviewer_id: int,
    score: int,
    feedback: str,
    scored: _Scored,
) -> list[tuple[str, dict]]:
    """The score's ``score.updated`` (the panel's mean, this member's score and feedback, the
    leaderboard), and a ``feedback.updated`` to the author when the feedback changed."""
    event = {
        "answer_id": answer_id,
        "participant_id": row["author_id"],
        "round_id": row["round_id"],
        "score": scored.mean,
        "by": interviewer_id,
        "by_score": score,
        "feedback": feedback,
        "revision": row["revision"],
        AWAITING: scored.awaiting,
        **leaderboard_payload(session),
    }
    if scored.in_extra_time:
        event[IN_EXTRA_TIME] = True  # the room gets it at the round's close
    events = [(EventType.SCORE_UPDATED, event)]
    if feedback != (row["earlier_feedback"] or ""):
        words = {key: event[key] for key in ("answer_id", "participant_id", "round_id", "by")}
        events.append((EventType.FEEDBACK_UPDATED, {**words, "feedback": feedback}))
    return events


def _score_read(
    session: InterviewSession, receipt: Receipt | None, answer_id: int, interviewer_id: int
) -> dict[str, Any]:
    """The locked session with the answer (``author_id`` None if it is not of this session),
    its round, this interviewer's earlier score, the panel's size, the other members' pending
    scores, the author's standing and their other answers' room means (``a/b`` pairs)."""
    other_means = sql.joined_text(f"o.{A.room_sum} || '/' || o.{A.room_count}")
    return session_locked(
        session,
        receipt,
        f"a.{A.participant} AS author_id, a.{A.round} AS round_id, a.{A.revision} AS revision,"
        f" a.{A.score_sum} AS score_sum, a.{A.score_count} AS score_count,"
        f" a.{A.room_sum} AS room_sum, a.{A.room_count} AS room_count,"
        f" a.{A.submitted_at} AS submitted_at, r.{R.deadline} AS round_deadline,"
        f" r.{R.closed_at} AS round_closed_at, sc.{SC.score} AS earlier_score,"
        f" sc.{SC.feedback} AS earlier_feedback,"
        f" st.{ST.scored_submitted_at} AS scored_submitted_at, st.{ST.asked} AS asked,"
        f" (SELECT COUNT(*) FROM {P.table} i WHERE i.{P.session} = s.{S.id}"
        f" AND i.{P.role} = %(interviewer_role)s) AS panel_size,"
        f" (SELECT COUNT(*) FROM {SC.table} x WHERE x.{SC.answer} = a.{A.id} AND x.{SC.pending}"
        f" AND x.{SC.interviewer} <> %(interviewer_id)s) AS others_pending,"
        f" (SELECT {other_means} FROM {A.table} o WHERE o.{A.participant} = a.{A.participant}"
        f" AND o.{A.id} <> a.{A.id} AND o.{A.room_count} > 0) AS other_means",
        f"LEFT JOIN ({A.table} a JOIN {R.table} r ON r.{R.id} = a.{A.round})"
        f" ON a.{A.id} = %(answer_id)s AND r.{R.session} = s.{S.id}"
        f" LEFT JOIN {SC.table} sc ON sc.{SC.answer} = a.{A.id}"
        f" AND sc.{SC.interviewer} = %(interviewer_id)s"
        f" LEFT JOIN {ST.table} st ON st.{ST.participant} = a.{A.participant}",
        {
            "answer_id": answer_id,
            "interviewer_id": interviewer_id,
            "interviewer_role": Participant.Role.INTERVIEWER,
        },
    )


def _scored(row: dict[str, Any], score: int) -> _Scored:
    """The answer's sums with this score in place of the interviewer's earlier one, and
    whether the author and the room are shown their mean: once every panel member has saved
    a score since they were last shown one; the room not while the answer is in extra time
    (its round still open for others)."""
    earlier = row["earlier_score"]
    score_sum = row["score_sum"] - (earlier or 0) + score
    score_count = row["score_count"] + (earlier is None)
    awaiting = max(0, row["panel_size"] - row["others_pending"] - 1)
    submitted = sql.moment(row["submitted_at"])
    in_extra_time = row["round_closed_at"] is None and submitted > sql.moment(row["round_deadline"])
    return _Scored(
        score_sum=score_sum,
        score_count=score_count,
        mean=panel_mean(score_sum, score_count),
        awaiting=awaiting,
        submitted=submitted,
        in_extra_time=in_extra_time,
        shown=(score_sum, score_count) if not awaiting else None,
        to_room=not awaiting and not in_extra_time,
    )


def _score_upserted(
    row: dict[str, Any],
    answer_id: int,
    interviewer_id: int,
    score: int,
    feedback: str,
    scored: _Scored,
    now: datetime,
) -> sql.Statement:
    """The interviewer's score of the answer's newest revision, new or replacing theirs,
    pending while the author and the room await other members' scores."""
    return (
        f"INSERT INTO {SC.table} ({SC.answer}, {SC.interviewer}, {SC.score}, {SC.feedback},"
        f" {SC.revision}, {SC.pending}, {SC.created_at}, {SC.updated_at})"
        " VALUES (%(answer_id)s, %(interviewer_id)s, %(score)s, %(feedback)s, %(revision)s,"
        " %(pending)s, %(now)s, %(now)s)"
        f" ON CONFLICT ({SC.answer}, {SC.interviewer}) DO UPDATE SET"
        f" {SC.score} = excluded.{SC.score}, {SC.feedback} = excluded.{SC.feedback},"
        f" {SC.revision} = excluded.{SC.revision}, {SC.pending} = excluded.{SC.pending},"
        f" {SC.updated_at} = excluded.{SC.updated_at}",
        {
            "answer_id": answer_id,
            "interviewer_id": interviewer_id,
            "score": score,
            "feedback": feedback,
            "revision": row["revision"],
            "pending": bool(scored.awaiting),
            "now": sql.moment_param(now),
        },
    )


def _sums_written(
    row: dict[str, Any], answer_id: int, interviewer_id: int, scored: _Scored
) -> list[sql.Statement]:
    """The answer's sums (and the shown and the room's, when they move); once shown, the
    other members' scores no longer pending; for the room, the author's standing (total,
    mean and tie-break)."""
    sums = {"score_sum": scored.score_sum, "score_count": scored.score_count}
    if scored.shown:
        sums |= {"shown_sum": scored.shown[0], "shown_count": scored.shown[1]}
    if scored.to_room:
        sums |= {"room_sum": scored.shown[0], "room_count": scored.shown[1]}
    assignments = ", ".join(f"{getattr(A, field)} = %({field})s" for field in sums)
    writes: list[sql.Statement] = [
        (
            f"UPDATE {A.table} SET {assignments} WHERE {A.id} = %(answer_id)s",
            sums | {"answer_id": answer_id},
        )
    ]
    if scored.shown:
        writes.append(
            (
                f"UPDATE {SC.table} SET {SC.pending} = %(pending)s"
                f" WHERE {SC.answer} = %(answer_id)s AND {SC.interviewer} <> %(interviewer_id)s"
                f" AND {SC.pending}",
                {"pending": False, "answer_id": answer_id, "interviewer_id": interviewer_id},
            )
        )
    if scored.to_room:
        total = total_of([scored.shown, *int_pairs(row["other_means"])])
        tie_break = max(
            sql.moment(row["scored_submitted_at"]) or scored.submitted, scored.submitted
        )
        writes.append(
            (
                f"UPDATE {ST.table} SET {ST.total} = %(total)s, {ST.mean} = %(mean)s,"
                f" {ST.scored_submitted_at} = %(tie_break)s"
                f" WHERE {ST.participant} = %(participant_id)s",
                {
                    "total": total,
                    "mean": ranking_mean(total, row["asked"] or 0),
                    "tie_break": sql.moment_param(tie_break),
                    "participant_id": row["author_id"],
                },
            )
        )
    return writes
