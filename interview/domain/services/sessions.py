"""Sessions: a new one in the lobby with its owner on the panel, and its finish."""

from dataclasses import dataclass

from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from interview.domain import sql
from interview.domain.credentials import join_code_new, secret_hash, secret_new
from interview.domain.errors import Refusal
from interview.domain.services._command import (
    Receipt,
    events_append,
    leaderboard_payload,
    recorded,
    refuse_if_finished,
    session_locked,
)
from interview.domain.services._rounds import (
    EXTRA_TIME_ANSWERS,
    OPEN_ROUND,
    OPEN_ROUND_COLUMNS,
    open_round_due,
    round_close_statement,
    round_closed,
)
from interview.domain.services.drafts import drafts_kept, kept_first
from interview.domain.services.extra_time import extra_time_released
from interview.domain.services.joins import Issued, _interviewer_name, _participant_new
from interview.models import InterviewSession, Participant, Question


@dataclass(frozen=True)
class SessionCreated:
    """A new session, its owner's seat and token, and the panel's invite secret."""

    session: InterviewSession
    owner: Issued
    panel_invite: str


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
    question_ids = list(question_ids or [])
    _refuse_a_new_session(owner, ranking, question_ids)
    settings: dict = {"question_ids": question_ids}
    if time_limit_s is not None:
        settings["time_limit_s"] = time_limit_s
    panel_invite = secret_new()
    fields = {"title": title, "owner": owner, "ranking": ranking, "settings": settings}
    fields |= {"show_verdicts": show_verdicts, "panel_invite_hash": secret_hash(panel_invite)}
    # A code collision is astronomically rare; the unique constraint decides, we retry.
    for _ in range(5):
        try:
            with transaction.atomic():
                session = InterviewSession.objects.create(code=join_code_new(), **fields)
                issued = _participant_new(
                    session=session,
                    role=Participant.Role.INTERVIEWER,
                    display_name=_interviewer_name(owner),
                    user=owner,
                )
            return SessionCreated(session=session, owner=issued, panel_invite=panel_invite)
        except IntegrityError:
            continue
    raise Refusal("conflict", "Could not allocate a join code; try again.")


def _refuse_a_new_session(owner: AbstractBaseUser, ranking: str, question_ids: list[int]) -> None:
    """Refuse a new session with an unknown ranking rule (``invalid``), past the owner's
    ``MAX_LIVE_SESSIONS_PER_USER`` sessions not finished (``too_many_sessions``), or with a
    question id of no question (``invalid``, the missing ones in its details)."""
    if ranking not in InterviewSession.Ranking.values:
        raise Refusal("invalid", "ranking: must be total or mean.")
    live = InterviewSession.objects.filter(owner=owner).exclude(
        status=InterviewSession.Status.FINISHED
    )
    limit = django_settings.MAX_LIVE_SESSIONS_PER_USER
    if live.count() >= limit:
        raise Refusal(
            "too_many_sessions",
            f"You have {limit} sessions that have not finished: finish one to open another.",
        )
    if question_ids:
        found = set(Question.objects.filter(id__in=question_ids).values_list("id", flat=True))
        missing = [qid for qid in question_ids if qid not in found]
        if missing:
            raise Refusal(
                "invalid",
                f"question_ids: no question with id {', '.join(map(str, missing))}.",
                {"question_ids": missing},
            )


@transaction.atomic
def session_finish(
    *, session: InterviewSession, participant: Participant, receipt: Receipt | None = None
) -> None:
    """End the session (its owner only): the open round closes, keeping its drafts
    (``drafts_kept``), and the leaderboard is final."""
    row = session_locked(
        session, receipt, f"{OPEN_ROUND_COLUMNS}, {EXTRA_TIME_ANSWERS}", OPEN_ROUND
    )
    if participant.user_id != session.owner_id:
        raise Refusal("forbidden", "Only the session's owner can finish it.")
    refuse_if_finished(session)
    now = timezone.now()
    writes, events = [], []
    if row["open_round_id"] is not None:
        round_id = row["open_round_id"]
        reason = "deadline" if open_round_due(row, now) else "interviewer"
        drafts = drafts_kept(round_id, now, [round_close_statement(round_id, reason, now)])
        writes = kept_first(drafts)
        events = [*drafts.events, round_closed(round_id, reason)]
        if row["extra_time_answers"]:
            events += extra_time_released(session, round_id, now)
    events.append(("session.finished", leaderboard_payload(session)))
    finished = {"status": InterviewSession.Status.FINISHED, "finished_at": now}
    sql.writes_together(
        [
            *writes,
            *events_append(session, now, events, **finished),
            *recorded(receipt, {}, now),
        ]
    )
