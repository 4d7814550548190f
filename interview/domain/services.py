"""Writes: every change of a session's state happens here, and only here.

A service validates what the database cannot, changes the rows and appends the session's
event with the next ``seq`` in the same transaction; after commit the event is fanned out.
Services are keyword-only and named ``<entity>_<action>``.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, TypeVar

from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from interview.content.coverage import coverage_of
from interview.content.verdicts import suggested_with_tests, verdicts_agree
from interview.domain import sql
from interview.domain.broadcast import (
    event_publish_on_commit,
    presence_publish_on_commit,
    sockets_displace_on_commit,
)
from interview.domain.credentials import join_code_new, secret_hash, secret_new
from interview.domain.errors import ServiceError
from interview.domain.names import (
    DISPLAY_NAME_MAX,
    display_name_clean,
    display_name_keys,
    display_names_clash,
)
from interview.domain.protocol import (
    DRAFT_SNAPSHOT_EVERY_S,
    DRAFT_SNAPSHOTS_PER_ROUND,
    MAX_SOCKETS_PER_PARTICIPANT,
    SIGNALS_PER_ROUND,
    Command,
    CommandType,
    EventType,
    timestamp,
)
from interview.domain.roles import is_interviewer
from interview.domain.selectors import (
    PRESENCE_GRACE,
    PRESENCE_STALE_AFTER,
    leaderboard_for,
    panel_mean,
    round_payload,
)
from interview.domain.visibility import AWAITING, IN_EXTRA_TIME, VERDICT_SHOWN, audience_of
from interview.models import (
    Answer,
    Connection,
    Event,
    InterviewSession,
    Note,
    Participant,
    Question,
    Round,
    Standing,
)

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    """A participant and the token shown once to its holder."""

    participant: Participant
    token: str


@dataclass(frozen=True)
class SessionCreated:
    session: InterviewSession
    owner: Issued
    panel_invite: str


def _participant_new(
    *, session: InterviewSession, role: str, display_name: str, user: AbstractBaseUser | None
) -> Issued:
    token = secret_new()
    participant = Participant.objects.create(
        session=session,
        role=role,
        display_name=display_name,
        user=user,
        token_hash=secret_hash(token),
    )
    return Issued(participant=participant, token=token)


def _interviewer_name(user: AbstractBaseUser) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return (full or user.get_username())[:DISPLAY_NAME_MAX]


def session_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    question_ids: list[int] | None = None,
    time_limit_s: int | None = None,
    ranking: str = InterviewSession.Ranking.TOTAL,
    show_verdicts: bool = False,
) -> SessionCreated:
    """A new session in the lobby, its owner seated as the first interviewer; the leaderboard
    ranks by ``ranking`` (``InterviewSession.Ranking``) for the whole session, and the room
    sees exercise answers' pass counts if ``show_verdicts``. Refused while the owner has
    ``MAX_LIVE_SESSIONS_PER_USER`` sessions not finished."""
    if ranking not in InterviewSession.Ranking.values:
        raise ServiceError("invalid", "ranking: must be total or mean.")
    live = InterviewSession.objects.filter(owner=owner).exclude(
        status=InterviewSession.Status.FINISHED
    )
    limit = django_settings.MAX_LIVE_SESSIONS_PER_USER
    if live.count() >= limit:
        raise ServiceError(
            "too_many_sessions",
            f"You have {limit} sessions that have not finished: finish one to open another.",
        )
    question_ids = list(question_ids or [])
    if question_ids:
        found = set(Question.objects.filter(id__in=question_ids).values_list("id", flat=True))
        missing = [qid for qid in question_ids if qid not in found]
        if missing:
            raise ServiceError(
                "invalid",
                f"question_ids: no question with id {', '.join(map(str, missing))}.",
                {"question_ids": missing},
            )
    settings: dict = {"question_ids": question_ids}
    if time_limit_s is not None:
        settings["time_limit_s"] = time_limit_s
    panel_invite = secret_new()
    # A code collision is astronomically rare; the unique constraint decides, we retry.
    for _ in range(5):
        try:
            with transaction.atomic():
                session = InterviewSession.objects.create(
                    code=join_code_new(),
                    title=title,
                    owner=owner,
                    ranking=ranking,
                    show_verdicts=show_verdicts,
                    settings=settings,
                    panel_invite_hash=secret_hash(panel_invite),
                )
                issued = _participant_new(
                    session=session,
                    role=Participant.Role.INTERVIEWER,
                    display_name=_interviewer_name(owner),
                    user=owner,
                )
            return SessionCreated(session=session, owner=issued, panel_invite=panel_invite)
        except IntegrityError:
            continue
    raise ServiceError("conflict", "Could not allocate a join code; try again.")


def participant_join(
    *,
    session: InterviewSession,
    role: str,
    display_name: str = "",
    user: AbstractBaseUser | None = None,
    invite: str = "",
) -> Issued:
    """Seat someone in a session and hand them a participant token.

    Candidates and spectators need only the code. An interviewer joins the panel with the
    owner's invite secret; a panel member who joins again gets a new token (the old one stops
    working), which is how a second device or a cleared browser gets back in.
    """
    if role == Participant.Role.INTERVIEWER:
        return _interviewer_join(session=session, user=user, invite=invite)
    if role not in (Participant.Role.CANDIDATE, Participant.Role.SPECTATOR):
        raise ServiceError("invalid", "role: must be candidate, spectator or interviewer.")
    name = display_name_clean(display_name)
    if role == Participant.Role.CANDIDATE and session.status == InterviewSession.Status.FINISHED:
        raise ServiceError("session_finished", "This session has finished.")
    with transaction.atomic():
        # Lock the session row so two joins with one name cannot both pass the check.
        InterviewSession.objects.select_for_update().filter(pk=session.pk).first()
        if role == Participant.Role.CANDIDATE:
            candidates = Participant.objects.filter(session=session, role=role)
            keys = display_name_keys(name)
            if any(
                display_names_clash(keys, display_name_keys(taken))
                for taken in candidates.values_list("display_name", flat=True)
            ):
                raise ServiceError(
                    "name_taken", f"The name {name!r} is already taken in this session."
                )
        issued = _participant_new(session=session, role=role, display_name=name, user=None)
        if role == Participant.Role.CANDIDATE:
            # Every candidate is on the leaderboard, from the start, present from the round
            # open now (asked already) or else the next one.
            last = (
                Round.objects.filter(session=session)
                .order_by("-position")
                .values_list("position", "closed_at")
                .first()
            )
            is_open = last is not None and last[1] is None
            joined_at = 1 if last is None else last[0] + (0 if is_open else 1)
            Standing.objects.create(
                participant=issued.participant,
                session=session,
                joined_at=joined_at,
                asked=int(is_open),
            )
        return issued


def _interviewer_join(
    *, session: InterviewSession, user: AbstractBaseUser | None, invite: str
) -> Issued:
    if user is None or not user.is_authenticated:
        raise ServiceError("not_authenticated", "Sign in as an interviewer to join a panel.")
    if not is_interviewer(user):
        raise ServiceError("forbidden", "Only interviewer accounts can join a panel.")
    with transaction.atomic():
        seat = Participant.objects.select_for_update().filter(session=session, user=user).first()
        if seat is not None:
            if seat.role != Participant.Role.INTERVIEWER:
                raise ServiceError("conflict", "You already take part in this session.")
            token = secret_new()
            seat.token_hash = secret_hash(token)
            seat.save(update_fields=["token_hash"])
            return Issued(participant=seat, token=token)
        if not invite or secret_hash(invite) != session.panel_invite_hash:
            raise ServiceError("forbidden", "A valid panel invite is needed to join this panel.")
        return _participant_new(
            session=session,
            role=Participant.Role.INTERVIEWER,
            display_name=_interviewer_name(user),
            user=user,
        )


# --- the locked session, its events, the command's receipt -------------------------------
#
# A command is a handful of hand-written statements (``sql``): the session's row locked with
# everything the command reads, the writes that need a value back (RETURNING), and the rest
# of its writes, its events and its receipt together, one statement on PostgreSQL.


class _RepeatedCommandError(Exception):
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
        """A scalar subquery: the result this id gave before, or NULL."""
        if self.command_id is None:
            return "NULL", []
        return (
            "(SELECT c.result FROM interview_commandreceipt c"
            " WHERE c.participant_id = %s AND c.command_id = %s)",
            [self.participant_id, self.command_id],
        )

    def record(self, result: dict, now: datetime) -> list[sql.Statement]:
        """Keep the result: to return now, and under the command id if it has one."""
        self.result = result
        if self.command_id is None:
            return []
        return [
            (
                "INSERT INTO interview_commandreceipt"
                " (participant_id, command_id, type, result, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    self.participant_id,
                    self.command_id,
                    self.type,
                    sql.json_param(result),
                    sql.moment_param(now),
                ],
            )
        ]


def _recorded(receipt: Receipt | None, result: dict, now: datetime) -> list[sql.Statement]:
    return [] if receipt is None else receipt.record(result, now)


def _session_locked(
    session: InterviewSession,
    receipt: Receipt | None,
    select: str = "",
    joins: str = "",
    params: Sequence[Any] = (),
) -> dict[str, Any]:
    """The session's row, locked until the transaction ends, with what a command reads.

    One statement locks the row and reads ``select`` from ``joins`` beside it, and the result
    of an earlier run of the receipt's command id: a repeat raises ``_RepeatedCommandError``.
    The lock serialises the session's commands. On PostgreSQL a lock granted only once another
    command has committed leaves the joined values as they were before that command: the
    session's ``last_seq`` as the statement first saw it tells so, and the row is read again,
    under the lock now. ``session`` takes the row's status, last_seq, owner and ranking.
    """
    earlier, earlier_params = receipt.earlier() if receipt is not None else ("NULL", [])
    query = (
        f"SELECT s.status, s.last_seq, s.owner_id, s.ranking, {earlier} AS earlier,"
        " (SELECT v.last_seq FROM interview_interviewsession v WHERE v.id = s.id) AS seen_last_seq"
        f"{', ' if select else ''}{select}"
        f" FROM interview_interviewsession s {joins}"
        f" WHERE s.id = %s{sql.for_update_of('s')}"
    )
    arguments = [*earlier_params, *params, session.pk]
    row = sql.one_row(query, arguments)
    if row["seen_last_seq"] != row["last_seq"]:
        row = sql.one_row(query, arguments)
    if row["earlier"] is not None:
        raise _RepeatedCommandError(sql.json_value(row["earlier"]))
    session.status, session.last_seq, session.owner_id, session.ranking = (
        row["status"],
        row["last_seq"],
        row["owner_id"],
        row["ranking"],
    )
    return row


def _events_append(
    session: InterviewSession, now: datetime, events: list[tuple[str, dict]], **changes: Any
) -> list[sql.Statement]:
    """The statements that append the session's next events (gap-free ``seq``) and raise its
    ``last_seq``, with ``changes`` to its other columns. Each event is published once the
    transaction commits.

    For a session read by ``_session_locked`` in this transaction: the lock makes its
    ``last_seq`` the current one, and the unique ``(session, seq)`` refuses a stale copy.
    """
    appended = [
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
    session.last_seq += len(appended)
    for column, value in changes.items():
        setattr(session, column, value)
    columns = {"last_seq": session.last_seq, **changes}
    for event in appended:
        event_publish_on_commit(event)
    return [
        (
            "UPDATE interview_interviewsession"
            f" SET {', '.join(f'{column} = %s' for column in columns)} WHERE id = %s",
            [
                *(sql.moment_param(v) if isinstance(v, datetime) else v for v in columns.values()),
                session.pk,
            ],
        ),
        (
            "INSERT INTO interview_event (session_id, seq, type, payload, audience, created_at)"
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(appended))}",
            [
                value
                for event in appended
                for value in (
                    event.session_id,
                    event.seq,
                    event.type,
                    sql.json_param(event.payload),
                    event.audience,
                    sql.moment_param(now),
                )
            ],
        ),
    ]


def _leaderboard_payload(session: InterviewSession) -> dict[str, Any]:
    """The ``leaderboard`` of an event's payload, and the ``ranking`` rule that orders it."""
    return {
        "leaderboard": [row.as_dict() for row in leaderboard_for(session)],
        "ranking": session.ranking,
    }


