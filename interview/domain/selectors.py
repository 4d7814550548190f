"""Reads: the leaderboard and the results of a session, in a constant number of queries."""

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, F, JSONField, QuerySet, Value, When
from django.utils import timezone

from interview.content.radar import Spoke, skills_chart_svg
from interview.content.rendering import key_points_html, markdown_html
from interview.content.verdicts import suggested_with_tests
from interview.domain import sql
from interview.domain.credentials import join_code_normalise, secret_hash
from interview.domain.limits import client_limits
from interview.domain.protocol import (
    EventType,
    PageLoad,
    SignalKind,
    event_frame,
    frame_text,
    timestamp,
)
from interview.domain.round_points import with_key_points
from interview.domain.visibility import (
    AWAITING,
    IN_EXTRA_TIME,
    PARTICIPANT_CARD,
    Lens,
    Viewer,
    audience_of,
    in_audience,
    lens_of,
    presence_visible,
    project,
    scores_given_visible,
    verdict_visible,
    visible_to,
)
from interview.models import (
    Answer,
    AnswerRevision,
    Category,
    Connection,
    Draft,
    Event,
    InterviewSession,
    Note,
    Participant,
    PersonalDeadline,
    Question,
    Round,
    Score,
    SignalTally,
    Verdict,
)

# A socket whose process has not refreshed it for this long belongs to a dead process.
# Processes refresh every PRESENCE_HEARTBEAT; three missed beats and it is gone.
PRESENCE_HEARTBEAT = timedelta(seconds=5)
PRESENCE_STALE_AFTER = timedelta(seconds=20)
# A socket that dropped without a close frame (Wi-Fi gone, a process killed, a server
# draining) keeps its participant online this long: they are probably reconnecting, and a
# room of a thousand reconnecting at once must not announce two thousand comings and goings.
PRESENCE_GRACE = timedelta(seconds=5)


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
RANKING_ORDER = {
    InterviewSession.Ranking.TOTAL: "st.total DESC",
    InterviewSession.Ranking.MEAN: "st.mean DESC",
}


def leaderboard_for(session: InterviewSession) -> list[LeaderboardRow]:
    """Every candidate of the session, ranked 1..n: the kept standings in the order of the
    index of the session's ranking rule (``InterviewSession.Ranking``), one read.

    1 is the highest total, or mean over the rounds asked while present; of equal ones, more
    rounds answered ranks higher, then who submitted their scored answers earlier, then who
    joined first.
    """
    rows = sql.all_rows(
        "SELECT st.participant_id, p.display_name, st.total, st.mean, st.answered,"
        " st.joined_at FROM interview_standing st"
        " JOIN interview_participant p ON p.id = st.participant_id WHERE st.session_id = %s"
        f" ORDER BY {RANKING_ORDER.get(session.ranking, RANKING_ORDER['total'])},"
        " st.answered DESC, st.scored_submitted_at ASC NULLS LAST, st.participant_id",
        [session.pk],
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


def panel_mean(score_sum: int, score_count: int) -> float | None:
    """An answer's score: the mean of the panel's scores, or None before any."""
    return round(score_sum / score_count, 2) if score_count else None


def verdicts_of(answers: Iterable[Answer]) -> dict[tuple[int, int], dict]:
    """The kept verdicts on these answers' revisions, by (answer id, revision), each as its
    ``answer.verdict`` payload (the panel's; ``visibility.verdict_visible`` cuts it), with
    ``disagreement`` (null when none) and the suggested score of the answer's newest
    revision where the verdict is of that revision."""
    by_id = {answer.id: answer for answer in answers}
    kept = {}
    for verdict in Verdict.objects.filter(answer_id__in=list(by_id)).order_by("id"):
        answer = by_id[verdict.answer_id]
        payload = {
            "answer_id": answer.id,
            "participant_id": answer.participant_id,
            "round_id": answer.round_id,
            "revision": verdict.revision,
            "passed": verdict.passed,
            "total": verdict.total,
            "failures": verdict.failures,
            "by": verdict.by_id,
            "disagreement": verdict.disagreement,
        }
        if verdict.revision == answer.revision:
            suggested = (answer.coverage or {}).get("suggested_score")
            payload["suggested_score"] = suggested_with_tests(
                suggested, verdict.passed, verdict.total
            )
        kept[(answer.id, verdict.revision)] = payload
    return kept


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


def question_asked(rnd: Round, *, prompt: bool = True) -> dict:
    """The question as the round asked it: the round's copy, whatever the bank says since.

    With the prompt comes ``prompt_html``, the prompt's Markdown rendered (``rendering``).
    """
    question = {"id": rnd.question_id, "title": rnd.title, "kind": rnd.kind}
    if prompt:
        question |= {"prompt": rnd.prompt, "prompt_html": markdown_html(rnd.prompt)}
    return question | {"category": rnd.category, "difficulty": rnd.difficulty}


def model_answer_asked(rnd: Round) -> dict:
    """The round's model answer and key points, as text and rendered: the panel's alone
    while the session runs (``visibility``)."""
    return {
        "model_answer": rnd.model_answer,
        "model_answer_html": markdown_html(rnd.model_answer),
        "key_points": rnd.key_points,
        "key_points_html": key_points_html(rnd.key_points),
    }


def exercise_asked(rnd: Round) -> dict:
    """An exercise round's starter code, examples and hidden tests, as the round keeps them;
    nothing for the other kinds. The hidden tests are the panel's alone, even after the
    finish (``visibility``)."""
    if rnd.kind != Question.Kind.EXERCISE:
        return {}
    return {"starter_code": rnd.starter_code, "examples": rnd.examples, "tests": rnd.tests}


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
        {
            "area": area,
            "asked": asked,
            "scored": scored,
            "mean": round(total / scored, 2) if scored else None,
        }
        for area, (asked, scored, total) in sums.items()
    ]


