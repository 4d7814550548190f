"""Writes: every change of a session's state happens here, and only here.

A service validates what the database cannot, changes the rows and appends the session's
event with the next ``seq`` in the same transaction; after commit the event is fanned out.
Services are keyword-only and named ``<entity>_<action>``.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from .credentials import join_code_new, secret_hash, secret_new
from .errors import ServiceError
from .models import InterviewSession, Participant, Question

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


def participant_for_token(*, session: InterviewSession, token: str) -> Participant | None:
    """The participant of this session holding the token, if any."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return (
        Participant.objects.filter(session=session, token_hash=secret_hash(token))
        .select_related("session", "user")
        .first()
    )