def _refuse_if_finished(session: InterviewSession) -> None:
    if session.status == InterviewSession.Status.FINISHED:
        raise ServiceError("session_finished", "This session has finished.")


# --- rounds ---------------------------------------------------------------------------------

# The session's open round beside its locked row (``o``): at most one, by a constraint.
_OPEN_ROUND = "LEFT JOIN interview_round o ON o.session_id = s.id AND o.closed_at IS NULL"
# What a command reads of the open round to tell whether it is still open.
_OPEN_ROUND_COLUMNS = (
    "o.id AS open_round_id, o.deadline AS open_deadline, o.extended_until AS open_extended_until"
)


def _round_close(round_id: int, reason: str, now: datetime) -> sql.Statement:
    return (
        "UPDATE interview_round SET closed_at = %s, close_reason = %s WHERE id = %s",
        [sql.moment_param(now), reason, round_id],
    )


def _round_closed(round_id: int, reason: str) -> tuple[str, dict]:
    return "round.closed", {"round_id": round_id, "reason": reason}


def _is_due(deadline: datetime | str, now: datetime) -> bool:
    """A round at its deadline is closed: the clock closes it within a tick, and a command
    that comes in between sees it as the clock would leave it."""
    return sql.moment(deadline) <= now


def _open_round_due(row: dict[str, Any], now: datetime) -> bool:
    """Whether the open round read with ``_OPEN_ROUND_COLUMNS`` is due: its deadline and the
    last personal deadline (when a candidate has more time) have both passed."""
    extended_until = row["open_extended_until"]
    return _is_due(row["open_deadline"], now) and (
        extended_until is None or _is_due(extended_until, now)
    )


def _personal_deadlines_insert(round_id: int, deadlines: dict[int, datetime]) -> sql.Statement:
    """Candidates' own deadlines on a round, new or moved later."""
    return (
        "INSERT INTO interview_personaldeadline (round_id, participant_id, deadline)"
        f" VALUES {', '.join(['(%s, %s, %s)'] * len(deadlines))}"
        " ON CONFLICT (round_id, participant_id) DO UPDATE SET deadline = excluded.deadline",
        [
            value
            for participant_id, deadline in deadlines.items()
            for value in (round_id, participant_id, sql.moment_param(deadline))
        ],
    )