def skills_svg(name: str, skills: list[dict], *, element_id: str) -> str:
    """A candidate's skills map: their mean per area asked (``radar``): a radar with three
    areas or more, a bar per area with fewer. Areas not asked are left out, so two areas
    asked do not draw a radar collapsed to a line."""
    return skills_chart_svg(
        [Spoke(area=skill["area"], mean=skill["mean"]) for skill in skills if skill["asked"]],
        title=f"Skills map of {name}",
        element_id=element_id,
    )


def results_for(session: InterviewSession, *, skills_maps: bool = True) -> dict:
    """Per-candidate totals, per-round scores, feedback and key-point coverage, a per-category
    breakdown and the skills map: the panel's (its ``coverage`` is ``visibility``'s
    panel-only). The map is the mean per area asked, drawn (``skills_svg``) unless
    ``skills_maps`` is False (the CSV has no use for the drawings, a millisecond a candidate).
    Each candidate's integrity signals of each round come summed up (``signals_summary``).
    A candidate who joined late (``joined_at``, the first round asked while present) has
    the rounds before marked ``present: false``: their counts and means leave them out."""
    rounds = list(rounds_of(session))
    signals = signals_seen(session, Lens.PANEL)
    notes = notes_seen(session, Lens.PANEL)
    now = timezone.now()
    leaderboard = leaderboard_for(session)
    panel_size = Participant.objects.filter(
        session=session, role=Participant.Role.INTERVIEWER
    ).count()
    answers = list(Answer.objects.filter(round__session=session).order_by("round__position"))
    scores = list(
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
    verdicts = verdicts_of(answers)

    candidates = []
    for row in leaderboard:
        per_round = []
        categories: dict[str, dict] = {}
        for rnd in rounds:
            answer = answers_by_candidate[row.participant_id].get(rnd.id)
            given = scores_by_answer.get(answer.id, []) if answer else []
            mean = panel_mean(answer.score_sum, answer.score_count) if answer else None
            present = rnd.position >= row.joined_at
            if present:
                category = categories.setdefault(
                    rnd.category,
                    {"category": rnd.category, "rounds": 0, "scored": 0, "total": 0.0},
                )
                category["rounds"] += 1
                if mean is not None:
                    category["scored"] += 1
                    category["total"] = round(category["total"] + mean, 2)
            per_round.append(
                {
                    "round_id": rnd.id,
                    "position": rnd.position,
                    "question_id": rnd.question_id,
                    "question_title": rnd.title,
                    "category": rnd.category,
                    "present": present,
                    "answer_id": answer.id if answer else None,
                    "text": answer.text if answer else None,
                    "revision": answer.revision if answer else None,
                    "submitted_at": answer.submitted_at.isoformat() if answer else None,
                    "coverage": answer.coverage if answer else None,
                    "at_close": answer.at_close if answer else None,
                    # The newest revision's verdict against the tests, if the panel's
                    # browsers gave one: it scales the suggested score (``verdicts``).
                    "verdict": verdicts.get((answer.id, answer.revision)) if answer else None,
                    "score": mean,
                    "awaiting": scores_awaiting(given, panel_size),
                    "signals": signals_summary(
                        signals.of(rnd.id, row.participant_id),
                        dropped=signals.dropped_of(rnd.id, row.participant_id),
                        until=rnd.closed_at or now,
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
                    "notes": notes.of_answer(answer.id if answer else None),
                }
            )
        for category in categories.values():
            category["max"] = category["rounds"] * 10
            category["average"] = (
                round(category["total"] / category["scored"], 2) if category["scored"] else None
            )
        skills = skill_means((rnd["category"], rnd["score"]) for rnd in per_round if rnd["present"])
        candidate = {
            **row.as_dict(),
            "asked": sum(rnd["present"] for rnd in per_round),
            "rounds": per_round,
            "categories": list(categories.values()),
            "skills": skills,
            "notes": notes.of_candidate(row.participant_id),
        }
        if skills_maps:
            candidate["skills_svg"] = skills_svg(
                row.name, skills, element_id=f"skills-{row.participant_id}"
            )
        candidates.append(candidate)

    return {
        "session": {
            "code": session.code,
            "title": session.title,
            "status": session.status,
            "ranking": session.ranking,
            "created_at": session.created_at.isoformat(),
            "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        },
        "ranking": session.ranking,
        "rounds": [
            {
                "round_id": rnd.id,
                "position": rnd.position,
                "question": question_asked(rnd, prompt=False),
                "key_points": rnd.key_points,
                "opened_at": rnd.opened_at.isoformat(),
                "deadline": rnd.deadline.isoformat(),
                "closed_at": rnd.closed_at.isoformat() if rnd.closed_at else None,
                "close_reason": rnd.close_reason or None,
            }
            for rnd in rounds
        ],
        "candidates": candidates,
    }


def scores_awaiting(given: list[Score], panel_size: int) -> int:
    """How many more panel members must save a score of an answer before its author and
    the room are shown the panel's mean (``services.answer_score``): 0 when nothing waits."""
    pending = sum(score.pending for score in given)
    return max(0, panel_size - pending) if pending else 0


RESULTS_CSV_HEADER = [
    "session",
    "candidate_id",
    "candidate",
    "rank",
    "total",
    "round",
    "question",
    "category",
    "answer_id",
    "answer_score",
    "interviewer",
    "score",
    "feedback",
    # The candidate's skills map: their mean per area of the bank, empty where none.
    *(f"mean {area}" for area in SKILL_AREAS),
    # The candidate's integrity signals in the round (``signals_summary``), then the answer's
    # key-point coverage: empty without an answer.
    "signals",
    "left_tab",
    "away_s",
    "reloads",
    "lost_focus",
    "pastes",
    "pasted_chars",
    "key_points_covered",
    "key_points",
    "suggested_score",
    # The panel's private notes: on the answer, then on the candidate ("Alice: text; Bob: ...").
    "private_notes",
    "candidate_notes",
    # "yes" when the answer's final revision is the draft kept at the round's close, "no"
    # when it was submitted; empty without an answer.
    "kept_at_close",
    # The candidate's place by the session's ranking rule: the first round asked while they
    # were present, how many since, how many they answered, their mean over them.
    "joined_at",
    "asked",
    "answered",
    "mean",
    # The answer's newest revision and its text, and the revision this row's score was
    # given to (older than the newest: the answer changed since it was scored).
    "revision",
    "scored_revision",
    "answer_text",
    # An exercise's answer: of its newest revision, the tests passed of the round's examples
    # and hidden tests, the failing tests' names, and "yes" when a later report disagreed.
    # Then ``suggested_score`` above is the coverage's scaled by the share passed.
    "tests_passed",
    "tests_total",
    "failed_tests",
    "verdict_disputed",
]


# A spreadsheet reads a cell starting with one of these as a formula (or, with a tab or a
# carriage return, strips the character and reads what follows): OWASP's "CSV Injection".
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: a string that could start a formula gets a ``'``.

    Numbers stay numbers; only text typed by people (names, titles, feedback) can be hostile.
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value


def results_csv_rows(results: dict) -> list[list]:
    """The results flattened: a row per candidate, round and interviewer score, every cell
    safe to open in a spreadsheet (``csv_cell``)."""
    rows = []
    code = results["session"]["code"]
    for candidate in results["candidates"]:
        head = [code, candidate["participant_id"], candidate["name"], candidate["rank"]]
        means = ["" if skill["mean"] is None else skill["mean"] for skill in candidate["skills"]]
        about_candidate = notes_text(candidate.get("notes", []))
        standing = [candidate[key] for key in ("joined_at", "asked", "answered", "mean")]
        for rnd in candidate["rounds"]:
            body = [
                candidate["total"],
                rnd["position"],
                rnd["question_title"],
                rnd["category"],
                rnd["answer_id"] or "",
                "" if rnd["score"] is None else rnd["score"],
            ]
            tail = means + _signals_cells(rnd["signals"])
            tail += _coverage_cells(rnd["coverage"], rnd.get("verdict"))
            tail += [notes_text(rnd.get("notes", [])), about_candidate]
            tail.append({True: "yes", False: "no"}.get(rnd["at_close"], ""))
            tail += standing
            answer = [rnd["revision"] or "", rnd["text"] if rnd["text"] is not None else ""]
            tests = _verdict_cells(rnd.get("verdict"))
            if not rnd["scores"]:
                rows.append(head + body + ["", "", ""] + tail + [answer[0], "", answer[1]] + tests)
            for score in rnd["scores"]:
                given = [score["interviewer"], score["score"], score["feedback"]]
                rows.append(
                    head + body + given + tail + [answer[0], score["revision"], answer[1]] + tests
                )
    return [[csv_cell(value) for value in row] for row in rows]


def _verdict_cells(verdict: dict | None) -> list:
    if verdict is None:
        return ["", "", "", ""]
    names = "; ".join(failure["name"] for failure in verdict["failures"])
    disputed = "yes" if verdict.get("disagreement") else "no"
    return [verdict["passed"], verdict["total"], names, disputed]


def _signals_cells(signals: dict) -> list:
    keys = ("summary", "left_tab", "away_s", "reloads", "lost_focus", "pastes", "pasted_chars")
    return [signals[key] for key in keys]


def _coverage_cells(coverage: dict | None, verdict: dict | None = None) -> list:
    if coverage is None:
        return ["", "", ""]
    suggested = coverage["suggested_score"]
    if verdict is not None and "suggested_score" in verdict:
        suggested = verdict["suggested_score"]
    points = coverage["points"]
    return [sum(points), len(points), "" if suggested is None else suggested]


# --- integrity signals -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signals:
    """A session's integrity signals as one lens sees them: the kept ``candidate.signal``
    data in order, and how many more each (round, candidate) sent past the bound."""

    kept: list[dict]
    dropped: dict[tuple[int, int], int]
    by_candidate: dict[tuple[int, int], list[dict]] = field(default_factory=dict)

    def of(self, round_id: int, participant_id: int) -> list[dict]:
        return self.by_candidate.get((round_id, participant_id), [])

    def dropped_of(self, round_id: int, participant_id: int) -> int:
        return self.dropped.get((round_id, participant_id), 0)

    def dropped_list(self) -> list[dict]:
        """``signals_dropped`` as the panel's snapshot lists it."""
        return [
            {"round_id": round_id, "participant_id": participant_id, "dropped": dropped}
            for (round_id, participant_id), dropped in sorted(self.dropped.items())
        ]


def signals_seen(session: InterviewSession, lens: Lens) -> Signals:
    """The session's integrity signals through the lens (``visibility``): the panel's alone,
    so any other lens sees none and costs no query. Two queries for the panel."""
    if not in_audience(audience_of(EventType.CANDIDATE_SIGNAL), lens):
        return Signals(kept=[], dropped={})
    rows = Event.objects.filter(session=session, type=EventType.CANDIDATE_SIGNAL).order_by("seq")
    kept = [
        seen
        for payload in rows.values_list("payload", flat=True)
        if (seen := project(EventType.CANDIDATE_SIGNAL, payload, lens))
    ]
    dropped = {
        (round_id, participant_id): count
        for round_id, participant_id, count in SignalTally.objects.filter(
            round__session=session, dropped__gt=0
        ).values_list("round_id", "participant_id", "dropped")
    }
    by_candidate: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for signal in kept:
        by_candidate[signal["round_id"], signal["participant_id"]].append(signal)
    return Signals(kept=kept, dropped=dropped, by_candidate=dict(by_candidate))


# --- the panel's notes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Notes:
    """A session's private notes as one lens sees them (``note.updated``'s data, the newest
    of each interviewer's note), by answer and by candidate."""

    kept: list[dict]
    by_answer: dict[int, list[dict]] = field(default_factory=dict)
    by_candidate: dict[int, list[dict]] = field(default_factory=dict)

    def of_answer(self, answer_id: int | None) -> list[dict]:
        return self.by_answer.get(answer_id, []) if answer_id is not None else []

    def of_candidate(self, participant_id: int) -> list[dict]:
        return self.by_candidate.get(participant_id, [])


def notes_seen(session: InterviewSession, lens: Lens) -> Notes:
    """The session's private notes through the lens (``visibility``): the panel's alone, so
    any other lens sees none and costs no query. Empty notes are left out. One query."""
    if not in_audience(audience_of(EventType.NOTE_UPDATED), lens):
        return Notes(kept=[])
    rows = (
        Note.objects.filter(session=session)
        .exclude(text="")
        .select_related("answer", "author")
        .order_by("id")
    )
    kept = []
    for note in rows:
        payload = {
            "participant_id": note.candidate_id,
            "answer_id": note.answer_id,
            "round_id": note.answer.round_id if note.answer_id else None,
            "by": note.author_id,
            "by_name": note.author.display_name,
            "text": note.text,
            "updated_at": timestamp(note.updated_at),
        }
        if (seen := project(EventType.NOTE_UPDATED, payload, lens)) is not None:
            kept.append(seen)
    by_answer: dict[int, list[dict]] = defaultdict(list)
    by_candidate: dict[int, list[dict]] = defaultdict(list)
    for note in kept:
        if note["answer_id"] is None:
            by_candidate[note["participant_id"]].append(note)
        else:
            by_answer[note["answer_id"]].append(note)
    return Notes(kept=kept, by_answer=dict(by_answer), by_candidate=dict(by_candidate))


def notes_text(notes: list[dict]) -> str:
    """Notes as one CSV cell: "Alice: text; Bob: text"."""
    return "; ".join(f"{note['by_name']}: {note['text']}" for note in notes)


def _duration_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def signals_summary(signals: list[dict], *, dropped: int = 0, until: datetime) -> dict:
    """One candidate's signals of one round, summed up for the panel.

    A ``hidden`` opens a spell away from the page; the next ``visible`` or ``focus`` closes
    it (the page reports both when it loads, and ``visible`` again when its socket comes
    back), and one still open at the end closes at ``until``: the round's close, or now.
    A spell closed by a page's reload (``visible`` with ``load: "reloaded"``) is a reload,
    not the tab left; a reload whose ``hidden`` never arrived counts too, with no time.
    ``away_s`` is the time of both kinds of spell, each kind rounded to whole seconds. The
    dashboard's ``signalSummary`` (frontend/static/interview/js/signals.js) says the same in
    the same words: "left the tab 3× (42 s), reloaded the page 1× (1 s), lost focus 4×,
    pasted 380 characters".
    """
    left = reloads = lost_focus = pastes = pasted = left_ms = reload_ms = 0
    hidden_since: datetime | None = None
    hiddens = 0  # the ``hidden`` signals of the open spell
    for signal in signals:
        at = sql.moment(signal["at"])
        kind = signal["kind"]
        if kind == SignalKind.HIDDEN:
            hiddens += 1
            hidden_since = hidden_since or at
            continue
        if kind == SignalKind.VISIBLE and signal.get("load") == PageLoad.RELOADED:
            reloads += 1
            if hidden_since is not None:
                reload_ms += max(0, (at - hidden_since) // timedelta(milliseconds=1))
                hidden_since, hiddens = None, 0
        elif kind in (SignalKind.VISIBLE, SignalKind.FOCUS) and hidden_since is not None:
            left += hiddens
            left_ms += max(0, (at - hidden_since) // timedelta(milliseconds=1))
            hidden_since, hiddens = None, 0
        if kind == SignalKind.BLUR:
            lost_focus += 1
        elif kind == SignalKind.PASTE:
            pastes += 1
            pasted += signal.get("chars", 0)
    if hidden_since is not None:
        left += hiddens
        left_ms += max(0, (until - hidden_since) // timedelta(milliseconds=1))
    left_s, reload_s = (left_ms + 500) // 1000, (reload_ms + 500) // 1000
    parts = []
    if left:
        parts.append(f"left the tab {left}× ({_duration_text(left_s)})")
    if reloads:
        parts.append(f"reloaded the page {reloads}× ({_duration_text(reload_s)})")
    if lost_focus:
        parts.append(f"lost focus {lost_focus}×")
    if pastes:
        parts.append(f"pasted {pasted} character{'' if pasted == 1 else 's'}")
    if dropped:
        parts.append(f"{dropped} more signal{'' if dropped == 1 else 's'} not kept")
    return {
        "left_tab": left,
        "away_s": left_s + reload_s,
        "reloads": reloads,
        "lost_focus": lost_focus,
        "pastes": pastes,
        "pasted_chars": pasted,
        "signals_dropped": dropped,
        "summary": ", ".join(parts) or "no signals",
    }


# --- the live view: snapshot and replay -----------------------------------------------------


def participant_for_token(*, session_id: int, token: str) -> Participant | None:
    """The participant of this session holding the token, if any."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return (
        Participant.objects.filter(session_id=session_id, token_hash=secret_hash(token))
        .select_related("session", "user")
        .first()
    )


def online_ids(session: InterviewSession, roles: Iterable[str] | None = None) -> set[int]:
    """Participants (of these roles, if given) with a socket open on a live server process."""
    fresh = timezone.now() - PRESENCE_STALE_AFTER
    sockets = Connection.objects.filter(participant__session=session, heartbeat_at__gt=fresh)
    if roles is not None:
        sockets = sockets.filter(participant__role__in=roles)
    return set(sockets.values_list("participant_id", flat=True))


def presence_counts(session_id: int) -> dict[str, int]:
    """How many participants of each role are online: ``presence.counts``'s data."""
    fresh = timezone.now() - PRESENCE_STALE_AFTER
    online = (
        Connection.objects.filter(participant__session_id=session_id, heartbeat_at__gt=fresh)
        .values("participant__role")
        .annotate(n=Count("participant_id", distinct=True))
        .values_list("participant__role", "n")
    )
    return _counts(dict(online))


def _counts(by_role: dict[str, int]) -> dict[str, int]:
    return {
        "interviewers": by_role.get(Participant.Role.INTERVIEWER, 0),
        "candidates": by_role.get(Participant.Role.CANDIDATE, 0),
        "spectators": by_role.get(Participant.Role.SPECTATOR, 0),
    }


def session_last_seq(session_id: int) -> int:
    """The seq of the session's newest event."""
    return InterviewSession.objects.filter(pk=session_id).values_list("last_seq", flat=True)[0]


def _answer_view(
    answer: Answer,
    scores: list[Score],
    viewer: Viewer,
    *,
    deadline: datetime | None = None,
    on_time: AnswerRevision | None = None,
    panel_size: int = 1,
) -> dict | None:
    """An answer as the viewer may see it. One revised after its round's ``deadline`` (in the
    candidate's extra time) shows the others its last revision by then (``on_time``), or
    nothing if it had none: they never learn who has extra time.

    Its ``score`` is the mean the viewer's lens has: the panel the mean of every score saved,
    the author the mean they were last shown, the room the one it was last shown
    (``Answer``'s ``shown_*`` and ``room_*``, ``services.answer_score``)."""
    payload = {
        "round_id": answer.round_id,
        "answer_id": answer.id,
        "participant_id": answer.participant_id,
        "revision": answer.revision,
        "text": answer.text,
        "coverage": answer.coverage,
    }
    if answer.at_close:
        payload["at_close"] = True
    submitted_at = answer.submitted_at
    if deadline is not None and submitted_at > deadline:
        payload[IN_EXTRA_TIME] = True
    view = visible_to(EventType.ANSWER_SUBMITTED, payload, viewer)
    if view is None and on_time is not None:
        del payload[IN_EXTRA_TIME]
        payload["revision"], submitted_at = on_time.revision, on_time.submitted_at
        payload.pop("at_close", None)
        view = visible_to(EventType.ANSWER_SUBMITTED, payload, viewer)
    if view is None:
        return None
    view.pop(IN_EXTRA_TIME, None)
    view["submitted_at"] = timestamp(submitted_at)
    lens = lens_of(viewer, answer.participant_id)
    view["score"] = panel_mean(*answer_sums_seen(answer, lens))
    given = [
        {
            "by": s.interviewer_id,
            "score": s.score,
            "feedback": s.feedback,
            "revision": s.revision,
            "pending": s.pending,
        }
        for s in scores
    ]
    view["scores"] = scores_given_visible(given, lens)
    if lens is Lens.PANEL:
        view[AWAITING] = scores_awaiting(scores, panel_size)
    return view


def answer_sums_seen(answer: Answer, lens: Lens) -> tuple[int, int]:
    """The sum and count of an answer's scores whose mean this lens sees: the panel every
    score saved, the author what they were last shown, the room what it was last shown."""
    if lens is Lens.PANEL:
        return answer.score_sum, answer.score_count
    if lens is Lens.AUTHOR:
        return answer.shown_sum, answer.shown_count
    return answer.room_sum, answer.room_count


def round_payload(rnd: Round) -> dict:
    """Everything about a round that anyone may see; visibility cuts it per viewer."""
    return {
        "round_id": rnd.id,
        "position": rnd.position,
        "question": question_asked(rnd),
        "time_limit_s": rnd.time_limit_s,
        "deadline": timestamp(rnd.deadline),
        **model_answer_asked(rnd),
        **exercise_asked(rnd),
    }


def personal_deadlines_visible(rnd: Round, viewer: Viewer) -> list[dict]:
    """The candidates' own deadlines on a round as ``round.extended`` shows them to this
    viewer: the panel everyone's, a candidate their own, anyone else none."""
    own = PersonalDeadline.objects.filter(round=rnd).order_by("participant_id")
    if viewer.role != Participant.Role.INTERVIEWER:
        own = own.filter(participant_id=viewer.participant_id)
    return [
        seen
        for participant_id, deadline in own.values_list("participant_id", "deadline")
        if (
            seen := visible_to(
                EventType.ROUND_EXTENDED,
                {
                    "round_id": rnd.id,
                    "participant_id": participant_id,
                    "deadline": timestamp(deadline),
                },
                viewer,
            )
        )
        is not None
    ]


def _participant_card(participant_id: int, name: str, role: str, online: bool, pct: int) -> dict:
    card = {"participant_id": participant_id, "name": name, "role": role, "online": online}
    if role == Participant.Role.CANDIDATE:
        card["extra_time_pct"] = pct
    return card


def snapshot_for(session: InterviewSession, viewer: Viewer) -> dict:
    """All of the session's state this viewer may see, in a constant number of queries."""
    lens = Lens.PANEL if viewer.role == Participant.Role.INTERVIEWER else Lens.PUBLIC
    # Only the roles this lens lists are read: a big room's public welcome stays small.
    listed = [role for role in Participant.Role if presence_visible(role, lens)]
    online = online_ids(session, listed)
    # Tuples, not model instances: the panel's welcome lists a big room's thousands.
    participants = list(
        Participant.objects.filter(session=session, role__in=listed)
        .order_by("id")
        .values_list("id", "display_name", "role", "extra_time_pct")
    )
    rounds = list(rounds_of(session))
    open_round = next((rnd for rnd in rounds if rnd.closed_at is None), None)
    answers = list(Answer.objects.filter(round__session=session).order_by("round_id", "id"))
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(answer__round__session=session).order_by("id"):
        scores[score.answer_id].append(score)

    deadlines = {rnd.id: rnd.deadline for rnd in rounds}
    closed = {rnd.id: rnd.closed_at is not None for rnd in rounds}
    verdicts = verdicts_of(answers)
    panel_size = sum(role == Participant.Role.INTERVIEWER for _, _, role, _ in participants)
    late = [a.id for a in answers if a.submitted_at > deadlines[a.round_id]]
    on_time = revisions_on_time(late) if late and lens is not Lens.PANEL else {}
    answer_views = [
        view
        for answer in answers
        if (
            view := _answer_view(
                answer,
                scores.get(answer.id, []),
                viewer,
                deadline=deadlines[answer.round_id],
                on_time=on_time.get(answer.id),
                panel_size=panel_size,
            )
        )
        is not None
    ]
    for view in answer_views:
        verdict = verdicts.get((view["answer_id"], view["revision"]))
        seen = verdict and verdict_visible(
            verdict,
            lens_of(viewer, view["participant_id"]),
            show_verdicts=session.show_verdicts,
            round_closed=closed[view["round_id"]],
        )
        if seen:
            view["verdict"] = seen

    round_view = None
    if open_round is not None:
        round_view = visible_to(EventType.ROUND_OPENED, round_payload(open_round), viewer)
        round_view["answered"] = sorted(
            {a["participant_id"] for a in answer_views if a["round_id"] == open_round.id}
        )
        round_view["deadlines"] = personal_deadlines_visible(open_round, viewer)
    snapshot = {
        "status": session.status,
        "round": round_view,
        "rounds_played": len(rounds),
        "rounds": [
            {
                "round_id": rnd.id,
                "position": rnd.position,
                "question": question_asked(rnd, prompt=False),
                "open": rnd.closed_at is None,
                "closed_at": timestamp(rnd.closed_at) if rnd.closed_at else None,
            }
            for rnd in rounds
        ],
        "participants": [
            project(PARTICIPANT_CARD, _participant_card(pid, name, role, pid in online, pct), lens)
            for pid, name, role, pct in participants
        ],
        "counts": presence_counts(session.id),
        "leaderboard": [row.as_dict() for row in leaderboard_for(session)],
        "ranking": session.ranking,
        "show_verdicts": session.show_verdicts,
        "answers": answer_views,
    }
    if in_audience(audience_of(EventType.CANDIDATE_SIGNAL), lens):
        signals = signals_seen(session, lens)
        snapshot |= {"signals": signals.kept, "signals_dropped": signals.dropped_list()}
    if in_audience(audience_of(EventType.NOTE_UPDATED), lens):
        snapshot["notes"] = notes_seen(session, lens).kept
    if in_audience(audience_of(EventType.ANSWER_DRAFTED), lens):
        snapshot["drafts"] = drafts_of(open_round)
    snapshot["limits"] = client_limits()
    with_key_points(snapshot["rounds"], rounds, lens)
    return snapshot


def drafts_of(rnd: Round | None) -> list[dict]:
    """The candidates' latest drafts in a round, as ``answer.drafted`` gives them: the
    panel's alone (``visibility``); none without a round."""
    if rnd is None:
        return []
    return [
        {"round_id": rnd.id, "participant_id": participant_id, "text": text, "at": timestamp(at)}
        for participant_id, text, at in Draft.objects.filter(round=rnd)
        .order_by("participant_id")
        .values_list("participant_id", "text", "saved_at")
    ]


def revisions_on_time(answer_ids: list[int]) -> dict[int, AnswerRevision]:
    """Of each answer, its last revision by its round's deadline (none: it has none)."""
    latest: dict[int, AnswerRevision] = {}
    for revision in AnswerRevision.objects.filter(
        answer_id__in=answer_ids, submitted_at__lte=F("answer__round__deadline")
    ).order_by("answer_id", "revision"):
        latest[revision.answer_id] = revision
    return latest


def events_after(session_id: int, last_seq: int, viewer: Viewer) -> list[dict]:
    """The persisted events after ``last_seq`` as this viewer sees them, in order.

    Events the viewer is not in the audience of are returned with ``data`` None, so the
    caller knows the numbers are accounted for. Drafts are replayed to nobody, and their
    texts are not even read: the panel's snapshot holds each candidate's latest (``drafts``),
    and a panel back after a while would otherwise be sent every draft typed meanwhile.
    """
    rows = (
        Event.objects.filter(session_id=session_id, seq__gt=last_seq)
        .order_by("seq")
        .defer("payload")
        .annotate(
            replayed=Case(
                When(type=EventType.ANSWER_DRAFTED, then=Value(None)),
                default=F("payload"),
                output_field=JSONField(),
            )
        )
    )
    return [
        {
            "seq": event.seq,
            "type": event.type,
            "ts": timestamp(event.created_at),
            "data": None
            if event.type == EventType.ANSWER_DRAFTED
            else visible_to(event.type, event.replayed, viewer, audience=event.audience),
        }
        for event in rows
    ]


def event_rows_after(session_id: int, last_seq: int) -> list[Event]:
    """The session's persisted events after ``last_seq``, in order, as stored (every lens)."""
    return list(Event.objects.filter(session_id=session_id, seq__gt=last_seq).order_by("seq"))


def candidate_results(participant: Participant) -> dict:
    """A candidate's own answers, the panel's mean scores and feedback beside the model answers.

    Only for after the session has finished: until then model answers stay with the panel.
    What each interviewer gave stays with the panel even then: the candidate has the mean
    they were shown (``answer_sums_seen``) and each interviewer's feedback, with its writer.
    Rounds asked before they joined are marked ``present: false`` and left out of their
    skills map, as the results leave them out.
    """
    session = participant.session
    # The candidate is the author of every answer here.
    lens = lens_of(Viewer(participant_id=participant.id, role=participant.role), participant.id)
    answers = {
        answer.round_id: answer
        for answer in Answer.objects.filter(participant=participant, round__session=session)
    }
    verdicts = verdicts_of(answers.values())
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(answer__participant=participant).select_related(
        "interviewer"
    ):
        scores[score.answer_id].append(score)
    leaderboard = leaderboard_for(session)
    me = next((row for row in leaderboard if row.participant_id == participant.id), None)
    joined_at = me.joined_at if me else 1
    rounds = []
    for rnd in rounds_of(session):
        answer = answers.get(rnd.id)
        given = scores.get(answer.id, []) if answer else []
        rounds.append(
            {
                "round_id": rnd.id,
                "position": rnd.position,
                "present": rnd.position >= joined_at,
                "question": question_asked(rnd),
                **model_answer_asked(rnd),
                "answer": None
                if answer is None
                else {
                    "answer_id": answer.id,
                    "text": answer.text,
                    "revision": answer.revision,
                    "submitted_at": timestamp(answer.submitted_at),
                    "at_close": answer.at_close,
                    # Its pass count only: which tests failed would name hidden tests.
                    "verdict": _verdict_seen(verdicts, answer, lens, session, rnd),
                    "score": panel_mean(*answer_sums_seen(answer, lens)),
                    "scores": scores_given_visible(
                        [
                            {
                                "by": s.interviewer_id,
                                "interviewer": s.interviewer.display_name,
                                "score": s.score,
                                "feedback": s.feedback,
                            }
                            for s in given
                        ],
                        lens,
                    ),
                },
            }
        )
    skills = skill_means(
        (rnd["question"]["category"], rnd["answer"] and rnd["answer"]["score"])
        for rnd in rounds
        if rnd["present"]
    )
    return {
        "session": {
            "code": session.code,
            "title": session.title,
            "status": session.status,
            "ranking": session.ranking,
        },
        "skills": skills,
        "skills_svg": skills_svg(participant.display_name, skills, element_id="skills-mine"),
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


def session_id_for(code: str) -> int | None:
    """The id of the session with this (normalised) join code, if any."""
    return InterviewSession.objects.filter(code=code).values_list("id", flat=True).first()


def session_for_code(code: str) -> InterviewSession | None:
    """The session with this join code as typed (any case, dashes ignored), if any."""
    return InterviewSession.objects.filter(code=join_code_normalise(code)).first()


@dataclass(frozen=True)
class Welcome:
    """What a socket gets after ``hello``, all read from one snapshot of the database.

    ``data`` is the ``welcome`` event's; ``replay`` the frames since the client's last seq
    as (seq, text), the text None where the viewer is not in the event's audience (the
    socket then marks the next frame with ``prev``, ``delivery``); live events continue after
    ``resume_from``.
    """

    data: dict
    replay: list[tuple[int, str | None]]
    resume_from: int


def welcome_for(participant: Participant, viewer: Viewer, last_seq: int) -> Welcome:
    """The welcome of a participant's socket that has seen events up to ``last_seq``.

    ``last_seq``, the snapshot and the replay come from one consistent read, so the client
    never applies an event that its snapshot already holds.
    """
    with consistent_read():
        session = InterviewSession.objects.get(pk=participant.session_id)
        snapshot = snapshot_for(session, viewer)
        replay = [
            (
                event["seq"],
                None
                if event["data"] is None
                else frame_text(
                    event_frame(event["type"], event["data"], seq=event["seq"], ts=event["ts"])
                ),
            )
            for event in events_after(session.id, last_seq, viewer)
        ]
    me = {"participant_id": participant.id, "name": participant.display_name}
    me |= {"role": participant.role, "is_owner": participant.user_id == session.owner_id}
    data = {"participant": me, "session": {"code": session.code, "title": session.title}}
    data |= {"snapshot": snapshot, "server_now": timestamp(), "last_seq": session.last_seq}
    # A last_seq from the future (a client of a reset database) must not mute live events.
    return Welcome(data=data, replay=replay, resume_from=min(last_seq, session.last_seq))


@contextlib.contextmanager
def consistent_read() -> Iterator[None]:
    """A transaction whose reads all see one snapshot of the database.

    PostgreSQL's default, READ COMMITTED, gives each statement its own snapshot; REPEATABLE
    READ gives the transaction one. SQLite's transactions begin IMMEDIATE here (see
    settings): holding the one write lock, they read one state.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
