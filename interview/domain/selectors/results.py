"""Reads: a session's results for its panel, in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from interview.domain.integrity import signals_summary
from interview.domain.payloads import question_asked, session_heading
from interview.domain.selectors.answers import scores_awaiting, verdicts_of
from interview.domain.selectors.lookups import rounds_of
from interview.domain.selectors.panel import Notes, Signals, notes_seen, signals_seen
from interview.domain.standings import (
    LeaderboardRow,
    answer_mean,
    leaderboard_for,
    rounded_mean,
    skill_means,
)
from interview.domain.visibility import Lens
from interview.models import Answer, InterviewSession, Participant, Round, Score


@dataclass(frozen=True)
class ScoreSheet:
    """A session's answers and scores as the panel reads them: the panel's size, each
    candidate's answer by round, each answer's scores (by interviewer), the verdicts kept
    by (answer, revision)."""

    panel_size: int
    answers: dict[int, dict[int, Answer]]
    scores: dict[int, list[Score]]
    verdicts: dict[tuple[int, int], dict]

    def answer_of(self, participant_id: int, round_id: int) -> Answer | None:
        return self.answers.get(participant_id, {}).get(round_id)


@dataclass(frozen=True)
class PanelExtras:
    """What the results add from the panel's own reads: signals, notes, and the moment an
    open round's signals count until."""

    signals: Signals
    notes: Notes
    now: datetime


