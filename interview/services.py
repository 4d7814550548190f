"""Writes: every change of a session's state happens here, and only here.

A service validates what the database cannot, changes the rows and appends the session's
event with the next ``seq`` in the same transaction; after commit the event is fanned out.
Services are keyword-only and named ``<entity>_<action>``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .broadcast import event_publish_on_commit, presence_publish_on_commit
from .credentials import join_code_new, secret_hash, secret_new
from .errors import ServiceError
from .models import (
    Answer,
    AnswerRevision,
    CommandReceipt,
    Connection,
    Event,
    InterviewSession,
    Participant,
    Question,
    Round,
    Score,
)
from .permissions import is_interviewer
from .protocol import Command, CommandType
from .selectors import PRESENCE_GRACE, PRESENCE_STALE_AFTER, leaderboard_for, round_payload

DISPLAY_NAME_MAX = 40


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
) -> SessionCreated:
    """A new session in the lobby, its owner seated as the first interviewer."""
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
    name = " ".join(display_name.split())
    if not name:
        raise ServiceError("invalid", "display_name: must not be blank.")
    if len(name) > DISPLAY_NAME_MAX:
        raise ServiceError("invalid", f"display_name: at most {DISPLAY_NAME_MAX} characters.")
    if role == Participant.Role.CANDIDATE and session.status == InterviewSession.Status.FINISHED:
        raise ServiceError("session_finished", "This session has finished.")
    with transaction.atomic():
        # Lock the session row so two joins with one name cannot both pass the check.
        InterviewSession.objects.select_for_update().filter(pk=session.pk).first()
        taken = Participant.objects.filter(
            session=session, role=role, display_name__iexact=name
        ).exists()
        if taken and role == Participant.Role.CANDIDATE:
            raise ServiceError("name_taken", f"The name {name!r} is already taken in this session.")
        return _participant_new(session=session, role=role, display_name=name, user=None)


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


# --- events ---------------------------------------------------------------------------------


def _session_locked(session_id: int) -> InterviewSession:
    """The session row, locked until the transaction ends: its state changes one at a time."""
    return InterviewSession.objects.select_for_update().get(pk=session_id)


def event_append(
    *, session: InterviewSession, type: str, payload: dict, audience: str = Event.Audience.ALL
) -> Event:
    """Append the session's next event (gap-free ``seq``) and publish it after commit.

    Must run inside the transaction that made the change the event tells of, on a session
    row read with ``_session_locked`` in it: the lock makes its ``last_seq`` the current one,
    and the unique ``(session, seq)`` refuses an event appended on a stale copy.
    """
    session.last_seq += 1
    InterviewSession.objects.filter(pk=session.pk).update(last_seq=session.last_seq)
    event = Event.objects.create(
        session=session, seq=session.last_seq, type=type, payload=payload, audience=audience
    )
    event_publish_on_commit(event)
    return event


def _leaderboard_payload(session: InterviewSession) -> list[dict]:
    return [row.as_dict() for row in leaderboard_for(session)]


# --- rounds ---------------------------------------------------------------------------------


def _round_close(*, session: InterviewSession, rnd: Round, reason: str, now: datetime) -> None:
    rnd.closed_at = now
    rnd.close_reason = reason
    rnd.save(update_fields=["closed_at", "close_reason"])
    event_append(
        session=session, type="round.closed", payload={"round_id": rnd.id, "reason": reason}
    )


def _round_open_of(session: InterviewSession, now: datetime) -> Round | None:
    """The session's open round, or None; one whose deadline has passed closes here first.

    The clock closes a due round within a tick; a command that comes in between sees it
    closed for the deadline, as the clock would have left it.
    """
    rnd = Round.objects.filter(session=session, closed_at__isnull=True).first()
    if rnd is not None and rnd.deadline <= now:
        _round_close(session=session, rnd=rnd, reason="deadline", now=now)
        return None
    return rnd


def _refuse_if_finished(session: InterviewSession) -> None:
    if session.status == InterviewSession.Status.FINISHED:
        raise ServiceError("session_finished", "This session has finished.")


def round_open(
    *,
    session: InterviewSession,
    participant: Participant,
    question_id: int,
    time_limit_s: int | None = None,
) -> Round:
    """Put a question to the room; an open round closes first (reason ``next_question``)."""
    _refuse_if_finished(session)
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        raise ServiceError("not_found", f"No question with id {question_id}.")
    now = timezone.now()
    open_round = _round_open_of(session, now)
    if open_round is not None:
        _round_close(session=session, rnd=open_round, reason="next_question", now=now)
    limit = time_limit_s or session.settings.get("time_limit_s") or question.time_limit_s
    last_position = Round.objects.filter(session=session).aggregate(m=Max("position"))["m"]
    rnd = Round.objects.create(
        session=session,
        question=question,
        position=(last_position or 0) + 1,
        time_limit_s=limit,
        opened_at=now,
        deadline=now + timedelta(seconds=limit),
    )
    if session.status == InterviewSession.Status.LOBBY:
        session.status = InterviewSession.Status.LIVE
        session.started_at = now
        session.save(update_fields=["status", "started_at"])
    event_append(session=session, type="round.opened", payload=round_payload(rnd))
    return rnd


def round_close(*, session: InterviewSession, participant: Participant) -> Round:
    """Close the open round now, at the interviewer's word."""
    _refuse_if_finished(session)
    now = timezone.now()
    rnd = _round_open_of(session, now)
    if rnd is None:
        raise ServiceError("not_found", "No round is open.")
    _round_close(session=session, rnd=rnd, reason="interviewer", now=now)
    return rnd