def _round_extended(round_id: int, participant_id: int, deadline: datetime) -> tuple[str, dict]:
    return EventType.ROUND_EXTENDED, {
        "round_id": round_id,
        "participant_id": participant_id,
        "deadline": timestamp(deadline),
    }


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
    the open round's close with its drafts to keep (``_drafts_kept``); the new round (its id
    back); the kept drafts, the session, the events and the receipt together.
    """
    accommodations = sql.joined_text("c.id || '/' || c.extra_time_pct")
    row = _session_locked(
        session,
        receipt,
        "s.settings, q.id AS question_id, q.title, q.prompt, q.category, q.difficulty,"
        " q.model_answer, q.key_points, q.time_limit_s AS question_time_limit_s,"
        " q.kind, q.starter_code, q.examples, q.tests,"
        f" {_OPEN_ROUND_COLUMNS}, {_EXTRA_TIME_ANSWERS},"
        " (SELECT MAX(p.position) FROM interview_round p WHERE p.session_id = s.id)"
        " AS last_position,"
        # Candidates' standing accommodations, as participant_id/extra_time_pct pairs.
        f" (SELECT {accommodations}"
        " FROM interview_participant c WHERE c.session_id = s.id AND c.role = 'candidate'"
        " AND c.extra_time_pct > 0) AS accommodations",
        f"LEFT JOIN interview_question q ON q.id = %s {_OPEN_ROUND}",
        [question_id],
    )
    _refuse_if_finished(session)
    if row["question_id"] is None:
        raise ServiceError("not_found", f"No question with id {question_id}.")
    now = timezone.now()
    events: list[tuple[str, dict]] = []
    kept: list[sql.Statement] = []
    if row["open_round_id"] is not None:
        reason = "deadline" if _open_round_due(row, now) else "next_question"
        drafts = _drafts_kept(
            row["open_round_id"], now, [_round_close(row["open_round_id"], reason, now)]
        )
        # The kept drafts are written with the new round's row (below): before this push's
        # change to every standing, which no statement may share with theirs.
        kept, events = drafts.writes, drafts.events
        events.append(_round_closed(row["open_round_id"], reason))
        if row["extra_time_answers"]:
            events += _extra_time_released(session, row["open_round_id"], now)
    session.settings = sql.json_value(row["settings"])
    limit = time_limit_s or session.settings.get("time_limit_s") or row["question_time_limit_s"]
    # The round keeps the question as read here: what round.opened shows is what it keeps.
    rnd = Round(
        session_id=session.pk,
        question_id=row["question_id"],
        title=row["title"],
        prompt=row["prompt"],
        category=row["category"],
        difficulty=row["difficulty"],
        model_answer=row["model_answer"],
        key_points=sql.json_value(row["key_points"]),
        kind=row["kind"],
        starter_code=row["starter_code"],
        examples=sql.json_value(row["examples"]),
        tests=sql.json_value(row["tests"]),
        position=(row["last_position"] or 0) + 1,
        time_limit_s=limit,
        opened_at=now,
        deadline=now + timedelta(seconds=limit),
    )
    # Each accommodated candidate's share of the time limit, on top of the deadline.
    own_deadlines = {
        candidate_id: rnd.deadline + timedelta(seconds=limit * pct / 100)
        for candidate_id, pct in _int_pairs(row["accommodations"])
    }
    rnd.extended_until = max(own_deadlines.values(), default=None)
    (inserted,) = sql.rows_after_writes(
        kept,
        "INSERT INTO interview_round (session_id, question_id, title, prompt, category,"
        " difficulty, model_answer, key_points, kind, starter_code, examples, tests, position,"
        " time_limit_s, opened_at, deadline, extended_until, closed_at, close_reason)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " NULL, '') RETURNING id",
        [
            session.pk,
            rnd.question_id,
            rnd.title,
            rnd.prompt,
            rnd.category,
            rnd.difficulty,
            rnd.model_answer,
            sql.json_param(rnd.key_points),
            rnd.kind,
            rnd.starter_code,
            sql.json_param(rnd.examples),
            sql.json_param(rnd.tests),
            rnd.position,
            limit,
            sql.moment_param(now),
            sql.moment_param(rnd.deadline),
            rnd.extended_until and sql.moment_param(rnd.extended_until),
        ],
    )
    rnd.id = inserted["id"]
    # Every candidate in the session is present for this round. Ranked by mean, that moves
    # the leaderboard (one who joined later has fewer rounds to their mean): the round's
    # event carries it then.
    opened = round_payload(rnd)
    asked: list[sql.Statement] = [(_ASKED_ONE_MORE, [session.pk])]
    if session.ranking == InterviewSession.Ranking.MEAN:
        sql.writes_together(asked)
        asked = []
        opened |= _leaderboard_payload(session)
    events.append(("round.opened", opened))
    events.extend(_round_extended(rnd.id, pid, due) for pid, due in own_deadlines.items())
    starts = (
        {"status": InterviewSession.Status.LIVE, "started_at": now}
        if session.status == InterviewSession.Status.LOBBY
        else {}
    )
    sql.writes_together(
        [
            *asked,
            *([_personal_deadlines_insert(rnd.id, own_deadlines)] if own_deadlines else []),
            *_events_append(session, now, events, **starts),
            *_recorded(receipt, {"round_id": rnd.id}, now),
        ]
    )
    return rnd


@transaction.atomic
def round_close(
    *, session: InterviewSession, participant: Participant, receipt: Receipt | None = None
) -> Round:
    """Close the open round now, at the interviewer's word: for everyone, whatever time some
    candidates have left. Drafts newer than their candidates' last revisions are kept
    (``_drafts_kept``), as at every close."""
    row = _session_locked(
        session, receipt, f"{_OPEN_ROUND_COLUMNS}, {_EXTRA_TIME_ANSWERS}", _OPEN_ROUND
    )
    _refuse_if_finished(session)
    now = timezone.now()
    if row["open_round_id"] is None or _open_round_due(row, now):
        raise ServiceError("not_found", "No round is open.")
    rnd = Round(
        id=row["open_round_id"],
        session_id=session.pk,
        deadline=sql.moment(row["open_deadline"]),
        closed_at=now,
        close_reason=Round.CloseReason.INTERVIEWER,
    )
    drafts = _drafts_kept(rnd.id, now, [_round_close(rnd.id, rnd.close_reason, now)])
    kept = _kept_first(drafts, leaderboard_next=bool(row["extra_time_answers"]))
    events = drafts.events
    events.append(_round_closed(rnd.id, rnd.close_reason))
    if row["extra_time_answers"]:
        events += _extra_time_released(session, rnd.id, now)
    sql.writes_together(
        [
            *kept,
            *_events_append(session, now, events),
            *_recorded(receipt, {"round_id": rnd.id}, now),
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
            _session_locked(session, None)
            claimed = due.filter(pk=round_id).update(
                closed_at=now, close_reason=Round.CloseReason.DEADLINE
            )
            if claimed:
                drafts = _drafts_kept(round_id, now)
                kept = _kept_first(drafts)
                events = [*drafts.events, _round_closed(round_id, "deadline")]
                events += _extra_time_released(session, round_id, now)
                sql.writes_together([*kept, *_events_append(session, now, events)])
                closed += 1
    return closed


# --- extra time -----------------------------------------------------------------------------

# A candidate of the session beside its locked row (``c``), by id.
_CANDIDATE = (
    "LEFT JOIN interview_participant c ON c.id = %s AND c.session_id = s.id"
    " AND c.role = 'candidate'"
)


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
    row = _session_locked(
        session,
        receipt,
        f"{_OPEN_ROUND_COLUMNS}, c.id AS candidate_id, pd.deadline AS own_deadline",
        f"{_OPEN_ROUND} {_CANDIDATE} LEFT JOIN interview_personaldeadline pd"
        " ON pd.round_id = o.id AND pd.participant_id = c.id",
        [participant_id],
    )
    _refuse_if_finished(session)
    now = timezone.now()
    if row["open_round_id"] is None or _open_round_due(row, now):
        raise ServiceError("not_found", "No round is open.")
    if row["candidate_id"] is None:
        raise ServiceError("not_found", f"No candidate {participant_id} in this session.")
    round_id = row["open_round_id"]
    own = sql.moment(row["own_deadline"] or row["open_deadline"])
    deadline = max(own, now) + timedelta(seconds=seconds)
    last = max(deadline, sql.moment(row["open_extended_until"]) or deadline)
    sql.writes_together(
        [
            _personal_deadlines_insert(round_id, {participant_id: deadline}),
            (
                "UPDATE interview_round SET extended_until = %s WHERE id = %s",
                [sql.moment_param(last), round_id],
            ),
            *_events_append(session, now, [_round_extended(round_id, participant_id, deadline)]),
            *_recorded(
                receipt,
                {
                    "round_id": round_id,
                    "participant_id": participant_id,
                    "deadline": timestamp(deadline),
                },
                now,
            ),
        ]
    )
    return deadline


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
    row = _session_locked(session, receipt, "c.id AS candidate_id", _CANDIDATE, [participant_id])
    _refuse_if_finished(session)
    if row["candidate_id"] is None:
        raise ServiceError("not_found", f"No candidate {participant_id} in this session.")
    now = timezone.now()
    result = {"participant_id": participant_id, "extra_time_pct": extra_time_pct}
    sql.writes_together(
        [
            (
                "UPDATE interview_participant SET extra_time_pct = %s WHERE id = %s",
                [extra_time_pct, participant_id],
            ),
            *_events_append(session, now, [(EventType.TIME_ACCOMMODATED, result)]),
            *_recorded(receipt, result, now),
        ]
    )


# --- answers and scores ---------------------------------------------------------------------


def _total_of(means: Iterable[tuple[int, int]]) -> float:
    """A candidate's total: the exact sum of their answers' means (score sum over count),
    rounded to 6 places, so equal sums are equal whatever order the scores came in."""
    return round(float(sum((Fraction(total, count) for total, count in means), Fraction(0))), 6)


def _int_pairs(joined: str | None) -> list[tuple[int, int]]:
    """``a/b`` pairs of integers as ``sql.joined_text`` gives them."""
    if not joined:
        return []
    return [(int(a), int(b)) for a, b in (pair.split("/") for pair in joined.split(","))]


# What a candidate's command on a round reads beside the locked session: the round, if it is
# of this session (``r``), and the candidate's own deadline in it, if they have more time
# (``pd``). Its parameters: the round's id, the candidate's id.
_CANDIDATE_ROUND = (
    "LEFT JOIN interview_round r ON r.id = %s AND r.session_id = s.id"
    " LEFT JOIN interview_personaldeadline pd ON pd.round_id = r.id AND pd.participant_id = %s"
)
_CANDIDATE_ROUND_COLUMNS = "r.id AS round_id, r.closed_at, r.deadline, pd.deadline AS own_deadline"


def _refuse_unless_open(
    session: InterviewSession, row: dict[str, Any], round_id: int, lost: str
) -> datetime:
    """A candidate's command on a round (an answer, a signal) is refused alike: ``not_found``
    for a round of another session, ``session_finished``, then ``round_closed`` for a round
    closed or past the candidate's own deadline (the round's, or a later one of theirs).
    ``row`` holds ``_CANDIDATE_ROUND_COLUMNS``; ``lost`` says what was not kept. Returns the
    time of the command."""
    if row["round_id"] is None:
        raise ServiceError("not_found", f"No round {round_id} in this session.")
    _refuse_if_finished(session)
    now = timezone.now()
    if row["closed_at"] is not None or _is_due(row["own_deadline"] or row["deadline"], now):
        raise ServiceError("round_closed", f"This round is closed; {lost}.")
    return now


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
    row = _session_locked(
        session,
        receipt,
        f"{_CANDIDATE_ROUND_COLUMNS}, r.key_points, st.scored_submitted_at, a.id AS answer_id,"
        " a.revision, a.first_submitted_at, a.score_sum, a.score_count, a.room_count,"
        f" CASE WHEN a.id IS NULL THEN {sql.next_id('interview_answer')} END AS new_answer_id",
        f"{_CANDIDATE_ROUND} LEFT JOIN interview_standing st ON st.participant_id = %s"
        " LEFT JOIN interview_answer a ON a.round_id = r.id AND a.participant_id = %s",
        [round_id, participant.id, participant.id, participant.id],
    )
    now = _refuse_unless_open(session, row, round_id, "the answer was not saved")
    coverage = coverage_of(text, sql.json_value(row["key_points"]) or [])
    submitted, scored = sql.moment_param(now), sql.json_param(coverage)
    common = {"round_id": round_id, "participant": participant, "text": text}
    common |= {"submitted_at": now, "coverage": coverage}
    if row["answer_id"] is None:
        answer = Answer(id=row["new_answer_id"], revision=1, first_submitted_at=now, **common)
        upsert = (
            "INSERT INTO interview_answer (id, round_id, participant_id, text, revision,"
            " first_submitted_at, submitted_at, score_sum, score_count, coverage)"
            " VALUES (%s, %s, %s, %s, 1, %s, %s, 0, 0, %s)",
            [answer.id, round_id, participant.id, text, submitted, submitted, scored],
        )
    else:
        answer = Answer(
            id=row["answer_id"],
            revision=row["revision"] + 1,
            first_submitted_at=sql.moment(row["first_submitted_at"]),
            score_sum=row["score_sum"],
            score_count=row["score_count"],
            **common,
        )
        upsert = (
            "UPDATE interview_answer SET text = %s, revision = %s, submitted_at = %s,"
            " coverage = %s WHERE id = %s",
            [text, answer.revision, submitted, scored, answer.id],
        )
    writes = [
        upsert,
        (
            "INSERT INTO interview_answerrevision (answer_id, revision, text, submitted_at,"
            " coverage) VALUES (%s, %s, %s, %s, %s)",
            [answer.id, answer.revision, text, submitted, scored],
        ),
    ]
    # The room learns of an answer in extra time at the round's close, and so does its
    # leaderboard (``_extra_time_released``): until then it counts nothing of it.
    in_extra_time = _is_due(row["deadline"], now)
    standing = {}
    if row["answer_id"] is None and not in_extra_time:
        standing["answered"] = ("answered + 1", [])
    if row["room_count"] and not in_extra_time:
        # The tie-break is the newest submitted_at among the candidate's scored answers.
        newest = max(sql.moment(row["scored_submitted_at"]) or now, now)
        standing["scored_submitted_at"] = ("%s", [sql.moment_param(newest)])
    if standing:
        writes.append(_standing_changed(participant.id, standing))
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
            *writes,
            *_events_append(session, now, [("answer.submitted", event)]),
            *_recorded(receipt, {"answer_id": answer.id, "revision": answer.revision}, now),
        ]
    )
    return answer


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
    the room and its leaderboard get it at the round's close (``_held_scores_released``).
    New feedback comes to the author as ``feedback.updated``, with its writer and no score.

    Statements: the locked session with the answer, this interviewer's earlier score, the
    panel's size and pending scores, the candidate's standing and other scored answers; the
    score, the answer's sums and the standing together; the leaderboard; the events and the
    receipt together.
    """
    other_means = sql.joined_text("o.room_sum || '/' || o.room_count")
    row = _session_locked(
        session,
        receipt,
        "a.participant_id AS author_id, a.round_id, a.revision, a.score_sum, a.score_count,"
        " a.room_sum, a.room_count, a.submitted_at, r.deadline AS round_deadline,"
        " r.closed_at AS round_closed_at, sc.score AS earlier_score,"
        " sc.feedback AS earlier_feedback, st.scored_submitted_at, st.asked,"
        " (SELECT COUNT(*) FROM interview_participant i WHERE i.session_id = s.id"
        " AND i.role = 'interviewer') AS panel_size,"
        " (SELECT COUNT(*) FROM interview_score x WHERE x.answer_id = a.id AND x.pending"
        " AND x.interviewer_id <> %s) AS others_pending,"
        f" (SELECT {other_means}"
        " FROM interview_answer o WHERE o.participant_id = a.participant_id"
        " AND o.id <> a.id AND o.room_count > 0) AS other_means",
        "LEFT JOIN (interview_answer a JOIN interview_round r ON r.id = a.round_id)"
        " ON a.id = %s AND r.session_id = s.id"
        " LEFT JOIN interview_score sc ON sc.answer_id = a.id AND sc.interviewer_id = %s"
        " LEFT JOIN interview_standing st ON st.participant_id = a.participant_id",
        [participant.id, answer_id, participant.id],
    )
    if row["author_id"] is None:
        raise ServiceError("not_found", f"No answer {answer_id} in this session.")
    # Not refused after the finish: the panel scores and gives feedback after the interviews.
    now = timezone.now()
    earlier = row["earlier_score"]
    if feedback is None:
        feedback = row["earlier_feedback"] or ""
    score_sum = row["score_sum"] - (earlier or 0) + score
    score_count = row["score_count"] + (earlier is None)
    mean = panel_mean(score_sum, score_count)
    # Every panel member has saved a score since the author and the room were last shown a
    # mean: they are shown this one; else it waits for the others.
    awaiting = max(0, row["panel_size"] - row["others_pending"] - 1)
    submitted = sql.moment(row["submitted_at"])
    in_extra_time = row["round_closed_at"] is None and submitted > sql.moment(row["round_deadline"])
    to_room = not awaiting and not in_extra_time
    shown = (score_sum, score_count) if not awaiting else None
    writes: list[sql.Statement] = [
        (
            "INSERT INTO interview_score (answer_id, interviewer_id, score, feedback, revision,"
            " pending, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (answer_id, interviewer_id) DO UPDATE SET score = excluded.score,"
            " feedback = excluded.feedback, revision = excluded.revision,"
            " pending = excluded.pending, updated_at = excluded.updated_at",
            [
                answer_id,
                participant.id,
                score,
                feedback,
                row["revision"],
                bool(awaiting),
                sql.moment_param(now),
                sql.moment_param(now),
            ],
        ),
        (
            "UPDATE interview_answer SET score_sum = %s, score_count = %s"
            + (", shown_sum = %s, shown_count = %s" if shown else "")
            + (", room_sum = %s, room_count = %s" if to_room else "")
            + " WHERE id = %s",
            [score_sum, score_count, *(shown or ()), *(shown if to_room else ()), answer_id],
        ),
    ]
    if shown:
        writes.append(
            (
                "UPDATE interview_score SET pending = %s WHERE answer_id = %s"
                " AND interviewer_id <> %s AND pending",
                [False, answer_id, participant.id],
            )
        )
    if to_room:
        total = _total_of([(score_sum, score_count), *_int_pairs(row["other_means"])])
        tie_break = max(sql.moment(row["scored_submitted_at"]) or submitted, submitted)
        writes.append(
            (
                "UPDATE interview_standing SET total = %s, mean = %s, scored_submitted_at = %s"
                " WHERE participant_id = %s",
                [
                    total,
                    ranking_mean(total, row["asked"] or 0),
                    sql.moment_param(tie_break),
                    row["author_id"],
                ],
            )
        )
    sql.writes_together(writes)
    event = {
        "answer_id": answer_id,
        "participant_id": row["author_id"],
        "round_id": row["round_id"],
        "score": mean,
        "by": participant.id,
        "by_score": score,
        "feedback": feedback,
        "revision": row["revision"],
        AWAITING: awaiting,
        **_leaderboard_payload(session),
    }
    if in_extra_time:
        event[IN_EXTRA_TIME] = True  # the room gets it at the round's close
    events = [(EventType.SCORE_UPDATED, event)]
    if feedback != (row["earlier_feedback"] or ""):
        words = {key: event[key] for key in ("answer_id", "participant_id", "round_id", "by")}
        events.append((EventType.FEEDBACK_UPDATED, {**words, "feedback": feedback}))
    sql.writes_together(
        [
            *_events_append(session, now, events),
            *_recorded(receipt, {"answer_id": answer_id, "score": score, "mean": mean}, now),
        ]
    )
    return mean


