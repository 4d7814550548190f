"""Drafts: a candidate's unsubmitted text, kept as they type, and kept as their final answer
when the round closes (nothing typed is lost)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from interview.content.coverage import coverage_of
from interview.domain import sql
from interview.domain.protocol import (
    DRAFT_SNAPSHOT_EVERY_S,
    DRAFT_SNAPSHOTS_PER_ROUND,
    EventType,
    timestamp,
)
from interview.domain.services._command import (
    Receipt,
    candidate_round_locked,
    events_append,
    recorded,
)
from interview.domain.services._standings import standing_changed
from interview.domain.visibility import IN_EXTRA_TIME
from interview.models import (
    Answer,
    AnswerRevision,
    Draft,
    DraftSnapshot,
    InterviewSession,
    Participant,
    Round,
    Standing,
)

A = sql.names(Answer)
AR = sql.names(AnswerRevision)
D = sql.names(Draft)
DS = sql.names(DraftSnapshot)
R = sql.names(Round)
ST = sql.names(Standing)


@transaction.atomic
def answer_draft(
    *,
    session: InterviewSession,
    participant: Participant,
    round_id: int,
    text: str,
    receipt: Receipt | None = None,
) -> None:
    """Keep a candidate's unsubmitted draft on an open round: the latest per candidate and
    round, and a snapshot of it for the panel's playback when the last one is at least
    ``DRAFT_SNAPSHOT_EVERY_S`` old (at most ``DRAFT_SNAPSHOTS_PER_ROUND``). The panel alone
    hears of it (``answer.drafted``); the round's close keeps a draft newer than the
    candidate's last revision as their final one (``drafts_kept``).

    Refused like an answer (``refuse_unless_open``). Statements: the locked session with the
    round and the candidate's draft; the draft, its snapshot, the event and the receipt
    together.
    """
    draft = (
        f"d.{D.snapshot_at} AS snapshot_at, d.{D.snapshots} AS snapshots",
        f"LEFT JOIN {D.table} d"
        f" ON d.{D.round} = r.{R.id} AND d.{D.participant} = %(participant_id)s",
    )
    row, now = candidate_round_locked(
        session, receipt, round_id, participant.id, draft, "the draft was not kept"
    )
    event = {"round_id": round_id, "participant_id": participant.id, "text": text}
    event["at"] = timestamp(now)
    sql.writes_together(
        [
            *_draft_writes(round_id, participant.id, text, row, now),
            *events_append(session, now, [(EventType.ANSWER_DRAFTED, event)]),
            *recorded(receipt, {}, now),
        ]
    )


def _draft_writes(
    round_id: int, participant_id: int, text: str, row: dict[str, Any], now: datetime
) -> list[sql.Statement]:
    """The draft's upsert, and a snapshot of it if the last one (``row``'s ``snapshot_at``
    and ``snapshots``) is at least ``DRAFT_SNAPSHOT_EVERY_S`` old and the round has fewer
    than ``DRAFT_SNAPSHOTS_PER_ROUND``."""
    last_snapshot = sql.moment(row["snapshot_at"])
    snapshots = row["snapshots"] or 0
    snapshot = snapshots < DRAFT_SNAPSHOTS_PER_ROUND and (
        last_snapshot is None or now - last_snapshot >= timedelta(seconds=DRAFT_SNAPSHOT_EVERY_S)
    )
    saved = sql.moment_param(now)
    if snapshot:
        last_snapshot, snapshots = now, snapshots + 1
    draft = {"round_id": round_id, "participant_id": participant_id, "text": text}
    writes = [
        (
            f"INSERT INTO {D.table} ({D.round}, {D.participant}, {D.text}, {D.saved_at},"
            f" {D.snapshot_at}, {D.snapshots}) VALUES (%(round_id)s, %(participant_id)s,"
            " %(text)s, %(saved_at)s, %(snapshot_at)s, %(snapshots)s)"
            f" ON CONFLICT ({D.round}, {D.participant}) DO UPDATE SET"
            f" {D.text} = excluded.{D.text}, {D.saved_at} = excluded.{D.saved_at},"
            f" {D.snapshot_at} = excluded.{D.snapshot_at},"
            f" {D.snapshots} = excluded.{D.snapshots}",
            draft
            | {
                "saved_at": saved,
                "snapshot_at": sql.moment_param(last_snapshot),
                "snapshots": snapshots,
            },
        )
    ]
    if snapshot:
        writes.append(
            (
                f"INSERT INTO {DS.table} ({DS.round}, {DS.participant}, {DS.text},"
                f" {DS.taken_at}) VALUES (%(round_id)s, %(participant_id)s, %(text)s,"
                " %(taken_at)s)",
                draft | {"taken_at": saved},
            )
        )
    return writes


@dataclass
class KeptDrafts:
    """What a round's close does with its drafts (``drafts_kept``): the writes that store
    them as revisions, their ``answer.submitted`` events (they go before the round's
    ``round.closed``), and whether they moved a standing on the leaderboard (a first answer
    counted as answered, a scored answer's tie-break)."""

    writes: list[sql.Statement]
    events: list[tuple[str, dict]]
    standings_moved: bool = False


def kept_first(drafts: KeptDrafts, *, leaderboard_next: bool = True) -> list[sql.Statement]:
    """The kept drafts' writes, to go in one statement with the close's events; or written
    now, and none returned, when they move standings that a leaderboard read next must see
    (the final one, the room's after an extra-time release)."""
    if not (drafts.standings_moved and leaderboard_next):
        return drafts.writes
    sql.writes_together(drafts.writes)
    return []


def drafts_kept(round_id: int, now: datetime, closing: Sequence[sql.Statement] = ()) -> KeptDrafts:
    """The drafts of a closing round that become their candidates' final revisions: each one
    newer than the candidate's last revision (or with no revision at all), with other text,
    and not blank. Such a revision is marked ``at_close``, timed when its draft was saved,
    and has its key-point coverage like any other.

    For every way a round closes, under the session's lock: ``closing`` (the round's close)
    and the read of its drafts are one statement on PostgreSQL. The writes returned (the
    answers in one upsert, the revisions in one insert, a scored answer's tie-break) go with
    the close's events, one statement with them.
    """
    rows = _drafts_to_keep(round_id, closing)
    if not rows:
        return KeptDrafts(writes=[], events=[])
    key_points = sql.json_value(rows[0]["key_points"]) or []
    deadline = sql.moment(rows[0]["deadline"])
    answers, revisions, writes, events = [], [], [], []
    for row in rows:
        answer, revision, standing, event = _draft_kept(row, round_id, key_points, deadline)
        answers.append(answer)
        revisions.append(revision)
        writes += standing
        events.append(event)
    return KeptDrafts(
        writes=[*_kept_answers(answers, revisions), *writes],
        events=events,
        standings_moved=bool(writes),
    )


def _drafts_to_keep(round_id: int, closing: Sequence[sql.Statement]) -> list[dict[str, Any]]:
    """After ``closing``, the round's drafts to keep (by candidate), not blank, each with its
    candidate's answer as it stands, or a new answer's id (``new_answer_id``), distinct."""
    rows = sql.rows_after_writes(
        closing,
        f"SELECT d.{D.participant} AS participant_id, d.{D.text} AS text,"
        f" d.{D.saved_at} AS saved_at, r.{R.key_points} AS key_points,"
        f" r.{R.deadline} AS deadline, a.{A.id} AS answer_id, a.{A.revision} AS revision,"
        f" a.{A.first_submitted_at} AS first_submitted_at, a.{A.room_count} AS room_count,"
        f" st.{ST.scored_submitted_at} AS scored_submitted_at,"
        f" CASE WHEN a.{A.id} IS NULL THEN {sql.next_id(Answer)} END AS new_answer_id"
        f" FROM {D.table} d JOIN {R.table} r ON r.{R.id} = d.{D.round}"
        f" LEFT JOIN {A.table} a"
        f" ON a.{A.round} = d.{D.round} AND a.{A.participant} = d.{D.participant}"
        f" LEFT JOIN {ST.table} st ON st.{ST.participant} = d.{D.participant}"
        f" WHERE d.{D.round} = %(round_id)s"
        f" AND (a.{A.id} IS NULL OR (d.{D.saved_at} > a.{A.submitted_at}"
        f" AND d.{D.text} <> a.{A.text}))"
        # An exercise's starter code untouched is no answer.
        f" AND NOT (a.{A.id} IS NULL AND d.{D.text} = r.{R.starter_code})"
        f" ORDER BY d.{D.participant}",
        {"round_id": round_id},
    )
    for row, new_id in zip(
        rows, sql.next_ids_distinct([row["new_answer_id"] for row in rows]), strict=True
    ):
        row["new_answer_id"] = new_id
    return [row for row in rows if row["text"].strip()]


def _draft_kept(
    row: dict[str, Any], round_id: int, key_points: list, deadline: datetime
) -> tuple[dict, dict, list[sql.Statement], tuple[str, dict]]:
    """One kept draft (a row of ``_drafts_to_keep``): its answer's values and its revision's
    (for ``_kept_answers``), the change to its candidate's standing if any, and its
    ``answer.submitted``."""
    saved_at = sql.moment(row["saved_at"])
    coverage = coverage_of(row["text"], key_points)
    answer_id = row["answer_id"] or row["new_answer_id"]
    revision = (row["revision"] or 0) + 1
    first = sql.moment(row["first_submitted_at"]) or saved_at
    saved, scored = sql.moment_param(saved_at), sql.json_param(coverage)
    text = row["text"]
    answer = {"id": answer_id, "round_id": round_id, "participant_id": row["participant_id"]}
    answer |= {"text": text, "revision": revision, "first_submitted_at": sql.moment_param(first)}
    answer |= {"submitted_at": saved, "coverage": scored}
    kept = {"answer_id": answer_id, "revision": revision, "text": text}
    kept |= {"submitted_at": saved, "coverage": scored}
    # As for a submit: a first answer counts as answered, and of a scored answer the
    # tie-break is the newest submitted_at of the candidate's scored answers. The round is
    # closing for everyone, so an answer typed in extra time counts now too.
    standing: dict[str, Any] = {}
    if row["room_count"]:
        newest = max(sql.moment(row["scored_submitted_at"]) or saved_at, saved_at)
        standing["scored_submitted_at"] = sql.moment_param(newest)
    first_answer = row["answer_id"] is None
    writes = []
    if first_answer or standing:
        writes.append(
            standing_changed(row["participant_id"], answered_one_more=first_answer, **standing)
        )
    event = {"round_id": round_id, "answer_id": answer_id, "participant_id": row["participant_id"]}
    event |= {"revision": revision, "text": text, "coverage": coverage, "at_close": True}
    # Its time is its draft's, not the event's: every lens's snapshot shows that one.
    event["submitted_at"] = timestamp(saved_at)
    if saved_at > deadline:
        event[IN_EXTRA_TIME] = True  # typed in the candidate's own extra time
    return answer, kept, writes, (EventType.ANSWER_SUBMITTED, event)


def _kept_answers(answers: list[dict], revisions: list[dict]) -> list[sql.Statement]:
    """The kept drafts' answers in one upsert and their revisions in one insert, each
    marked ``at_close``."""
    answer_rows, answer_params = sql.values_rows(
        [answer | {"score_sum": 0, "score_count": 0, "at_close": True} for answer in answers]
    )
    revision_rows, revision_params = sql.values_rows(
        [revision | {"at_close": True} for revision in revisions]
    )
    return [
        (
            f"INSERT INTO {A.table} ({A.id}, {A.round}, {A.participant}, {A.text},"
            f" {A.revision}, {A.first_submitted_at}, {A.submitted_at}, {A.coverage},"
            f" {A.score_sum}, {A.score_count}, {A.at_close}) VALUES {answer_rows}"
            f" ON CONFLICT ({A.id}) DO UPDATE SET {A.text} = excluded.{A.text},"
            f" {A.revision} = excluded.{A.revision},"
            f" {A.submitted_at} = excluded.{A.submitted_at},"
            f" {A.coverage} = excluded.{A.coverage}, {A.at_close} = excluded.{A.at_close}",
            answer_params,
        ),
        (
            f"INSERT INTO {AR.table} ({AR.answer}, {AR.revision}, {AR.text},"
            f" {AR.submitted_at}, {AR.coverage}, {AR.at_close}) VALUES {revision_rows}",
            revision_params,
        ),
    ]