def results_for(session: InterviewSession) -> dict:
    """Per-candidate totals, per-round scores, feedback and key-point coverage, a per-category
    breakdown and the mean per skill area asked: the panel's (its ``coverage`` is
    ``visibility``'s panel-only). Plain data: the API draws the skills maps from ``skills``.
    Each candidate's integrity signals of each round come summed up (``signals_summary``).
    A candidate who joined late (``joined_at``, the first round asked while present) has
    the rounds before marked ``present: false``: their counts and means leave them out.
    A constant number of queries, however many candidates and rounds."""
    rounds = list(rounds_of(session))
    extras = PanelExtras(
        signals=signals_seen(session, Lens.PANEL),
        notes=notes_seen(session, Lens.PANEL),
        now=timezone.now(),
    )
    leaderboard = leaderboard_for(session)
    sheet = score_sheet(session)
    return {
        "session": {
            **session_heading(session),
            "created_at": session.created_at.isoformat(),
            "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        },
        "ranking": session.ranking,
        "rounds": [_round_asked(rnd) for rnd in rounds],
        "candidates": [candidate_result(row, rounds, sheet, extras) for row in leaderboard],
    }


def score_sheet(session: InterviewSession) -> ScoreSheet:
    """The session's ``ScoreSheet``. Four queries: the panel's size, the answers, the
    scores, the verdicts."""
    panel_size = Participant.objects.filter(
        session=session, role=Participant.Role.INTERVIEWER
    ).count()
    answers = list(Answer.objects.filter(round__session=session).order_by("round__position"))
    scores = (
        Score.objects.filter(answer__round__session=session)
        .select_related("interviewer")
        .order_by("answer_id", "interviewer_id")
    )
    scores_by_answer: dict[int, list[Score]] = defaultdict(list)
    for score in scores:
        scores_by_answer[score.answer_id].append(score)
    answers_by_candidate: dict[int, dict[int, Answer]] = defaultdict(dict)
    for answer in answers:
        answers_by_candidate[answer.participant_id][answer.round_id] = answer
    return ScoreSheet(
        panel_size=panel_size,
        answers=dict(answers_by_candidate),
        scores=dict(scores_by_answer),
        verdicts=verdicts_of(answers),
    )


def candidate_result(
    row: LeaderboardRow, rounds: list[Round], sheet: ScoreSheet, extras: PanelExtras
) -> dict:
    """One candidate's results: their standing, each round (``round_result``), the
    breakdown per category and the mean per skill area of the rounds asked while present,
    and the panel's notes on them. No query."""
    per_round = [round_result(row, rnd, sheet, extras) for rnd in rounds]
    present = [rnd for rnd in per_round if rnd["present"]]
    return {
        **row.as_dict(),
        "asked": len(present),
        "rounds": per_round,
        "categories": category_breakdown(present),
        "skills": skill_means((rnd["category"], rnd["score"]) for rnd in present),
        "notes": extras.notes.of_candidate(row.participant_id),
    }


def round_result(row: LeaderboardRow, rnd: Round, sheet: ScoreSheet, extras: PanelExtras) -> dict:
    """A candidate's round: the question, whether they were present (``joined_at``), their
    answer (None fields without one), the panel's mean and each interviewer's score, the
    answer's verdict and notes, and their integrity signals summed up until the round's
    close (or now). No query."""
    answer = sheet.answer_of(row.participant_id, rnd.id)
    given = sheet.scores.get(answer.id, []) if answer else []
    signals = extras.signals
    return {
        "round_id": rnd.id,
        "position": rnd.position,
        "question_id": rnd.question_id,
        "question_title": rnd.title,
        "category": rnd.category,
        "present": rnd.position >= row.joined_at,
        **_answer_fields(answer, sheet),
        "awaiting": scores_awaiting(given, sheet.panel_size),
        "signals": signals_summary(
            signals.of(rnd.id, row.participant_id),
            dropped=signals.dropped_of(rnd.id, row.participant_id),
            until=rnd.closed_at or extras.now,
        ),
        "scores": [
            {
                "interviewer_id": score.interviewer_id,
                "interviewer": score.interviewer.display_name,
                "score": score.score,
                "feedback": score.feedback,
                "revision": score.revision,
            }
            for score in given
        ],
        "notes": extras.notes.of_answer(answer.id if answer else None),
    }


def _answer_fields(answer: Answer | None, sheet: ScoreSheet) -> dict:
    """The answer's part of a round's results, each field None without an answer. The
    verdict is the newest revision's, if the panel's browsers gave one: it scales the
    suggested score (``verdicts``)."""
    if answer is None:
        keys = ("answer_id", "text", "revision", "submitted_at", "coverage", "at_close")
        return dict.fromkeys((*keys, "verdict", "score"))
    return {
        "answer_id": answer.id,
        "text": answer.text,
        "revision": answer.revision,
        "submitted_at": answer.submitted_at.isoformat(),
        "coverage": answer.coverage,
        "at_close": answer.at_close,
        "verdict": sheet.verdicts.get((answer.id, answer.revision)),
        "score": answer_mean(answer, Lens.PANEL),
    }


def category_breakdown(present: list[dict]) -> list[dict]:
    """Per category, in order of its first round, of the rounds asked while present
    (``round_result``'s): rounds, scored answers, the total of their means, the most they
    could total (10 a round) and the average of the scored (None when none)."""
    categories: dict[str, dict] = {}
    for rnd in present:
        category = categories.setdefault(
            rnd["category"],
            {"category": rnd["category"], "rounds": 0, "scored": 0, "total": 0.0},
        )
        category["rounds"] += 1
        if rnd["score"] is not None:
            category["scored"] += 1
            category["total"] = round(category["total"] + rnd["score"], 2)
    for category in categories.values():
        category["max"] = category["rounds"] * 10
        category["average"] = rounded_mean(category["total"], category["scored"])
    return list(categories.values())


def _round_asked(rnd: Round) -> dict:
    return {
        "round_id": rnd.id,
        "position": rnd.position,
        "question": question_asked(rnd, prompt=False),
        "key_points": rnd.key_points,
        "opened_at": rnd.opened_at.isoformat(),
        "deadline": rnd.deadline.isoformat(),
        "closed_at": rnd.closed_at.isoformat() if rnd.closed_at else None,
        "close_reason": rnd.close_reason or None,
    }