def ranking_mean(total: float, asked: int) -> float:
    """A candidate's mean for the ``mean`` ranking: their total over the rounds asked while
    they were present, 0 before any. Computed from the total in millionths (as kept) and the
    count, both exact, by one division, as a push computes it in SQL (``_ASKED_ONE_MORE``):
    equal quotients give equal floats, whatever the totals and counts that make them."""
    if not asked:
        return 0.0
    return round(total * 1_000_000) / asked / 1_000_000


# Every candidate of a session (``%s``) present for one more round, at a push.
_ASKED_ONE_MORE = (
    "UPDATE interview_standing SET asked = asked + 1,"
    " mean = ROUND(total * 1000000) / (asked + 1) / CAST(1000000 AS DOUBLE PRECISION)"
    " WHERE session_id = %s"
)

# What a command that closes the open round (``o``) reads beside the locked session: whether
# any answer of it was given, or last revised, in extra time (``_extra_time_released``).
_EXTRA_TIME_ANSWERS = (
    "(SELECT COUNT(*) FROM interview_answer h WHERE h.round_id = o.id"
    " AND h.submitted_at > o.deadline) AS extra_time_answers"
)


def _extra_time_released(
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
    others = sql.joined_text("o.room_sum || '/' || o.room_count")
    held = sql.all_rows(
        "SELECT h.id, h.participant_id, h.shown_sum, h.shown_count, h.room_sum, h.room_count,"
        # A first answer kept from a draft at this close was counted by ``_drafts_kept``.
        " h.submitted_at,"
        " h.first_submitted_at > r.deadline AND NOT (h.at_close AND h.revision = 1),"
        " st.asked, st.scored_submitted_at,"
        f" (SELECT {others} FROM interview_answer o"
        " WHERE o.participant_id = h.participant_id AND o.id <> h.id AND o.room_count > 0)"
        " FROM interview_answer h JOIN interview_round r ON r.id = h.round_id"
        " JOIN interview_standing st ON st.participant_id = h.participant_id"
        " WHERE h.round_id = %s AND h.submitted_at > r.deadline",
        [round_id],
    )
    writes: list[sql.Statement] = []
    shown: list[tuple[int, int, float | None]] = []
    for (
        answer_id,
        author_id,
        s_sum,
        s_count,
        r_sum,
        r_count,
        at,
        first_late,
        asked,
        tie,
        other,
    ) in held:
        changes = {"answered": "answered + 1"} if first_late else {}
        params: list[Any] = []
        if s_count:
            total = _total_of([(s_sum, s_count), *_int_pairs(other)])
            submitted = sql.moment(at)
            changes |= {"total": "%s", "mean": "%s", "scored_submitted_at": "%s"}
            params = [
                total,
                ranking_mean(total, asked),
                sql.moment_param(max(sql.moment(tie) or submitted, submitted)),
            ]
            if (s_sum, s_count) != (r_sum, r_count):
                writes.append(
                    (
                        "UPDATE interview_answer SET room_sum = %s, room_count = %s WHERE id = %s",
                        [s_sum, s_count, answer_id],
                    )
                )
                shown.append((answer_id, author_id, panel_mean(s_sum, s_count)))
        if changes:
            assignments = ", ".join(f"{column} = {value}" for column, value in changes.items())
            writes.append(
                (
                    f"UPDATE interview_standing SET {assignments} WHERE participant_id = %s",
                    [*params, author_id],
                )
            )
    sql.writes_together(writes)
    if not shown:
        return []
    board = _leaderboard_payload(session)
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


@transaction.atomic
def session_finish(
    *, session: InterviewSession, participant: Participant, receipt: Receipt | None = None
) -> None:
    """End the session (its owner only): the open round closes, keeping its drafts
    (``_drafts_kept``), and the leaderboard is final."""
    row = _session_locked(
        session, receipt, f"{_OPEN_ROUND_COLUMNS}, {_EXTRA_TIME_ANSWERS}", _OPEN_ROUND
    )
    if participant.user_id != session.owner_id:
        raise ServiceError("forbidden", "Only the session's owner can finish it.")
    _refuse_if_finished(session)
    now = timezone.now()
    writes, events = [], []
    if row["open_round_id"] is not None:
        reason = "deadline" if _open_round_due(row, now) else "interviewer"
        drafts = _drafts_kept(
            row["open_round_id"], now, [_round_close(row["open_round_id"], reason, now)]
        )
        writes = _kept_first(drafts)
        events = [*drafts.events, _round_closed(row["open_round_id"], reason)]
        if row["extra_time_answers"]:
            events += _extra_time_released(session, row["open_round_id"], now)
    events.append(("session.finished", _leaderboard_payload(session)))
    finished = {"status": InterviewSession.Status.FINISHED, "finished_at": now}
    sql.writes_together(
        [
            *writes,
            *_events_append(session, now, events, **finished),
            *_recorded(receipt, {}, now),
        ]
    )


# --- integrity signals ----------------------------------------------------------------------


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
    size. True when it was kept as a
    ``candidate.signal`` event (the panel's alone); past ``SIGNALS_PER_ROUND`` in the round
    only the candidate's counter of dropped signals rises.

    Refused like an answer (``_refuse_unless_open``). Statements: the locked session with the
    round and the candidate's tally; the tally, the event and the receipt together.
    """
    row = _session_locked(
        session,
        receipt,
        f"{_CANDIDATE_ROUND_COLUMNS}, t.stored AS signals_stored",
        f"{_CANDIDATE_ROUND} LEFT JOIN interview_signaltally t"
        " ON t.round_id = r.id AND t.participant_id = %s",
        [round_id, participant.id, participant.id],
    )
    now = _refuse_unless_open(session, row, round_id, "the signal was not kept")
    kept = (row["signals_stored"] or 0) < SIGNALS_PER_ROUND
    counter = "stored" if kept else "dropped"
    writes = [
        (
            "INSERT INTO interview_signaltally (round_id, participant_id, stored, dropped)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (round_id, participant_id)"
            f" DO UPDATE SET {counter} = interview_signaltally.{counter} + 1",
            [round_id, participant.id, int(kept), int(not kept)],
        )
    ]
    if kept:
        event = {"participant_id": participant.id, "round_id": round_id, "kind": kind}
        if chars is not None:
            event["chars"] = chars
        if load is not None:
            event["load"] = load
        event["at"] = timestamp(now)
        writes += _events_append(session, now, [(EventType.CANDIDATE_SIGNAL, event)])
    sql.writes_together([*writes, *_recorded(receipt, {}, now)])
    return kept


# --- drafts ---------------------------------------------------------------------------------


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
    candidate's last revision as their final one (``_drafts_kept``).

    Refused like an answer (``_refuse_unless_open``). Statements: the locked session with the
    round and the candidate's draft; the draft, its snapshot, the event and the receipt
    together.
    """
    row = _session_locked(
        session,
        receipt,
        f"{_CANDIDATE_ROUND_COLUMNS}, d.snapshot_at, d.snapshots",
        f"{_CANDIDATE_ROUND} LEFT JOIN interview_draft d"
        " ON d.round_id = r.id AND d.participant_id = %s",
        [round_id, participant.id, participant.id],
    )
    now = _refuse_unless_open(session, row, round_id, "the draft was not kept")
    last_snapshot = sql.moment(row["snapshot_at"])
    snapshots = row["snapshots"] or 0
    snapshot = snapshots < DRAFT_SNAPSHOTS_PER_ROUND and (
        last_snapshot is None or now - last_snapshot >= timedelta(seconds=DRAFT_SNAPSHOT_EVERY_S)
    )
    saved = sql.moment_param(now)
    if snapshot:
        last_snapshot, snapshots = now, snapshots + 1
    writes = [
        (
            "INSERT INTO interview_draft"
            " (round_id, participant_id, text, saved_at, snapshot_at, snapshots)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (round_id, participant_id)"
            " DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at,"
            " snapshot_at = excluded.snapshot_at, snapshots = excluded.snapshots",
            [round_id, participant.id, text, saved, sql.moment_param(last_snapshot), snapshots],
        )
    ]
    if snapshot:
        writes.append(
            (
                "INSERT INTO interview_draftsnapshot (round_id, participant_id, text, taken_at)"
                " VALUES (%s, %s, %s, %s)",
                [round_id, participant.id, text, saved],
            )
        )
    event = {"round_id": round_id, "participant_id": participant.id, "text": text}
    event["at"] = timestamp(now)
    sql.writes_together(
        [
            *writes,
            *_events_append(session, now, [(EventType.ANSWER_DRAFTED, event)]),
            *_recorded(receipt, {}, now),
        ]
    )


@dataclass
class KeptDrafts:
    """What a round's close does with its drafts (``_drafts_kept``): the writes that store
    them as revisions, their ``answer.submitted`` events (they go before the round's
    ``round.closed``), and whether they moved a standing on the leaderboard (a first answer
    counted as answered, a scored answer's tie-break)."""

    writes: list[sql.Statement]
    events: list[tuple[str, dict]]
    standings_moved: bool = False


def _standing_changed(participant_id: int, changes: dict[str, tuple[str, list]]) -> sql.Statement:
    """One statement that sets a candidate's standing's columns, each to an SQL expression
    with its parameters (``("answered + 1", [])``, ``("%s", [moment])``)."""
    assignments = ", ".join(f"{column} = {value}" for column, (value, _) in changes.items())
    return (
        f"UPDATE interview_standing SET {assignments} WHERE participant_id = %s",
        [*(param for _, params in changes.values() for param in params), participant_id],
    )


def _kept_first(drafts: "KeptDrafts", *, leaderboard_next: bool = True) -> list[sql.Statement]:
    """The kept drafts' writes, to go in one statement with the close's events; or written
    now, and none returned, when they move standings that a leaderboard read next must see
    (the final one, the room's after an extra-time release)."""
    if not (drafts.standings_moved and leaderboard_next):
        return drafts.writes
    sql.writes_together(drafts.writes)
    return []


def _drafts_kept(round_id: int, now: datetime, closing: Sequence[sql.Statement] = ()) -> KeptDrafts:
    """The drafts of a closing round that become their candidates' final revisions: each one
    newer than the candidate's last revision (or with no revision at all), with other text,
    and not blank. Such a revision is marked ``at_close``, timed when its draft was saved,
    and has its key-point coverage like any other.

    For every way a round closes, under the session's lock: ``closing`` (the round's close)
    and the read of its drafts are one statement on PostgreSQL. The writes returned (the
    answers in one upsert, the revisions in one insert, a scored answer's tie-break) go with
    the close's events, one statement with them.
    """
    rows = sql.rows_after_writes(
        closing,
        "SELECT d.participant_id, d.text, d.saved_at, r.key_points, r.deadline,"
        " a.id AS answer_id, a.revision, a.first_submitted_at, a.room_count,"
        " st.scored_submitted_at,"
        f" CASE WHEN a.id IS NULL THEN {sql.next_id('interview_answer')} END AS new_answer_id"
        " FROM interview_draft d JOIN interview_round r ON r.id = d.round_id"
        " LEFT JOIN interview_answer a"
        " ON a.round_id = d.round_id AND a.participant_id = d.participant_id"
        " LEFT JOIN interview_standing st ON st.participant_id = d.participant_id"
        " WHERE d.round_id = %s"
        " AND (a.id IS NULL OR (d.saved_at > a.submitted_at AND d.text <> a.text))"
        # An exercise's starter code untouched is no answer.
        " AND NOT (a.id IS NULL AND d.text = r.starter_code)"
        " ORDER BY d.participant_id",
        [round_id],
    )
    for row, new_id in zip(
        rows, sql.next_ids_distinct([row["new_answer_id"] for row in rows]), strict=True
    ):
        row["new_answer_id"] = new_id
    rows = [row for row in rows if row["text"].strip()]
    if not rows:
        return KeptDrafts(writes=[], events=[])
    key_points = sql.json_value(rows[0]["key_points"]) or []
    deadline = sql.moment(rows[0]["deadline"])
    answers, revisions, writes, events = [], [], [], []
    standings_moved = False
    for row in rows:
        saved_at = sql.moment(row["saved_at"])
        coverage = coverage_of(row["text"], key_points)
        answer_id = row["answer_id"] or row["new_answer_id"]
        revision = (row["revision"] or 0) + 1
        first = sql.moment(row["first_submitted_at"]) or saved_at
        saved, scored = sql.moment_param(saved_at), sql.json_param(coverage)
        answers += [answer_id, round_id, row["participant_id"], row["text"], revision]
        answers += [sql.moment_param(first), saved, scored]
        revisions += [answer_id, revision, row["text"], saved, scored]
        # As for a submit: a first answer counts as answered, and of a scored answer the
        # tie-break is the newest submitted_at of the candidate's scored answers. The round is
        # closing for everyone, so an answer typed in extra time counts now too.
        standing: dict[str, tuple[str, list]] = {}
        if row["answer_id"] is None:
            standing["answered"] = ("answered + 1", [])
        if row["room_count"]:
            newest = max(sql.moment(row["scored_submitted_at"]) or saved_at, saved_at)
            standing["scored_submitted_at"] = ("%s", [sql.moment_param(newest)])
        if standing:
            writes.append(_standing_changed(row["participant_id"], standing))
            standings_moved = True
        event = {
            "round_id": round_id,
            "answer_id": answer_id,
            "participant_id": row["participant_id"],
            "revision": revision,
            "text": row["text"],
            "coverage": coverage,
            "at_close": True,
            # Its time is its draft's, not the event's: every lens's snapshot shows that one.
            "submitted_at": timestamp(saved_at),
        }
        if saved_at > deadline:
            event[IN_EXTRA_TIME] = True  # typed in the candidate's own extra time
        events.append((EventType.ANSWER_SUBMITTED, event))
    writes[:0] = [
        (
            "INSERT INTO interview_answer (id, round_id, participant_id, text, revision,"
            " first_submitted_at, submitted_at, coverage, score_sum, score_count, at_close)"
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s, 0, 0, TRUE)'] * len(rows))}"
            " ON CONFLICT (id) DO UPDATE SET text = excluded.text,"
            " revision = excluded.revision, submitted_at = excluded.submitted_at,"
            " coverage = excluded.coverage, at_close = excluded.at_close",
            answers,
        ),
        (
            "INSERT INTO interview_answerrevision"
            " (answer_id, revision, text, submitted_at, coverage, at_close)"
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, TRUE)'] * len(rows))}",
            revisions,
        ),
    ]
    return KeptDrafts(writes=writes, events=events, standings_moved=standings_moved)


