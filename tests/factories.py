"""Plain builders of rows for tests that need data without going through a live session.

Answers and scores built here bypass what the services keep beside them (an answer's score
sum and count, a candidate's standing): tests of totals and leaderboards use the services.
"""

from datetime import timedelta

from django.utils import timezone

from interview.domain import services
from interview.domain.visibility import Viewer
from interview.models import Answer, InterviewSession, Participant, Question, Round, Score


def session_for(owner, title: str = "Backend panel", **options) -> InterviewSession:
    return services.session_create(owner=owner, title=title, **options).session


def seat(session: InterviewSession, name: str, role: str = "candidate") -> Participant:
    return services.participant_join(session=session, role=role, display_name=name).participant


def owner_seat(session: InterviewSession) -> Participant:
    return session.participants.get(user=session.owner)


def viewer_of(participant: Participant) -> Viewer:
    return Viewer.of(participant)


def round_of(session: InterviewSession, question: Question, *, open_: bool = False) -> Round:
    now = timezone.now()
    position = session.rounds.count() + 1
    return Round.objects.create(
        session=session,
        question=question,
        title=question.title,
        prompt=question.prompt,
        category=question.category,
        difficulty=question.difficulty,
        model_answer=question.model_answer,
        key_points=question.key_points,
        position=position,
        time_limit_s=question.time_limit_s,
        opened_at=now,
        deadline=now + timedelta(seconds=question.time_limit_s),
        closed_at=None if open_ else now,
        close_reason="" if open_ else Round.CloseReason.INTERVIEWER,
    )


def answer_of(rnd: Round, candidate: Participant, text: str = "my answer", *, at=None) -> Answer:
    at = at or timezone.now()
    return Answer.objects.create(
        round=rnd, participant=candidate, text=text, first_submitted_at=at, submitted_at=at
    )


def score_of(answer: Answer, interviewer: Participant, score: int, feedback: str = "") -> Score:
    return Score.objects.create(
        answer=answer, interviewer=interviewer, score=score, feedback=feedback
    )
