"""Integrity signals: what a candidate's page reports of the tab, the window and pastes."""

from django.db import transaction

from interview.domain import sql
from interview.domain.protocol import SIGNALS_PER_ROUND, EventType, timestamp
from interview.domain.services._command import (
    Receipt,
    candidate_round_locked,
    events_append,
    recorded,
)
from interview.models import InterviewSession, Participant, Round, SignalTally

R = sql.names(Round)
T = sql.names(SignalTally)


@transaction.atomic
def signal_report(
    *,
    session: InterviewSession,
    participant: Participant,
    round_id: int,
    kind: str,
    chars: int | None = None,
    load: str | None = None,
    receipt: Receipt | None = None,
) -> bool:
    """Keep one of a candidate's integrity signals on an open round: the tab hidden or shown
    (``load`` when shown by the page loading), the window's focus lost or regained, a paste's
    size. True when it was kept as a ``candidate.signal`` event (the panel's alone); past
    ``SIGNALS_PER_ROUND`` in the round only the candidate's counter of dropped signals rises.

    Refused like an answer (``refuse_unless_open``). Statements: the locked session with the
    round and the candidate's tally; the tally, the event and the receipt together.
    """
    tally = (
        f"t.{T.stored} AS signals_stored",
        f"LEFT JOIN {T.table} t"
        f" ON t.{T.round} = r.{R.id} AND t.{T.participant} = %(participant_id)s",
    )
    row, now = candidate_round_locked(
        session, receipt, round_id, participant.id, tally, "the signal was not kept"
    )
    kept = (row["signals_stored"] or 0) < SIGNALS_PER_ROUND
    writes = [tally_counted(round_id, participant.id, kept)]
    if kept:
        event = {"participant_id": participant.id, "round_id": round_id, "kind": kind}
        if chars is not None:
            event["chars"] = chars
        if load is not None:
            event["load"] = load
        event["at"] = timestamp(now)
        writes += events_append(session, now, [(EventType.CANDIDATE_SIGNAL, event)])
    sql.writes_together([*writes, *recorded(receipt, {}, now)])
    return kept


def tally_counted(round_id: int, participant_id: int, kept: bool) -> sql.Statement:
    """One more signal in the candidate's tally of the round: stored if ``kept``, else
    dropped."""
    counter = T.stored if kept else T.dropped
    return (
        f"INSERT INTO {T.table} ({T.round}, {T.participant}, {T.stored}, {T.dropped})"
        " VALUES (%(round_id)s, %(participant_id)s, %(stored)s, %(dropped)s)"
        f" ON CONFLICT ({T.round}, {T.participant})"
        f" DO UPDATE SET {counter} = {T.table}.{counter} + 1",
        {
            "round_id": round_id,
            "participant_id": participant_id,
            "stored": int(kept),
            "dropped": int(not kept),
        },
    )
