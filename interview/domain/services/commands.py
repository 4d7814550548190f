"""Commands: the service each state-changing command runs, and running one exactly once."""

from collections.abc import Callable
from typing import Any

from interview.domain.protocol import Command, CommandType
from interview.domain.services._command import Receipt, RepeatedCommandError
from interview.domain.services.answers import answer_submit
from interview.domain.services.drafts import answer_draft
from interview.domain.services.extra_time import participant_accommodate, round_extend
from interview.domain.services.notes import note_save
from interview.domain.services.rounds import round_close, round_open
from interview.domain.services.scores import answer_score
from interview.domain.services.sessions import session_finish
from interview.domain.services.signals import signal_report
from interview.domain.services.verdicts import answer_verdict
from interview.models import InterviewSession, Participant

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
    except RepeatedCommandError as repeated:
        return repeated.result
    return receipt.result
