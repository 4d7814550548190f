"""What every command shares: the session's row locked with what the command reads, its
receipt, its refusals, and the statements that append its events.

A command is a handful of hand-written statements (``sql``): the session's row locked with
everything the command reads, the writes that need a value back (RETURNING), and the rest of
its writes, its events and its receipt together, one statement on PostgreSQL.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from interview.domain import sql
from interview.domain.broadcast import event_publish_on_commit
from interview.domain.errors import Refusal
from interview.domain.standings import leaderboard_for
from interview.domain.visibility import audience_of
from interview.models import (
    CommandReceipt,
    Event,
    InterviewSession,
    Participant,
    PersonalDeadline,
    Round,
)

S = sql.names(InterviewSession)
C = sql.names(CommandReceipt)
E = sql.names(Event)
P = sql.names(Participant)
R = sql.names(Round)
PD = sql.names(PersonalDeadline)


class RepeatedCommandError(Exception):
    """A command id its participant used before: the first result, and nothing else happens."""

    def __init__(self, result: dict) -> None:
        super().__init__("command repeated")
        self.result = result


@dataclass
class Receipt:
    """A command's id, by which a repeat is recognised, and the result the command gave."""

    participant_id: int
    command_id: str | None
    type: str
    result: dict | None = None

    def earlier(self) -> sql.Statement:
        """A scalar subquery: the result this id gave before, or NULL. Its parameters are
        named ``receipt_*``."""
        if self.command_id is None:
            return "NULL", {}
        return (
            f"(SELECT c.{C.result} FROM {C.table} c"
            f" WHERE c.{C.participant} = %(receipt_participant_id)s"
            f" AND c.{C.command_id} = %(receipt_command_id)s)",
            {"receipt_participant_id": self.participant_id, "receipt_command_id": self.command_id},
        )

    def record(self, result: dict, now: datetime) -> list[sql.Statement]:
        """Keep the result: to return now, and under the command id if it has one."""
        self.result = result
        if self.command_id is None:
            return []
        return [
            (
                f"INSERT INTO {C.table} ({C.participant}, {C.command_id}, {C.type}, {C.result},"
                f" {C.created_at}) VALUES (%(participant_id)s, %(command_id)s, %(type)s,"
                " %(result)s, %(created_at)s)",
                {
                    "participant_id": self.participant_id,
                    "command_id": self.command_id,
                    "type": self.type,
                    "result": sql.json_param(result),
                    "created_at": sql.moment_param(now),
                },
            )
        ]


def recorded(receipt: Receipt | None, result: dict, now: datetime) -> list[sql.Statement]:
    """The statements that keep the command's result (none without a receipt)."""
    return [] if receipt is None else receipt.record(result, now)


