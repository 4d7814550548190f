"""Extra time: one candidate's more time on the open round, a standing accommodation, and
what the room learns of answers given in extra time once the round has closed."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from interview.domain import sql
from interview.domain.errors import Refusal
from interview.domain.protocol import EventType, timestamp
from interview.domain.services._command import (
    CANDIDATE,
    CANDIDATE_PARAMS,
    Receipt,
    events_append,
    leaderboard_payload,
    recorded,
    refuse_if_finished,
    session_locked,
)
from interview.domain.services._rounds import (
    OPEN_ROUND,
    OPEN_ROUND_COLUMNS,
    open_round_due,
    personal_deadlines_insert,
    round_extended,
)
from interview.domain.services._standings import (
    int_pairs,
    ranking_mean,
    standing_changed,
    total_of,
)
from interview.domain.standings import panel_mean
from interview.models import (
    Answer,
    InterviewSession,
    Participant,
    PersonalDeadline,
    Round,
    Standing,
)

A = sql.names(Answer)
P = sql.names(Participant)
PD = sql.names(PersonalDeadline)
R = sql.names(Round)
ST = sql.names(Standing)


@transaction.atomic
def round_extend(
    *,
    session: InterviewSession,
    participant: Participant,
    participant_id: int,
    seconds: int,
    receipt: Receipt | None = None,
) -> datetime:
    """Give one candidate more time on the open round; returns their new deadline.

    The time is added to their own deadline, or to now if it has passed (the round still open
    for others, or not yet closed by the clock): "30 more seconds" is 30 seconds they have.
    The round stays open until its last personal deadline. Statements: the locked session with
    the open round and the candidate's own deadline; their deadline and the round's last one
    together with the event and the receipt.
    """
    row = session_locked(
        session,
        receipt,
        f"{OPEN_ROUND_COLUMNS}, c.{P.id} AS candidate_id, pd.{PD.deadline} AS own_deadline",
        f"{OPEN_ROUND} {CANDIDATE} LEFT JOIN {PD.table} pd"
        f" ON pd.{PD.round} = o.{R.id} AND pd.{PD.participant} = c.{P.id}",
        {"candidate_id": participant_id, **CANDIDATE_PARAMS},
    )
    refuse_if_finished(session)
    now = timezone.now()
    if row["open_round_id"] is None or open_round_due(row, now):
        raise Refusal("not_found", "No round is open.")
    if row["candidate_id"] is None:
        raise Refusal("not_found", f"No candidate {participant_id} in this session.")
    round_id = row["open_round_id"]
    own = sql.moment(row["own_deadline"] or row["open_deadline"])
    deadline = max(own, now) + timedelta(seconds=seconds)
    last = max(deadline, sql.moment(row["open_extended_until"]) or deadline)
    result = {"round_id": round_id, "participant_id": participant_id}
    result["deadline"] = timestamp(deadline)
    sql.writes_together(
        [
            personal_deadlines_insert(round_id, {participant_id: deadline}),
            round_extended_until(round_id, last),
            *events_append(session, now, [round_extended(round_id, participant_id, deadline)]),
            *recorded(receipt, result, now),
        ]
    )
    return deadline


def round_extended_until(round_id: int, last: datetime) -> sql.Statement:
    """The round's last personal deadline, until which it stays open."""
    return (
        f"UPDATE {R.table} SET {R.extended_until} = %(extended_until)s WHERE {R.id} = %(round_id)s",
        {"extended_until": sql.moment_param(last), "round_id": round_id},
    )


@transaction.atomic
def participant_accommodate(
    *,
    session: InterviewSession,
    participant: Participant,
    participant_id: int,
    extra_time_pct: int,
    receipt: Receipt | None = None,
) -> None:
    """Set a candidate's standing accommodation: each round opened from now on gives them
    ``extra_time_pct`` percent of its time limit on top of its deadline (the open round keeps
    what it gave; ``round_extend`` adds to it). The panel alone learns of it."""
    row = session_locked(
        session,
        receipt,
        f"c.{P.id} AS candidate_id",
        CANDIDATE,
        {"candidate_id": participant_id, **CANDIDATE_PARAMS},
    )
    refuse_if_finished(session)
    if row["candidate_id"] is None:
        raise Refusal("not_found", f"No candidate {participant_id} in this session.")
    now = timezone.now()
    result = {"participant_id": participant_id, "extra_time_pct": extra_time_pct}
    sql.writes_together(
        [
            accommodation_set(participant_id, extra_time_pct),
            *events_append(session, now, [(EventType.TIME_ACCOMMODATED, result)]),
            *recorded(receipt, result, now),
        ]
    )