# --- the panel's notes ------------------------------------------------------------------------


@transaction.atomic
def note_save(
    *,
    session: InterviewSession,
    participant: Participant,
    text: str,
    answer_id: int | None = None,
    participant_id: int | None = None,
    receipt: Receipt | None = None,
) -> dict:
    """Keep this interviewer's private note on an answer (``answer_id``) or on a candidate
    (``participant_id``): the text replaces their earlier note there, an empty one clears it.
    ``note.updated`` tells the panel alone (``visibility``). Taken after the finish too: the
    panel writes its notes after the interview as much as during it.

    Statements: the locked session with the answer or the candidate; the note; the event and
    the receipt together.
    """
    row = _session_locked(
        session,
        receipt,
        "a.id AS answer_id, a.round_id, a.participant_id AS author_id, c.id AS candidate_id",
        "LEFT JOIN (interview_answer a JOIN interview_round r ON r.id = a.round_id)"
        " ON a.id = %s AND r.session_id = s.id"
        " LEFT JOIN interview_participant c ON c.id = %s AND c.session_id = s.id"
        " AND c.role = 'candidate'",
        [answer_id, participant_id],
    )
    if answer_id is not None and row["answer_id"] is None:
        raise ServiceError("not_found", f"No answer {answer_id} in this session.")
    if answer_id is None and row["candidate_id"] is None:
        raise ServiceError("not_found", f"No candidate {participant_id} in this session.")
    now = timezone.now()
    candidate_id = row["author_id"] if answer_id is not None else participant_id
    Note.objects.update_or_create(
        author_id=participant.id,
        candidate_id=candidate_id,
        answer_id=answer_id,
        defaults={"session_id": session.pk, "text": text, "updated_at": now},
    )
    note = {
        "participant_id": candidate_id,
        "answer_id": answer_id,
        "round_id": row["round_id"],
        "by": participant.id,
        "text": text,
        "updated_at": timestamp(now),
    }
    result = {key: note[key] for key in ("participant_id", "answer_id", "updated_at")}
    sql.writes_together(
        [
            *_events_append(session, now, [(EventType.NOTE_UPDATED, note)]),
            *_recorded(receipt, result, now),
        ]
    )
    return note