def rounds_close_due(*, session_id: int | None = None) -> int:
    """Close every open round whose deadline has passed; returns how many this call closed.

    Safe to run in every server process at once: each round is claimed by a conditional
    update, so exactly one process closes it and appends its ``round.closed``.
    """
    now = timezone.now()
    due = Round.objects.filter(closed_at__isnull=True, deadline__lte=now)
    if session_id is not None:
        due = due.filter(session_id=session_id)
    closed = 0
    for round_id, owner_session_id in due.values_list("id", "session_id"):
        with transaction.atomic():
            session = _session_locked(owner_session_id)
            claimed = Round.objects.filter(pk=round_id, closed_at__isnull=True).update(
                closed_at=now, close_reason="deadline"
            )
            if claimed:
                event_append(
                    session=session,
                    type="round.closed",
                    payload={"round_id": round_id, "reason": "deadline"},
                )
                closed += 1
    return closed


# --- answers and scores ---------------------------------------------------------------------


def answer_submit(
    *, session: InterviewSession, participant: Participant, round_id: int, text: str
) -> Answer:
    """Store a candidate's answer: one per round, each submit a new revision, all kept."""
    rnd = Round.objects.filter(pk=round_id, session=session).first()
    if rnd is None:
        raise ServiceError("not_found", f"No round {round_id} in this session.")
    _refuse_if_finished(session)
    now = timezone.now()
    if rnd.closed_at is not None or rnd.deadline <= now:
        raise ServiceError("round_closed", "This round is closed; the answer was not saved.")
    answer = Answer.objects.filter(round=rnd, participant=participant).first()
    if answer is None:
        answer = Answer.objects.create(
            round=rnd, participant=participant, text=text, first_submitted_at=now, submitted_at=now
        )
    else:
        answer.text = text
        answer.revision += 1
        answer.submitted_at = now
        answer.save(update_fields=["text", "revision", "submitted_at"])
    AnswerRevision.objects.create(
        answer=answer, revision=answer.revision, text=text, submitted_at=now
    )
    event_append(
        session=session,
        type="answer.submitted",
        payload={
            "round_id": rnd.id,
            "answer_id": answer.id,
            "participant_id": participant.id,
            "revision": answer.revision,
            "text": text,
        },
    )
    return answer