def accommodation_set(participant_id: int, extra_time_pct: int) -> sql.Statement:
    """A candidate's standing accommodation, in percent of each later round's time limit."""
    return (
        f"UPDATE {P.table} SET {P.extra_time_pct} = %(extra_time_pct)s"
        f" WHERE {P.id} = %(participant_id)s",
        {"extra_time_pct": extra_time_pct, "participant_id": participant_id},
    )


def extra_time_released(
    session: InterviewSession, round_id: int, now: datetime
) -> list[tuple[str, dict]]:
    """What the room learns of a round's answers given in extra time once the round has
    closed for everyone, and not before: each one's mean, as its author was shown it, and
    with it the leaderboard's standings (the total and mean, the answers counted, the
    tie-break). Writes them; returns a ``score.updated`` (to everyone) per newly shown mean,
    to append after the ``round.closed``.

    Statements: the answers revised after the round's deadline, with their candidates'
    standings and other means; their writes together; the leaderboard, if a mean is new.
    """
    writes: list[sql.Statement] = []
    shown: list[tuple[int, int, float | None]] = []
    for row in _extra_time_answers(round_id):
        writes += _extra_time_writes(row)
        if row["shown_count"] and _shown_differs(row):
            shown.append(
                (row["id"], row["participant_id"], panel_mean(row["shown_sum"], row["shown_count"]))
            )
    sql.writes_together(writes)
    if not shown:
        return []
    board = leaderboard_payload(session)
    return [
        (
            EventType.SCORE_UPDATED,
            {
                "answer_id": answer_id,
                "participant_id": author_id,
                "round_id": round_id,
                "score": mean,
                **board,
            },
        )
        for answer_id, author_id, mean in shown
    ]


def _extra_time_answers(round_id: int) -> list[dict[str, Any]]:
    """The round's answers revised after its deadline: the mean shown to the author and the
    room's, whether it is a first answer given late, and the candidate's standing and other
    answers' room means (``a/b`` pairs)."""
    others = sql.joined_text(f"o.{A.room_sum} || '/' || o.{A.room_count}")
    return sql.dict_rows(
        f"SELECT h.{A.id} AS id, h.{A.participant} AS participant_id,"
        f" h.{A.shown_sum} AS shown_sum, h.{A.shown_count} AS shown_count,"
        f" h.{A.room_sum} AS room_sum, h.{A.room_count} AS room_count,"
        f" h.{A.submitted_at} AS submitted_at,"
        # A first answer kept from a draft at this close was counted by ``drafts_kept``.
        f" h.{A.first_submitted_at} > r.{R.deadline}"
        f" AND NOT (h.{A.at_close} AND h.{A.revision} = 1) AS first_late,"
        f" st.{ST.asked} AS asked, st.{ST.scored_submitted_at} AS scored_submitted_at,"
        f" (SELECT {others} FROM {A.table} o"
        f" WHERE o.{A.participant} = h.{A.participant} AND o.{A.id} <> h.{A.id}"
        f" AND o.{A.room_count} > 0) AS other_means"
        f" FROM {A.table} h JOIN {R.table} r ON r.{R.id} = h.{A.round}"
        f" JOIN {ST.table} st ON st.{ST.participant} = h.{A.participant}"
        f" WHERE h.{A.round} = %(round_id)s AND h.{A.submitted_at} > r.{R.deadline}",
        {"round_id": round_id},
    )


def _shown_differs(row: dict[str, Any]) -> bool:
    """Whether the mean shown to the author is not the room's yet."""
    return (row["shown_sum"], row["shown_count"]) != (row["room_sum"], row["room_count"])


def _extra_time_writes(row: dict[str, Any]) -> list[sql.Statement]:
    """For one answer of ``_extra_time_answers``: the room's mean set to the one shown (if
    they differ), and the candidate's standing: answered one more for a first answer given
    late, and for a scored answer the total, mean and tie-break."""
    values: dict[str, Any] = {}
    writes: list[sql.Statement] = []
    if row["shown_count"]:
        s_sum, s_count = row["shown_sum"], row["shown_count"]
        total = total_of([(s_sum, s_count), *int_pairs(row["other_means"])])
        submitted = sql.moment(row["submitted_at"])
        tie = max(sql.moment(row["scored_submitted_at"]) or submitted, submitted)
        values = {"total": total, "mean": ranking_mean(total, row["asked"])}
        values["scored_submitted_at"] = sql.moment_param(tie)
        if _shown_differs(row):
            writes.append(
                (
                    f"UPDATE {A.table} SET {A.room_sum} = %(room_sum)s,"
                    f" {A.room_count} = %(room_count)s WHERE {A.id} = %(answer_id)s",
                    {"room_sum": s_sum, "room_count": s_count, "answer_id": row["id"]},
                )
            )
    if row["first_late"] or values:
        writes.append(
            standing_changed(
                row["participant_id"], answered_one_more=bool(row["first_late"]), **values
            )
        )
    return writes