# --- verdicts on exercise answers -------------------------------------------------------------


@transaction.atomic
def answer_verdict(
    *,
    session: InterviewSession,
    participant: Participant,
    answer_id: int,
    revision: int,
    passed: int,
    total: int,
    failures: list[dict],
    receipt: Receipt | None = None,
) -> dict:
    """Keep a panel member's verdict on a revision of an exercise's answer: how many of the
    round's examples and hidden tests it passed, and the failing ones. The server runs no
    candidate code: the verdict is as trustworthy as the browser that computed it.

    The first verdict for a revision is kept (``Verdict``) and told in ``answer.verdict``: to
    the panel, and with its pass count to the room as well if the session shows verdicts
    (``visibility.VERDICT_SHOWN``). A later one that agrees (``verdicts_agree``) changes
    nothing; one that disagrees is logged, kept as the verdict's ``disagreement`` and told
    to the panel alone. Taken after the finish too: the drafts the finish keeps are judged
    after it. ``total`` must be the round's count of examples and hidden tests.

    Statements: the locked session with the answer, its round, the revision and its kept
    verdict; the verdict (or its disagreement), the event and the receipt together.
    """
    row = _session_locked(
        session,
        receipt,
        "s.show_verdicts, a.participant_id AS author_id, a.round_id, r.kind, r.examples,"
        " r.tests, r.deadline, r.closed_at, ar.submitted_at AS revision_submitted_at,"
        " ar.coverage, v.id AS verdict_id, v.passed AS kept_passed, v.total AS kept_total,"
        " v.failures AS kept_failures, v.by_id AS kept_by",
        "LEFT JOIN (interview_answer a JOIN interview_round r ON r.id = a.round_id)"
        " ON a.id = %s AND r.session_id = s.id"
        " LEFT JOIN interview_answerrevision ar ON ar.answer_id = a.id AND ar.revision = %s"
        " LEFT JOIN interview_verdict v ON v.answer_id = a.id AND v.revision = %s",
        [answer_id, revision, revision],
    )
    if row["author_id"] is None:
        raise ServiceError("not_found", f"No answer {answer_id} in this session.")
    if row["kind"] != Question.Kind.EXERCISE:
        raise ServiceError("invalid", f"Answer {answer_id} is not to an exercise: no tests.")
    if row["revision_submitted_at"] is None:
        raise ServiceError("not_found", f"Answer {answer_id} has no revision {revision}.")
    tests = len(sql.json_value(row["examples"]) or []) + len(sql.json_value(row["tests"]) or [])
    if total != tests:
        raise ServiceError("invalid", f"total: the round has {tests} tests, examples included.")
    now = timezone.now()
    coverage = sql.json_value(row["coverage"]) or {}
    report = {"passed": passed, "total": total, "failures": failures}
    verdict = {
        "answer_id": answer_id,
        "participant_id": row["author_id"],
        "round_id": row["round_id"],
        "revision": revision,
        **report,
        "by": participant.id,
        "suggested_score": suggested_with_tests(coverage.get("suggested_score"), passed, total),
    }
    result = {"answer_id": answer_id, "revision": revision, "passed": passed, "total": total}
    if row["verdict_id"] is None:
        writes: list[sql.Statement] = [
            (
                "INSERT INTO interview_verdict (answer_id, revision, passed, total, failures,"
                " by_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    answer_id,
                    revision,
                    passed,
                    total,
                    sql.json_param(failures),
                    participant.id,
                    sql.moment_param(now),
                ],
            )
        ]
        # Not in extra time: the revision came by the round's deadline. One given later stays
        # the panel's even after the close, or the room would learn who had extra time.
        on_time = sql.moment(row["revision_submitted_at"]) <= sql.moment(row["deadline"])
        event = {**verdict, VERDICT_SHOWN: bool(row["show_verdicts"]) and on_time}
        result |= {"kept": True, "agrees": True}
    else:
        kept = {
            "passed": row["kept_passed"],
            "total": row["kept_total"],
            "failures": sql.json_value(row["kept_failures"]) or [],
        }
        result |= {"passed": kept["passed"], "total": kept["total"], "kept": False}
        if verdicts_agree(kept, report):
            sql.writes_together(_recorded(receipt, result | {"agrees": True}, now))
            return result | {"agrees": True}
        log.warning(
            "verdicts disagree on answer %s revision %s: %s/%s kept (by %s), %s/%s from %s",
            answer_id,
            revision,
            kept["passed"],
            kept["total"],
            row["kept_by"],
            passed,
            total,
            participant.id,
        )
        disagreement = {"by": participant.id, **report}
        writes = [
            (
                "UPDATE interview_verdict SET disagreement = %s WHERE id = %s",
                [sql.json_param(disagreement), row["verdict_id"]],
            )
        ]
        suggested = suggested_with_tests(
            coverage.get("suggested_score"), kept["passed"], kept["total"]
        )
        event = {
            **verdict,
            **kept,
            "by": row["kept_by"],
            "suggested_score": suggested,
            "disagreement": disagreement,
        }
        result |= {"agrees": False}
    sql.writes_together(
        [
            *writes,
            *_events_append(session, now, [(EventType.ANSWER_VERDICT, event)]),
            *_recorded(receipt, result, now),
        ]
    )
    return result


