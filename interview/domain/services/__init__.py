"""Writes: every change of a session's state happens here, and only here.

A service validates what the database cannot, changes the rows and appends the session's
event with the next ``seq`` in the same transaction; after commit the event is fanned out.
Services are keyword-only and named ``<entity>_<action>``. One module per aspect: sessions,
joins, rounds, answers, drafts, scores, notes, extra_time, signals, verdicts, connections
(presence) and commands (running a command once); ``_command``, ``_rounds`` and
``_standings`` hold what several of them share. Every public name is importable from here.
"""

from interview.domain.services._command import Receipt
from interview.domain.services._standings import ranking_mean
from interview.domain.services.answers import answer_submit
from interview.domain.services.commands import (
    COMMAND_SERVICES,
    REFUSE_BEFORE_WRITING,
    command_execute,
)
from interview.domain.services.connections import (
    connection_close,
    connection_open,
    connections_forget,
    connections_heartbeat,
    connections_reap,
    participant_arrive,
)
from interview.domain.services.drafts import KeptDrafts, answer_draft
from interview.domain.services.extra_time import participant_accommodate, round_extend
from interview.domain.services.joins import Issued, participant_join
from interview.domain.services.notes import note_save
from interview.domain.services.rounds import round_close, round_open, rounds_close_due
from interview.domain.services.scores import answer_score
from interview.domain.services.sessions import SessionCreated, session_create, session_finish
from interview.domain.services.signals import signal_report
from interview.domain.services.verdicts import answer_verdict

__all__ = [
    "COMMAND_SERVICES",
    "REFUSE_BEFORE_WRITING",
    "Issued",
    "KeptDrafts",
    "Receipt",
    "SessionCreated",
    "answer_draft",
    "answer_score",
    "answer_submit",
    "answer_verdict",
    "command_execute",
    "connection_close",
    "connection_open",
    "connections_forget",
    "connections_heartbeat",
    "connections_reap",
    "note_save",
    "participant_accommodate",
    "participant_arrive",
    "participant_join",
    "ranking_mean",
    "round_close",
    "round_extend",
    "round_open",
    "rounds_close_due",
    "session_create",
    "session_finish",
    "signal_report",
]