def answer_score(
    *,
    session: InterviewSession,
    participant: Participant,
    answer_id: int,
    score: int,
    feedback: str | None = None,
) -> float:
    """Keep this interviewer's score of the answer; returns the panel's mean.

    A rescore replaces the score, and the feedback too when given; without feedback it keeps
    the interviewer's earlier words.
    """
    answer = Answer.objects.filter(pk=answer_id, round__session=session).first()
    if answer is None:
        raise ServiceError("not_found", f"No answer {answer_id} in this session.")
    _refuse_if_finished(session)
    # The session's lock serialises its commands: read-then-write cannot race here, and the
    # panel's scores read once give both this interviewer's earlier score and the new mean.
    panel = {row.interviewer_id: row for row in Score.objects.filter(answer=answer)}
    earlier = panel.get(participant.id)
    if feedback is None:
        feedback = earlier.feedback if earlier else ""
    if earlier is None:
        panel[participant.id] = Score.objects.create(
            answer=answer, interviewer=participant, score=score, feedback=feedback
        )
    else:
        earlier.score, earlier.feedback = score, feedback
        earlier.save(update_fields=["score", "feedback", "updated_at"])
    mean = round(sum(row.score for row in panel.values()) / len(panel), 2)
    event_append(
        session=session,
        type="score.updated",
        payload={
            "answer_id": answer.id,
            "participant_id": answer.participant_id,
            "round_id": answer.round_id,
            "score": mean,
            "by": participant.id,
            "by_score": score,
            "feedback": feedback,
            "leaderboard": _leaderboard_payload(session),
        },
    )
    return mean


def session_finish(*, session: InterviewSession, participant: Participant) -> None:
    """End the session (its owner only): the open round closes, the leaderboard is final."""
    if participant.user_id != session.owner_id:
        raise ServiceError("forbidden", "Only the session's owner can finish it.")
    _refuse_if_finished(session)
    now = timezone.now()
    rnd = _round_open_of(session, now)
    if rnd is not None:
        _round_close(session=session, rnd=rnd, reason="interviewer", now=now)
    session.status = InterviewSession.Status.FINISHED
    session.finished_at = now
    session.save(update_fields=["status", "finished_at"])
    event_append(
        session=session,
        type="session.finished",
        payload={"leaderboard": _leaderboard_payload(session)},
    )


# --- commands -------------------------------------------------------------------------------


def _push(session: InterviewSession, participant: Participant, data: dict) -> dict:
    return {"round_id": round_open(session=session, participant=participant, **data).id}


def _close(session: InterviewSession, participant: Participant, data: dict) -> dict:
    return {"round_id": round_close(session=session, participant=participant).id}


def _submit(session: InterviewSession, participant: Participant, data: dict) -> dict:
    answer = answer_submit(session=session, participant=participant, **data)
    return {"answer_id": answer.id, "revision": answer.revision}


def _score(session: InterviewSession, participant: Participant, data: dict) -> dict:
    mean = answer_score(session=session, participant=participant, **data)
    return {"answer_id": data["answer_id"], "score": data["score"], "mean": mean}


def _finish(session: InterviewSession, participant: Participant, data: dict) -> dict:
    session_finish(session=session, participant=participant)
    return {}


COMMAND_SERVICES = {
    CommandType.QUESTION_PUSH: _push,
    CommandType.QUESTION_CLOSE: _close,
    CommandType.ANSWER_SUBMIT: _submit,
    CommandType.ANSWER_SCORE: _score,
    CommandType.SESSION_FINISH: _finish,
}


def command_execute(*, participant: Participant, command: Command) -> dict[str, Any]:
    """Run a state-changing command once: its effect, its events and its receipt commit together.

    A command id already used by this participant returns the first result and changes
    nothing. The session's row lock serialises the session's commands, so the receipt read
    here cannot race its write below; the receipt's unique constraint stands behind both.
    """
    with transaction.atomic():
        session = _session_locked(participant.session_id)
        if command.receipt_id is not None:
            earlier = (
                CommandReceipt.objects.filter(
                    participant=participant, command_id=command.receipt_id
                )
                .values_list("result", flat=True)
                .first()
            )
            if earlier is not None:
                return earlier
        result = COMMAND_SERVICES[command.type](session, participant, command.data)
        if command.receipt_id is not None:
            CommandReceipt.objects.create(
                participant=participant,
                command_id=command.receipt_id,
                type=command.type,
                result=result,
            )
        return result


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
    return not was_online


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