def session_locked(
    session: InterviewSession,
    receipt: Receipt | None,
    select: str = "",
    joins: str = "",
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The session's row, locked until the transaction ends, with what a command reads.

    One statement locks the row (alias ``s``) and reads ``select`` from ``joins`` beside it,
    with ``params`` (named; ``session_id`` and ``receipt_*`` are taken), and the result of an
    earlier run of the receipt's command id: a repeat raises ``RepeatedCommandError``. The
    lock serialises the session's commands. On PostgreSQL a lock granted only once another
    command has committed leaves the joined values as they were before that command: the
    session's ``last_seq`` as the statement first saw it tells so, and the row is read again,
    under the lock now. ``session`` takes the row's status, last_seq, owner and ranking.
    """
    earlier, earlier_params = receipt.earlier() if receipt is not None else ("NULL", {})
    query = (
        f"SELECT s.{S.status} AS status, s.{S.last_seq} AS last_seq, s.{S.owner} AS owner_id,"
        f" s.{S.ranking} AS ranking, {earlier} AS earlier,"
        f" (SELECT v.{S.last_seq} FROM {S.table} v WHERE v.{S.id} = s.{S.id}) AS seen_last_seq"
        f"{', ' if select else ''}{select}"
        f" FROM {S.table} s {joins}"
        f" WHERE s.{S.id} = %(session_id)s{sql.for_update_of('s')}"
    )
    arguments = {**earlier_params, **(params or {}), "session_id": session.pk}
    row = sql.one_row(query, arguments)
    if row["seen_last_seq"] != row["last_seq"]:
        row = sql.one_row(query, arguments)
    if row["earlier"] is not None:
        raise RepeatedCommandError(sql.json_value(row["earlier"]))
    session.status, session.last_seq, session.owner_id, session.ranking = (
        row["status"],
        row["last_seq"],
        row["owner_id"],
        row["ranking"],
    )
    return row


def _event_rows(
    session: InterviewSession, now: datetime, events: list[tuple[str, dict]]
) -> list[Event]:
    """The session's next events as ``Event`` instances, numbered after its ``last_seq``."""
    return [
        Event(
            session_id=session.pk,
            seq=session.last_seq + number,
            type=event_type,
            payload=payload,
            audience=audience_of(event_type, payload),
            created_at=now,
        )
        for number, (event_type, payload) in enumerate(events, start=1)
    ]


def events_append(
    session: InterviewSession, now: datetime, events: list[tuple[str, dict]], **changes: Any
) -> list[sql.Statement]:
    """The statements that append the session's next events (gap-free ``seq``) and raise its
    ``last_seq``, with ``changes`` to its other fields (by field name). Each event is
    published once the transaction commits.

    For a session read by ``session_locked`` in this transaction: the lock makes its
    ``last_seq`` the current one, and the unique ``(session, seq)`` refuses a stale copy.
    """
    appended = _event_rows(session, now, events)
    session.last_seq += len(appended)
    for field, value in changes.items():
        setattr(session, field, value)
    fields = {"last_seq": session.last_seq, **changes}
    for event in appended:
        event_publish_on_commit(event)
    values, params = sql.values_rows(
        [
            {
                "session_id": event.session_id,
                "seq": event.seq,
                "type": event.type,
                "payload": sql.json_param(event.payload),
                "audience": event.audience,
                "created_at": sql.moment_param(now),
            }
            for event in appended
        ]
    )
    assignments = ", ".join(f"{getattr(S, field)} = %(set_{field})s" for field in fields)
    return [
        (
            f"UPDATE {S.table} SET {assignments} WHERE {S.id} = %(session_id)s",
            {
                **{
                    f"set_{field}": sql.moment_param(v) if isinstance(v, datetime) else v
                    for field, v in fields.items()
                },
                "session_id": session.pk,
            },
        ),
        (
            f"INSERT INTO {E.table} ({E.session}, {E.seq}, {E.type}, {E.payload}, {E.audience},"
            f" {E.created_at}) VALUES {values}",
            params,
        ),
    ]


def leaderboard_payload(session: InterviewSession) -> dict[str, Any]:
    """The ``leaderboard`` of an event's payload, and the ``ranking`` rule that orders it."""
    return {
        "leaderboard": [row.as_dict() for row in leaderboard_for(session)],
        "ranking": session.ranking,
    }


def refuse_if_finished(session: InterviewSession) -> None:
    """Refuse (``session_finished``) what changes a finished session's course."""
    if session.status == InterviewSession.Status.FINISHED:
        raise Refusal("session_finished", "This session has finished.")


def is_due(deadline: datetime | str, now: datetime) -> bool:
    """A round at its deadline is closed: the clock closes it within a tick, and a command
    that comes in between sees it as the clock would leave it."""
    return sql.moment(deadline) <= now


# What a candidate's command on a round reads beside the locked session: the round, if it is
# of this session (``r``), and the candidate's own deadline in it, if they have more time
# (``pd``). Its parameters: ``round_id`` and ``participant_id`` (the candidate's).
CANDIDATE_ROUND = (
    f"LEFT JOIN {R.table} r ON r.{R.id} = %(round_id)s AND r.{R.session} = s.{S.id}"
    f" LEFT JOIN {PD.table} pd ON pd.{PD.round} = r.{R.id}"
    f" AND pd.{PD.participant} = %(participant_id)s"
)
CANDIDATE_ROUND_COLUMNS = (
    f"r.{R.id} AS round_id, r.{R.closed_at} AS closed_at, r.{R.deadline} AS deadline,"
    f" pd.{PD.deadline} AS own_deadline"
)


def refuse_unless_open(
    session: InterviewSession, row: dict[str, Any], round_id: int, lost: str
) -> datetime:
    """A candidate's command on a round (an answer, a signal) is refused alike: ``not_found``
    for a round of another session, ``session_finished``, then ``round_closed`` for a round
    closed or past the candidate's own deadline (the round's, or a later one of theirs).
    ``row`` holds ``CANDIDATE_ROUND_COLUMNS``; ``lost`` says what was not kept. Returns the
    time of the command."""
    if row["round_id"] is None:
        raise Refusal("not_found", f"No round {round_id} in this session.")
    refuse_if_finished(session)
    now = timezone.now()
    if row["closed_at"] is not None or is_due(row["own_deadline"] or row["deadline"], now):
        raise Refusal("round_closed", f"This round is closed; {lost}.")
    return now


def candidate_round_locked(
    session: InterviewSession,
    receipt: Receipt | None,
    round_id: int,
    participant_id: int,
    read: tuple[str, str],
    lost: str,
) -> tuple[dict[str, Any], datetime]:
    """A candidate's command on a round: the locked session (``session_locked``) with the
    round and the candidate's own deadline (``CANDIDATE_ROUND_COLUMNS``) and what the command
    reads beside them, ``read`` (columns, then joins; the round is ``r``, the parameters
    ``round_id`` and ``participant_id``). Refused unless the round is open to the candidate
    (``refuse_unless_open``, with ``lost``). Returns the row and the time of the command."""
    columns, joins = read
    row = session_locked(
        session,
        receipt,
        f"{CANDIDATE_ROUND_COLUMNS}, {columns}",
        f"{CANDIDATE_ROUND} {joins}",
        {"round_id": round_id, "participant_id": participant_id},
    )
    return row, refuse_unless_open(session, row, round_id, lost)


# A candidate of the session beside its locked row (``c``), by ``candidate_id``.
CANDIDATE = (
    f"LEFT JOIN {P.table} c ON c.{P.id} = %(candidate_id)s AND c.{P.session} = s.{S.id}"
    f" AND c.{P.role} = %(candidate_role)s"
)
CANDIDATE_PARAMS = {"candidate_role": Participant.Role.CANDIDATE}
