"""Answers: a candidate's submit, each a new revision of their one answer to the round."""

from datetime import datetime
from typing import Any

from django.db import transaction

from interview.content.coverage import coverage_of
from interview.domain import sql
from interview.domain.services._command import (
    Receipt,
    candidate_round_locked,
    events_append,
    is_due,
    recorded,
)
from interview.domain.services._standings import standing_changed
from interview.domain.visibility import IN_EXTRA_TIME
from interview.models import (
    Answer,
    AnswerRevision,
    InterviewSession,
    Participant,
    Round,
    Standing,
)

A = sql.names(Answer)
AR = sql.names(AnswerRevision)
R = sql.names(Round)
ST = sql.names(Standing)


@transaction.atomic
def answer_submit(
    *,
    session: InterviewSession,
    participant: Participant,
    round_id: int,
    text: str,
    receipt: Receipt | None = None,
) -> Answer:
    """Store a candidate's answer: one per round, each submit a new revision, all kept, each
    with its key-point coverage (the panel's: ``coverage``, ``visibility``).

    Taken until the candidate's own deadline: the round's, or a later one of theirs.

    Statements: the locked session with the round, the candidate's own deadline and standing,
    and the answer as it stands (or a new answer's id); then the answer, the revision, the
    standing's tie-break if the answer is scored, the event and the receipt together. The
    session's lock keeps the answer as read until the transaction ends: every command that
    changes an answer takes it.
    """
    row, now = _submit_read(session, receipt, round_id, participant.id)
    coverage = coverage_of(text, sql.json_value(row["key_points"]) or [])
    answer, upsert = _answer_upserted(row, round_id, participant, text, coverage, now)
    # The room learns of an answer in extra time at the round's close, and so does its
    # leaderboard (``extra_time_released``): until then it counts nothing of it.
    in_extra_time = is_due(row["deadline"], now)
    event = {
        "round_id": round_id,
        "answer_id": answer.id,
        "participant_id": participant.id,
        "revision": answer.revision,
        "text": text,
        "coverage": coverage,
    }
    if in_extra_time:
        event[IN_EXTRA_TIME] = True  # past the round's deadline: only this candidate's is open
    sql.writes_together(
        [
            upsert,
            _revision_inserted(answer),
            *_standing_moved(row, participant.id, now, in_extra_time),
            *events_append(session, now, [("answer.submitted", event)]),
            *recorded(receipt, {"answer_id": answer.id, "revision": answer.revision}, now),
        ]
    )
    return answer


def _submit_read(
    session: InterviewSession, receipt: Receipt | None, round_id: int, participant_id: int
) -> tuple[dict[str, Any], datetime]:
    """The locked session with the round (``candidate_round_locked``, its key points), the
    candidate's tie-break, and their answer as it stands or a new answer's id; and the time
    of the submit. Refused unless the round is open to the candidate."""
    read = (
        f"r.{R.key_points} AS key_points,"
        f" st.{ST.scored_submitted_at} AS scored_submitted_at, a.{A.id} AS answer_id,"
        f" a.{A.revision} AS revision, a.{A.first_submitted_at} AS first_submitted_at,"
        f" a.{A.score_sum} AS score_sum, a.{A.score_count} AS score_count,"
        f" a.{A.room_count} AS room_count,"
        f" CASE WHEN a.{A.id} IS NULL THEN {sql.next_id(Answer)} END AS new_answer_id",
        f"LEFT JOIN {ST.table} st ON st.{ST.participant} = %(participant_id)s"
        f" LEFT JOIN {A.table} a ON a.{A.round} = r.{R.id}"
        f" AND a.{A.participant} = %(participant_id)s",
    )
    return candidate_round_locked(
        session, receipt, round_id, participant_id, read, "the answer was not saved"
    )


def _answer_upserted(
    row: dict[str, Any],
    round_id: int,
    participant: Participant,
    text: str,
    coverage: dict,
    now: datetime,
) -> tuple[Answer, sql.Statement]:
    """The answer after this submit (unsaved) and the statement that writes it: a new answer
    with the id read for it, or the next revision of the one read."""
    common = {"round_id": round_id, "participant": participant, "text": text}
    common |= {"submitted_at": now, "coverage": coverage}
    values = {"text": text, "submitted_at": sql.moment_param(now)}
    values["coverage"] = sql.json_param(coverage)
    if row["answer_id"] is None:
        answer = Answer(id=row["new_answer_id"], revision=1, first_submitted_at=now, **common)
        values |= {"id": answer.id, "round_id": round_id, "participant_id": participant.id}
        return answer, (
            f"INSERT INTO {A.table} ({A.id}, {A.round}, {A.participant}, {A.text},"
            f" {A.revision}, {A.first_submitted_at}, {A.submitted_at}, {A.score_sum},"
            f" {A.score_count}, {A.coverage}) VALUES (%(id)s, %(round_id)s,"
            " %(participant_id)s, %(text)s, 1, %(submitted_at)s, %(submitted_at)s, 0, 0,"
            " %(coverage)s)",
            values,
        )
    answer = Answer(
        id=row["answer_id"],
        revision=row["revision"] + 1,
        first_submitted_at=sql.moment(row["first_submitted_at"]),
        score_sum=row["score_sum"],
        score_count=row["score_count"],
        **common,
    )
    values |= {"revision": answer.revision, "id": answer.id}
    return answer, (
        f"UPDATE {A.table} SET {A.text} = %(text)s, {A.revision} = %(revision)s,"
        f" {A.submitted_at} = %(submitted_at)s, {A.coverage} = %(coverage)s"
        f" WHERE {A.id} = %(id)s",
        values,
    )


def _revision_inserted(answer: Answer) -> sql.Statement:
    """The statement that keeps the answer's revision as it is now."""
    return (
        f"INSERT INTO {AR.table} ({AR.answer}, {AR.revision}, {AR.text}, {AR.submitted_at},"
        f" {AR.coverage}) VALUES (%(answer_id)s, %(revision)s, %(text)s, %(submitted_at)s,"
        " %(coverage)s)",
        {
            "answer_id": answer.id,
            "revision": answer.revision,
            "text": answer.text,
            "submitted_at": sql.moment_param(answer.submitted_at),
            "coverage": sql.json_param(answer.coverage),
        },
    )


def _standing_moved(
    row: dict[str, Any], participant_id: int, now: datetime, in_extra_time: bool
) -> list[sql.Statement]:
    """The submit's change to the candidate's standing, unless in extra time (the room
    counts it at the close): a first answer counts as answered; a scored answer moves the
    tie-break, the newest submitted_at among the candidate's scored answers."""
    if in_extra_time:
        return []
    first = row["answer_id"] is None
    values = {}
    if row["room_count"]:
        newest = max(sql.moment(row["scored_submitted_at"]) or now, now)
        values["scored_submitted_at"] = sql.moment_param(newest)
    if not (first or values):
        return []
    return [standing_changed(participant_id, answered_one_more=first, **values)]
