"""Reads: a session, a participant, a session's rounds and plan, looked up one query each."""

from django.db.models import QuerySet

from interview.domain.credentials import join_code_normalise, secret_hash
from interview.models import InterviewSession, Participant, Question, Round


def session_id_for(code: str) -> int | None:
    """The id of the session with this (normalised) join code, if any."""
    return InterviewSession.objects.filter(code=code).values_list("id", flat=True).first()


def session_for_code(code: str) -> InterviewSession | None:
    """The session with this join code as typed (any case, dashes ignored), if any."""
    return InterviewSession.objects.filter(code=join_code_normalise(code)).first()


def session_last_seq(session_id: int) -> int:
    """The seq of the session's newest event."""
    return InterviewSession.objects.filter(pk=session_id).values_list("last_seq", flat=True)[0]


def participant_for_token(*, session_id: int, token: str) -> Participant | None:
    """The participant of this session holding the token, if any."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return (
        Participant.objects.filter(session_id=session_id, token_hash=secret_hash(token))
        .select_related("session", "user")
        .first()
    )


def rounds_of(session: InterviewSession) -> QuerySet[Round]:
    """The session's rounds in order, each with its own copy of the question it asked."""
    return Round.objects.filter(session=session).order_by("position")


def plan_of(session: InterviewSession) -> list[dict]:
    """The session's planned questions (``settings.question_ids``) in order, as the bank has
    them now; one deleted since is left out. One query."""
    planned = [qid for qid in session.settings.get("question_ids", []) if isinstance(qid, int)]
    columns = ("id", "title", "kind", "category", "difficulty", "time_limit_s")
    found = {row["id"]: row for row in Question.objects.filter(id__in=planned).values(*columns)}
    return [found[qid] for qid in planned if qid in found]


def questions_asked(session: InterviewSession) -> list[int]:
    """The question ids of the session's rounds, in the order they were pushed."""
    return list(rounds_of(session).values_list("question_id", flat=True))
