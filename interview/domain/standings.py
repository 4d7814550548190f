"""Standings: the mean of an answer's scores each lens sees, a candidate's means per skill
area, and the leaderboard in the order of the session's ranking rule.

Neither reads nor writes: reads (``selectors``) and writes (``services``) both compute an
answer's score with ``panel_mean`` and rank with ``leaderboard_for``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from interview.domain import sql
from interview.domain.visibility import Lens
from interview.models import Answer, Category, InterviewSession, Participant, Standing


def rounded_mean(total: float, count: int) -> float | None:
    """``total`` over ``count`` to two decimals, or None when ``count`` is 0."""
    return round(total / count, 2) if count else None


def panel_mean(score_sum: int, score_count: int) -> float | None:
    """An answer's score: the mean of the panel's scores, or None before any."""
    return rounded_mean(score_sum, score_count)


def answer_sums_seen(answer: Answer, lens: Lens) -> tuple[int, int]:
    """The sum and count of an answer's scores whose mean this lens sees: the panel every
    score saved, the author what they were last shown, the room what it was last shown."""
    if lens is Lens.PANEL:
        return answer.score_sum, answer.score_count
    if lens is Lens.AUTHOR:
        return answer.shown_sum, answer.shown_count
    return answer.room_sum, answer.room_count


def answer_mean(answer: Answer, lens: Lens) -> float | None:
    """The answer's score as this lens sees it (``answer_sums_seen``), or None before any:
    the one mean every read shows of an answer."""
    return panel_mean(*answer_sums_seen(answer, lens))


# The skill areas of the bank, in its order: every skills map has one axis per area, so maps
# of different candidates and sessions compare, and the CSV's columns stay put.
SKILL_AREAS: tuple[str, ...] = tuple(Category.values)


def skill_means(scores: Iterable[tuple[str, float | None]]) -> list[dict]:
    """A candidate's mean score per skill area, from (area, answer score) per round asked.

    An answer's score is the panel's mean; an area's mean is the mean of its scored answers,
    so an unanswered or unscored round leaves it alone. Every area of the bank is listed:
    ``asked`` rounds, ``scored`` answers, ``mean`` (None when nothing was scored).
    """
    sums = {area: [0, 0, 0.0] for area in SKILL_AREAS}  # asked, scored, total
    for area, score in scores:
        tally = sums.get(area)
        if tally is None:  # not an area of the bank (its choices bound a round's category)
            continue
        tally[0] += 1
        if score is not None:
            tally[1] += 1
            tally[2] += score
    return [
        {"area": area, "asked": asked, "scored": scored, "mean": rounded_mean(total, scored)}
        for area, (asked, scored, total) in sums.items()
    ]


@dataclass(frozen=True)
class LeaderboardRow:
    participant_id: int
    name: str
    total: float
    rank: int
    mean: float = 0.0
    answered: int = 0
    joined_at: int = 1

    def as_dict(self) -> dict:
        return {
            "participant_id": self.participant_id,
            "name": self.name,
            "total": self.total,
            "rank": self.rank,
            "mean": self.mean,
            "answered": self.answered,
            "joined_at": self.joined_at,
        }


# The order of each ranking rule, as the standings' indexes hold it.
ST = sql.names(Standing)
P = sql.names(Participant)
RANKING_ORDER = {
    InterviewSession.Ranking.TOTAL: f"st.{ST.total} DESC",
    InterviewSession.Ranking.MEAN: f"st.{ST.mean} DESC",
}


def leaderboard_for(session: InterviewSession) -> list[LeaderboardRow]:
    """Every candidate of the session, ranked 1..n: the kept standings in the order of the
    index of the session's ranking rule (``InterviewSession.Ranking``), one read.

    1 is the highest total, or mean over the rounds asked while present; of equal ones, more
    rounds answered ranks higher, then who submitted their scored answers earlier, then who
    joined first.
    """
    rows = sql.all_rows(
        f"SELECT st.{ST.participant}, p.{P.display_name}, st.{ST.total}, st.{ST.mean},"
        f" st.{ST.answered}, st.{ST.joined_at} FROM {ST.table} st"
        f" JOIN {P.table} p ON p.{P.id} = st.{ST.participant}"
        f" WHERE st.{ST.session} = %(session_id)s"
        f" ORDER BY {RANKING_ORDER.get(session.ranking, RANKING_ORDER['total'])},"
        f" st.{ST.answered} DESC, st.{ST.scored_submitted_at} ASC NULLS LAST,"
        f" st.{ST.participant}",
        {"session_id": session.pk},
    )
    return [
        LeaderboardRow(
            participant_id,
            name,
            round(float(total), 2),
            rank,
            mean=round(float(mean), 2),
            answered=answered,
            joined_at=joined_at,
        )
        for rank, (participant_id, name, total, mean, answered, joined_at) in enumerate(
            rows, start=1
        )
    ]
