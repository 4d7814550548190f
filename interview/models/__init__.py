"""The data of the question bank and of live sessions.

The database itself keeps the data honest: the constraints of these models (one open round per
session, gap-free event numbers, one score per interviewer and answer, one effect per
command id) hold however many server processes write at once.

Split by aspect: ``questions`` (the bank), ``sessions`` (sessions and participants),
``rounds`` (rounds, answers, drafts, deadlines), ``assessments`` (standings, scores,
verdicts, notes), ``events`` (events, signal tallies, command receipts, connections). Every
model is imported here: ``from interview.models import X`` and the app's migrations see them
all, under the app label ``interview``.
"""

from interview.models.assessments import Note, Score, Standing, Verdict
from interview.models.events import CommandReceipt, Connection, Event, SignalTally
from interview.models.questions import Category, Question
from interview.models.rounds import (
    Answer,
    AnswerRevision,
    Draft,
    DraftSnapshot,
    PersonalDeadline,
    Round,
)
from interview.models.sessions import InterviewSession, Participant

__all__ = [
    "Answer",
    "AnswerRevision",
    "Category",
    "CommandReceipt",
    "Connection",
    "Draft",
    "DraftSnapshot",
    "Event",
    "InterviewSession",
    "Note",
    "Participant",
    "PersonalDeadline",
    "Question",
    "Round",
    "Score",
    "SignalTally",
    "Standing",
    "Verdict",
]