# --- commands -------------------------------------------------------------------------------

COMMAND_SERVICES: dict[CommandType, Callable[..., object]] = {
    CommandType.QUESTION_PUSH: round_open,
    CommandType.QUESTION_CLOSE: round_close,
    CommandType.ANSWER_SUBMIT: answer_submit,
    CommandType.ANSWER_DRAFT: answer_draft,
    CommandType.ANSWER_SCORE: answer_score,
    CommandType.SESSION_FINISH: session_finish,
    CommandType.SIGNAL_REPORT: signal_report,
    CommandType.TIME_EXTEND: round_extend,
    CommandType.TIME_ACCOMMODATE: participant_accommodate,
    CommandType.NOTE_SAVE: note_save,
    CommandType.ANSWER_VERDICT: answer_verdict,
}


# The services that refuse only before they write (their refusals follow the locked read):
# inside an open transaction they need no savepoint of their own (``groupcommit``).
REFUSE_BEFORE_WRITING = frozenset({CommandType.SIGNAL_REPORT, CommandType.ANSWER_DRAFT})


def command_execute(
    *, participant: Participant, command: Command, in_transaction: bool = False
) -> dict[str, Any]:
    """Run a state-changing command once: its effect, its events and its receipt commit together
    (in the service's transaction).

    A command id already used by this participant returns the first result and changes
    nothing. The session's row lock serialises the session's commands, so the receipt read
    with it cannot race the write; the receipt's unique constraint stands behind both.

    ``in_transaction``: the caller holds a transaction open (a group of commands); a service
    of ``REFUSE_BEFORE_WRITING`` then runs in it without a savepoint of its own, since a
    refusal leaves nothing to roll back.
    """
    receipt = Receipt(
        participant_id=participant.id, command_id=command.receipt_id, type=command.type
    )
    # The service reads the session's state under its lock; nothing of it is known before.
    session = InterviewSession(pk=participant.session_id)
    service = COMMAND_SERVICES[command.type]
    if in_transaction and command.type in REFUSE_BEFORE_WRITING:
        service = service.__wrapped__  # without its transaction.atomic
    try:
        service(session=session, participant=participant, receipt=receipt, **command.data)
    except _RepeatedCommandError as repeated:
        return repeated.result
    return receipt.result


