"""What the commands that open, close and extend rounds share: the open round read beside
the locked session, its close, and candidates' own deadlines."""

from datetime import datetime
from typing import Any

from interview.domain import sql
from interview.domain.protocol import EventType, timestamp
from interview.domain.services._command import S, is_due
from interview.models import Answer, PersonalDeadline, Round

R = sql.names(Round)
PD = sql.names(PersonalDeadline)
A = sql.names(Answer)

# The session's open round beside its locked row (``o``): at most one, by a constraint.
OPEN_ROUND = f"LEFT JOIN {R.table} o ON o.{R.session} = s.{S.id} AND o.{R.closed_at} IS NULL"
# What a command reads of the open round to tell whether it is still open.
OPEN_ROUND_COLUMNS = (
    f"o.{R.id} AS open_round_id, o.{R.deadline} AS open_deadline,"
    f" o.{R.extended_until} AS open_extended_until"
)
# What a command that closes the open round (``o``) reads beside the locked session: whether
# any answer of it was given, or last revised, in extra time (``extra_time_released``).
EXTRA_TIME_ANSWERS = (
    f"(SELECT COUNT(*) FROM {A.table} h WHERE h.{A.round} = o.{R.id}"
    f" AND h.{A.submitted_at} > o.{R.deadline}) AS extra_time_answers"
)


def round_close_statement(round_id: int, reason: str, now: datetime) -> sql.Statement:
    """The statement that closes the round now for ``reason``."""
    return (
        f"UPDATE {R.table} SET {R.closed_at} = %(closed_at)s, {R.close_reason} = %(reason)s"
        f" WHERE {R.id} = %(round_id)s",
        {"closed_at": sql.moment_param(now), "reason": reason, "round_id": round_id},
    )


def round_closed(round_id: int, reason: str) -> tuple[str, dict]:
    """The round's ``round.closed`` event."""
    return "round.closed", {"round_id": round_id, "reason": reason}


def open_round_due(row: dict[str, Any], now: datetime) -> bool:
    """Whether the open round read with ``OPEN_ROUND_COLUMNS`` is due: its deadline and the
    last personal deadline (when a candidate has more time) have both passed."""
    extended_until = row["open_extended_until"]
    return is_due(row["open_deadline"], now) and (
        extended_until is None or is_due(extended_until, now)
    )


def personal_deadlines_insert(round_id: int, deadlines: dict[int, datetime]) -> sql.Statement:
    """Candidates' own deadlines on a round, new or moved later."""
    values, params = sql.values_rows(
        [
            {"round_id": round_id, "participant_id": pid, "deadline": sql.moment_param(due)}
            for pid, due in deadlines.items()
        ]
    )
    return (
        f"INSERT INTO {PD.table} ({PD.round}, {PD.participant}, {PD.deadline}) VALUES {values}"
        f" ON CONFLICT ({PD.round}, {PD.participant})"
        f" DO UPDATE SET {PD.deadline} = excluded.{PD.deadline}",
        params,
    )


def round_extended(round_id: int, participant_id: int, deadline: datetime) -> tuple[str, dict]:
    """The ``round.extended`` event of a candidate's new own deadline."""
    return EventType.ROUND_EXTENDED, {
        "round_id": round_id,
        "participant_id": participant_id,
        "deadline": timestamp(deadline),
    }
