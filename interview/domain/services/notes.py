"""The panel's private notes on answers and candidates."""

from django.db import transaction
from django.utils import timezone

from interview.domain import sql
from interview.domain.errors import Refusal
from interview.domain.protocol import EventType, timestamp
from interview.domain.services._command import (
    CANDIDATE,
    CANDIDATE_PARAMS,
    Receipt,
    S,
    events_append,
    recorded,
    session_locked,
)
from interview.models import Answer, InterviewSession, Note, Participant, Round

A = sql.names(Answer)
P = sql.names(Participant)
R = sql.names(Round)


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
    row = session_locked(
        session,
        receipt,
        f"a.{A.id} AS answer_id, a.{A.round} AS round_id, a.{A.participant} AS author_id,"
        f" c.{P.id} AS candidate_id",
        f"LEFT JOIN ({A.table} a JOIN {R.table} r ON r.{R.id} = a.{A.round})"
        f" ON a.{A.id} = %(answer_id)s AND r.{R.session} = s.{S.id} {CANDIDATE}",
        {"answer_id": answer_id, "candidate_id": participant_id, **CANDIDATE_PARAMS},
    )
    if answer_id is not None and row["answer_id"] is None:
        raise Refusal("not_found", f"No answer {answer_id} in this session.")
    if answer_id is None and row["candidate_id"] is None:
        raise Refusal("not_found", f"No candidate {participant_id} in this session.")
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
            *events_append(session, now, [(EventType.NOTE_UPDATED, note)]),
            *recorded(receipt, result, now),
        ]
    )
    return note