# --- presence -------------------------------------------------------------------------------


def _presence_card(participant: Participant) -> dict:
    return {
        "participant_id": participant.id,
        "name": participant.display_name,
        "role": participant.role,
    }


def _live_connections(participant_id: int, now: datetime):
    return Connection.objects.filter(
        participant_id=participant_id, heartbeat_at__gt=now - PRESENCE_STALE_AFTER
    )


def connection_open(*, participant: Participant, channel_name: str, server_id: str) -> bool:
    """Record an open socket; True when it brought the participant online."""
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        was_online = _live_connections(participant.id, now).exists()
        # One upsert: a channel name is new with every socket, except where a test's
        # in-memory layer, reseeded, names a socket like one whose tombstone is still there.
        Connection.objects.bulk_create(
            [
                Connection(
                    channel_name=channel_name,
                    participant=participant,
                    server_id=server_id,
                    heartbeat_at=now,
                )
            ],
            update_conflicts=True,
            unique_fields=["channel_name"],
            update_fields=["participant", "server_id", "heartbeat_at"],
        )
        if not was_online:
            presence_publish_on_commit(
                session_id=participant.session_id,
                participant=_presence_card(participant),
                online=True,
            )
        _connections_displace(participant=participant, keep=channel_name, now=now)
    return not was_online


def _connections_displace(*, participant: Participant, keep: str, now: datetime) -> None:
    """Past ``MAX_SOCKETS_PER_PARTICIPANT`` open sockets (on any process), the oldest are
    told to close (``sockets_displace``). Decided here, under the participant's lock, so the
    cap holds across processes; a row stays until its socket closes, so a close that went
    astray is asked again at the next hello."""
    older = (
        _live_connections(participant.id, now)
        .exclude(server_id="")  # tombstones: closed sockets in their grace period
        .exclude(channel_name=keep)
        .order_by("-opened_at", "-id")
        .values_list("channel_name", flat=True)
    )
    displaced = list(older[MAX_SOCKETS_PER_PARTICIPANT - 1 :])
    if displaced:
        sockets_displace_on_commit(session_id=participant.session_id, sockets=displaced)


def participant_arrive(*, participant: Participant, channel_name: str, server_id: str) -> None:
    """A socket said hello: it is recorded, and a deadline that passed while no server ran
    closes now at the latest (the clock closes it within a tick otherwise)."""
    connection_open(participant=participant, channel_name=channel_name, server_id=server_id)
    rounds_close_due(session_id=participant.session_id)


def connection_close(*, channel_name: str, grace: timedelta | None = None) -> bool:
    """A socket closed; True when that took its participant offline now.

    With ``grace`` the socket's row stays as a tombstone that keeps its participant online
    for that long (no process refreshes it); a reconnect within it announces nothing, and the
    reaper announces the departure otherwise.
    """
    now = timezone.now()
    if grace:
        Connection.objects.filter(channel_name=channel_name).update(
            server_id="", heartbeat_at=now - PRESENCE_STALE_AFTER + grace
        )
        return False
    return _connection_forget(channel_name=channel_name, now=now)


def _connection_forget(*, channel_name: str, now: datetime) -> bool:
    """Delete a socket's row; announce the departure if it was the participant's last.

    Two processes may reap the same stale socket at once: only the one whose delete removed
    the row announces the departure.
    """
    participant_id = (
        Connection.objects.filter(channel_name=channel_name)
        .values_list("participant_id", flat=True)
        .first()
    )
    if participant_id is None:
        return False
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant_id)
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if not deleted:
            return False
        Participant.objects.filter(pk=participant.pk).update(last_seen_at=now)
        if _live_connections(participant.id, now).exists():
            return False
        presence_publish_on_commit(
            session_id=participant.session_id,
            participant=_presence_card(participant),
            online=False,
        )
    return True


def connections_heartbeat(*, server_id: str) -> int:
    """Mark this process's sockets as still open."""
    return Connection.objects.filter(server_id=server_id).update(heartbeat_at=timezone.now())


def connections_reap() -> int:
    """Forget sockets of processes that died without closing them; announce who went offline."""
    now = timezone.now()
    stale = Connection.objects.filter(heartbeat_at__lte=now - PRESENCE_STALE_AFTER)
    reaped = 0
    for channel_name in stale.values_list("channel_name", flat=True):
        _connection_forget(channel_name=channel_name, now=now)
        reaped += 1
    return reaped


def connections_forget(*, server_id: str) -> int:
    """A process is shutting down: its sockets go, their participants get the grace period."""
    return Connection.objects.filter(server_id=server_id).update(
        server_id="", heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER + PRESENCE_GRACE
    )
