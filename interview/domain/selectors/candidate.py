"""Reads: a candidate's own results after the finish, as their lens sees them."""

from collections import defaultdict

from interview.domain.payloads import model_answer_asked, question_asked, session_heading
from interview.domain.protocol import timestamp
from interview.domain.selectors.answers import verdicts_of
from interview.domain.selectors.lookups import rounds_of
from interview.domain.standings import answer_mean, leaderboard_for, skill_means
from interview.domain.visibility import Lens, Viewer, lens_of, scores_given_visible, verdict_visible
from interview.models import Answer, InterviewSession, Participant, Round, Score


def candidate_results(participant: Participant) -> dict:
    """A candidate's own answers, the panel's mean scores and feedback beside the model answers.

    Only for after the session has finished: until then model answers stay with the panel.
    What each interviewer gave stays with the panel even then: the candidate has the mean
    they were shown (``standings.answer_mean`` through their lens) and each interviewer's
    feedback, with its writer. Rounds asked before they joined are marked ``present: false``
    and left out of their mean per skill area, as the results leave them out. Plain data:
    the API draws the skills map from ``skills``.
    """
    session = participant.session
    # The candidate is the author of every answer here.
    lens = lens_of(Viewer.of(participant), participant.id)
    answers = {
        answer.round_id: answer
        for answer in Answer.objects.filter(participant=participant, round__session=session)
    }
    verdicts = verdicts_of(answers.values())
    scores = scores_of(participant)
    leaderboard = leaderboard_for(session)
    me = next((row for row in leaderboard if row.participant_id == participant.id), None)
    joined_at = me.joined_at if me else 1
    rounds = [
        {
            "round_id": rnd.id,
            "position": rnd.position,
            "present": rnd.position >= joined_at,
            "question": question_asked(rnd),
            **model_answer_asked(rnd),
            "answer": _answer_seen(answers.get(rnd.id), scores, verdicts, lens, session, rnd),
        }
        for rnd in rounds_of(session)
    ]
    skills = skill_means(
        (rnd["question"]["category"], rnd["answer"] and rnd["answer"]["score"])
        for rnd in rounds
        if rnd["present"]
    )
    return {
        "session": session_heading(session),
        "skills": skills,
        "participant": {
            "participant_id": participant.id,
            "name": participant.display_name,
            "role": participant.role,
            "joined_at": joined_at,
        },
        "leaderboard": [row.as_dict() for row in leaderboard],
        "ranking": session.ranking,
        "rounds": rounds,
    }


def scores_of(participant: Participant) -> dict[int, list[Score]]:
    """The scores given to the participant's answers, by answer, each with its interviewer.
    One query."""
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(answer__participant=participant).select_related(
        "interviewer"
    ):
        scores[score.answer_id].append(score)
    return scores


def _answer_seen(
    answer: Answer | None,
    scores: dict[int, list[Score]],
    verdicts: dict[tuple[int, int], dict],
    lens: Lens,
    session: InterviewSession,
    rnd: Round,
) -> dict | None:
    """The candidate's answer of a round as their lens sees it, or None without one: its
    score the mean they were shown, the scores cut to what they may see (each feedback and
    its writer), the verdict its pass count only (which tests failed would name hidden
    tests). No query."""
    if answer is None:
        return None
    return {
        "answer_id": answer.id,
        "text": answer.text,
        "revision": answer.revision,
        "submitted_at": timestamp(answer.submitted_at),
        "at_close": answer.at_close,
        "verdict": _verdict_seen(verdicts, answer, lens, session, rnd),
        "score": answer_mean(answer, lens),
        "scores": scores_given_visible(
            [
                {
                    "by": s.interviewer_id,
                    "interviewer": s.interviewer.display_name,
                    "score": s.score,
                    "feedback": s.feedback,
                }
                for s in scores.get(answer.id, [])
            ],
            lens,
        ),
    }


def _verdict_seen(
    verdicts: dict[tuple[int, int], dict],
    answer: Answer,
    lens: Lens,
    session: InterviewSession,
    rnd: Round,
) -> dict | None:
    """The verdict on the answer's newest revision as the lens sees it, or None."""
    verdict = verdicts.get((answer.id, answer.revision))
    if verdict is None:
        return None
    return verdict_visible(
        verdict, lens, show_verdicts=session.show_verdicts, round_closed=rnd.closed_at is not None
    )
