"""Who takes part: candidates and spectators joining by code, interviewers joining the panel
by invite, and the names they go by."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from interview.domain.credentials import secret_hash, secret_new
from interview.domain.errors import Refusal
from interview.domain.names import (
    DISPLAY_NAME_MAX,
    display_name_clean,
    display_name_keys,
    display_names_clash,
)
from interview.domain.roles import is_interviewer
from interview.models import InterviewSession, Participant, Round, Standing


@dataclass(frozen=True)
class Issued:
    """A participant and the token shown once to its holder."""

    participant: Participant
    token: str


def _participant_new(
    *, session: InterviewSession, role: str, display_name: str, user: AbstractBaseUser | None
) -> Issued:
    """A new participant of the session, with a fresh token."""
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
    """The name an interviewer's account goes by in a session."""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return (full or user.get_username())[:DISPLAY_NAME_MAX]


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
        raise Refusal("invalid", "role: must be candidate, spectator or interviewer.")
    name = display_name_clean(display_name)
    if role == Participant.Role.CANDIDATE and session.status == InterviewSession.Status.FINISHED:
        raise Refusal("session_finished", "This session has finished.")
    with transaction.atomic():
        # Lock the session row so two joins with one name cannot both pass the check.
        InterviewSession.objects.select_for_update().filter(pk=session.pk).first()
        if role == Participant.Role.CANDIDATE:
            _refuse_a_taken_name(session, name)
        issued = _participant_new(session=session, role=role, display_name=name, user=None)
        if role == Participant.Role.CANDIDATE:
            _standing_new(session, issued.participant)
        return issued


def _refuse_a_taken_name(session: InterviewSession, name: str) -> None:
    """Refuse (``name_taken``) a candidate's name that clashes with another candidate's."""
    candidates = Participant.objects.filter(session=session, role=Participant.Role.CANDIDATE)
    keys = display_name_keys(name)
    if any(
        display_names_clash(keys, display_name_keys(taken))
        for taken in candidates.values_list("display_name", flat=True)
    ):
        raise Refusal("name_taken", f"The name {name!r} is already taken in this session.")


def _standing_new(session: InterviewSession, candidate: Participant) -> None:
    """Every candidate is on the leaderboard, from the start, present from the round open now
    (asked already) or else the next one."""
    last = (
        Round.objects.filter(session=session)
        .order_by("-position")
        .values_list("position", "closed_at")
        .first()
    )
    is_open = last is not None and last[1] is None
    joined_at = 1 if last is None else last[0] + (0 if is_open else 1)
    Standing.objects.create(
        participant=candidate, session=session, joined_at=joined_at, asked=int(is_open)
    )


def _interviewer_join(
    *, session: InterviewSession, user: AbstractBaseUser | None, invite: str
) -> Issued:
    """Seat a signed-in interviewer on the panel by the invite, or give a panel member back
    in a new token."""
    if user is None or not user.is_authenticated:
        raise Refusal("not_authenticated", "Sign in as an interviewer to join a panel.")
    if not is_interviewer(user):
        raise Refusal("forbidden", "Only interviewer accounts can join a panel.")
    with transaction.atomic():
        seat = Participant.objects.select_for_update().filter(session=session, user=user).first()
        if seat is not None:
            if seat.role != Participant.Role.INTERVIEWER:
                raise Refusal("conflict", "You already take part in this session.")
            token = secret_new()
            seat.token_hash = secret_hash(token)
            seat.save(update_fields=["token_hash"])
            return Issued(participant=seat, token=token)
        if not invite or secret_hash(invite) != session.panel_invite_hash:
            raise Refusal("forbidden", "A valid panel invite is needed to join this panel.")
        return _participant_new(
            session=session,
            role=Participant.Role.INTERVIEWER,
            display_name=_interviewer_name(user),
            user=user,
        )
