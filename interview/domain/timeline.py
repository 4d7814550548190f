"""Reads: a session's timeline, built from its event log, in pages a viewer may see.

The timeline is the session's persisted events in ``seq`` order, each shown as a short item:
pushes and closes, every revision of every answer with what changed since the one before,
the panel's integrity signals, extra time, scores and feedback. Each item carries its time
since the start of its round.

Who sees what is ``visibility``'s: every event passes through ``visible_to`` as a live send
or a replay would. On top of that, a candidate's timeline is *their part* of the session:
the session's own events (``SESSION_EVENTS``) and the events about them (``AUTHORED_EVENTS``
naming them), never anyone else's and never the panel's own kinds, whatever visibility
would allow.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, F, Func, JSONField, Q, QuerySet, When
from django.db.models.functions import Length
from django.db.models.sql.compiler import SQLCompiler

from interview.content.textdiff import DIFF_BUDGET, DIFF_CONTEXT_CHARS, Budget, text_diff
from interview.domain.protocol import EventType, timestamp
from interview.domain.visibility import Viewer, audience_of, in_audience, lens_of, visible_to
from interview.models import (
    AnswerRevision,
    DraftSnapshot,
    Event,
    InterviewSession,
    Participant,
    Round,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# What a candidate's timeline holds: the session's own events, and the events about them.
SESSION_EVENTS = (EventType.ROUND_OPENED, EventType.ROUND_CLOSED, EventType.SESSION_FINISHED)
AUTHORED_EVENTS = (
    EventType.ANSWER_SUBMITTED,
    EventType.SCORE_UPDATED,
    EventType.FEEDBACK_UPDATED,
    EventType.ROUND_EXTENDED,
    EventType.ANSWER_VERDICT,
)

# The diffs one page may compute, in the same units: a page that reaches it ends at that
# revision (its ``next`` goes on from there), so a page of revisions never diffed costs about
# what a page of kept diffs does.
PAGE_DIFF_BUDGET = 60_000

__all__ = [
    "DIFF_BUDGET",
    "DIFF_CONTEXT_CHARS",
    "MAX_PAGE_SIZE",
    "PAGE_DIFF_BUDGET",
    "PAGE_SIZE",
    "Budget",
    "TimelinePage",
    "playback_for",
    "text_diff",
    "timeline_page",
]


@dataclass(frozen=True)
class TimelinePage:
    """A page of the timeline; ``next_after`` is the ``after`` of the next page, None at the
    end."""

    items: list[dict]
    next_after: int | None


def _scoped(events, viewer: Viewer):
    """The events that make up the viewer's timeline, before visibility: all of them for the
    panel but the drafts (one every 2 s of typing; the playback steps through their
    snapshots), the candidate's part for a candidate."""
    if viewer.role == Participant.Role.INTERVIEWER:
        return events.exclude(type=EventType.ANSWER_DRAFTED)
    return events.filter(
        Q(type__in=SESSION_EVENTS)
        | Q(type__in=AUTHORED_EVENTS, payload__participant_id=viewer.participant_id)
    )


def timeline_page(
    session: InterviewSession, viewer: Viewer, *, after: int = 0, limit: int = PAGE_SIZE
) -> TimelinePage:
    """The viewer's timeline items after ``seq`` ``after``, at most ``limit`` of them.

    Constant queries per page: the events, the rounds, the names, the diffs of the page's
    revisions; and where some were never computed, the revisions before them and one write
    that keeps the new diffs. A page that computes ``PAGE_DIFF_BUDGET`` units of diffs ends
    at that revision, so that no page costs more than a page of kept diffs and that much.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    scoped = _scoped(Event.objects.filter(session=session, seq__gt=after), viewer)
    # An answer's text is read from its revision's row; every other event's text (a note's)
    # is the event's own.
    shown = scoped.defer("payload").annotate(
        shown=Case(
            When(type=EventType.ANSWER_SUBMITTED, then=WithoutText("payload")),
            default=F("payload"),
            output_field=JSONField(),
        )
    )
    rows = list(shown.order_by("seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    seen = [
        (event, data)
        for event in rows
        if (data := visible_to(event.type, event.shown, viewer, audience=event.audience))
        is not None
    ]
    diffs, stopped_at = _revision_diffs(seen)
    if stopped_at is not None:
        seen = [(event, data) for event, data in seen if event.seq <= stopped_at]
        rows, more = [event for event in rows if event.seq <= stopped_at], True
    timings = list(
        Round.objects.filter(session=session)
        .order_by("opened_at")
        .values_list("id", "opened_at", "deadline")
    )
    rounds = [(round_id, opened_at) for round_id, opened_at, _ in timings]
    deadlines = {round_id: deadline for round_id, _, deadline in timings}
    names = _names(session, seen)
    items = [
        _item(event, data, rounds=rounds, deadlines=deadlines, names=names, diffs=diffs)
        for event, data in seen
    ]
    return TimelinePage(items=items, next_after=rows[-1].seq if more else None)


def _names(session: InterviewSession, seen: list[tuple[Event, dict]]) -> dict[int, str]:
    """The display names of the participants the visible items name."""
    ids = {
        value
        for _, data in seen
        for key in ("participant_id", "by")
        if isinstance(value := data.get(key), int)
    }
    return dict(
        Participant.objects.filter(session=session, id__in=ids).values_list("id", "display_name")
    )


def _revisions(keys: Iterable[tuple[int, int]]) -> QuerySet[AnswerRevision]:
    """The revisions with these (answer, revision) keys: one condition per answer."""
    by_answer: dict[int, list[int]] = {}
    for answer_id, revision in keys:
        by_answer.setdefault(answer_id, []).append(revision)
    condition = Q()
    for answer_id, revisions in by_answer.items():
        condition |= Q(answer_id=answer_id, revision__in=revisions)
    return AnswerRevision.objects.filter(condition)


def _revision_diffs(
    seen: list[tuple[Event, dict]],
) -> tuple[dict[tuple[int, int], tuple[int, list[list]]], int | None]:
    """The length and diff of each visible revision on the page, by (answer, revision): kept
    diffs read, the others computed against the revision before and kept. Computing stops
    once it has spent ``PAGE_DIFF_BUDGET``: then also the ``seq`` of the last revision it
    diffed, where the page ends (else None)."""
    seqs = {
        (data["answer_id"], data["revision"]): event.seq
        for event, data in seen
        if event.type == EventType.ANSWER_SUBMITTED and "text" in data
    }
    if not seqs:
        return {}, None
    rows = {
        (answer_id, revision): (row_id, chars, diff)
        for row_id, answer_id, revision, chars, diff in _revisions(seqs).values_list(
            "id", "answer_id", "revision", Length("text"), "diff"
        )
    }
    shown = {key: (chars, diff) for key, (_, chars, diff) in rows.items() if diff is not None}
    missing = sorted((seq, key) for key, seq in seqs.items() if key not in shown and key in rows)
    if not missing:
        return shown, None
    wanted = {key for _, key in missing} | {(a, r - 1) for _, (a, r) in missing if r > 1}
    texts = {
        (answer_id, revision): text
        for answer_id, revision, text in _revisions(wanted).values_list(
            "answer_id", "revision", "text"
        )
    }
    computed, spent, stopped_at = [], 0, None
    for seq, (answer_id, revision) in missing:
        budget = Budget(DIFF_BUDGET)
        text = texts[(answer_id, revision)]
        diff = text_diff(texts.get((answer_id, revision - 1), ""), text, budget=budget)
        shown[(answer_id, revision)] = (len(text), diff)
        computed.append(AnswerRevision(id=rows[(answer_id, revision)][0], diff=diff))
        spent += min(budget.spent, DIFF_BUDGET)
        if spent >= PAGE_DIFF_BUDGET and seq != missing[-1][0]:
            stopped_at = seq
            break
    AnswerRevision.objects.bulk_update(computed, ["diff"])
    return shown, stopped_at


class WithoutText(Func):
    """An answer's event's payload with its ``text`` replaced by "": the timeline
    shows a revision's length and diff from its row, so a page does not decode every
    answer's text from JSON."""

    output_field = JSONField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple:
        return self.as_sql(
            compiler, connection, template="json_replace(%(expressions)s, '$.text', '')"
        )

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple:
        return self.as_sql(
            compiler, connection, template="""jsonb_set(%(expressions)s, '{text}', '""', false)"""
        )


def _round_at(rounds: list[tuple[int, datetime]], moment: datetime) -> tuple[int, datetime] | None:
    """The round open at ``moment``: the last one opened at or before it."""
    current = None
    for round_id, opened_at in rounds:
        if opened_at > moment:
            break
        current = (round_id, opened_at)
    return current


def _item(
    event: Event,
    data: dict,
    *,
    rounds: list[tuple[int, datetime]],
    deadlines: dict[int, datetime],
    names: dict[int, str],
    diffs: dict[tuple[int, int], tuple[int, list[list]]],
) -> dict:
    """One event as a timeline item: what it says, shortened, with its time in its round."""
    data = dict(data)
    data.pop("leaderboard", None)  # the results page has the standings
    if event.type == EventType.ROUND_OPENED:
        question = data.get("question", {})
        data = {
            "round_id": data["round_id"],
            "position": data["position"],
            "question": {key: question.get(key) for key in ("id", "title", "category")},
            "time_limit_s": data.get("time_limit_s"),
        }
    if event.type == EventType.ANSWER_SUBMITTED and "text" in data:
        del data["text"]
        data["chars"], data["diff"] = diffs.get((data["answer_id"], data["revision"]), (0, []))
    if event.type == EventType.ROUND_EXTENDED and data.get("round_id") in deadlines:
        # "+90 s": how far past the round's own deadline this candidate may answer.
        own = datetime.fromisoformat(data["deadline"])
        data["extra_s"] = round((own - deadlines[data["round_id"]]).total_seconds())
    for key, name_key in (("participant_id", "name"), ("by", "by_name")):
        if isinstance(data.get(key), int) and data[key] in names:
            data[name_key] = names[data[key]]
    by_id = dict(rounds)
    round_id = data.get("round_id")
    if round_id in by_id:
        started = by_id[round_id]
    else:
        current = _round_at(rounds, event.created_at)
        round_id, started = current if current else (None, None)
    return {
        "seq": event.seq,
        "type": event.type,
        "at": timestamp(event.created_at),
        "round_id": round_id,
        "t": None if started is None else round((event.created_at - started).total_seconds(), 1),
        "data": data,
    }


# --- playback: how an answer was written ----------------------------------------------------


def playback_for(
    session: InterviewSession, viewer: Viewer, *, round_id: int, participant_id: int
) -> dict | None:
    """How a candidate's answer to a round was written, as steps in time: the snapshots of
    their draft (``kind`` ``draft``) and their revisions (``revision``, the one kept at the
    close marked ``at_close``), in order, each with ``t``, its seconds since the push.

    The drafts are the panel's alone (``answer.drafted``'s audience), so anyone else gets
    None; None too for a round of another session. Two queries and the round's.
    """
    if not in_audience(audience_of(EventType.ANSWER_DRAFTED), lens_of(viewer, None)):
        return None
    rnd = Round.objects.filter(session=session, id=round_id).first()
    if rnd is None:
        return None
    steps = [
        {"at": taken_at, "kind": "draft", "text": text}
        for text, taken_at in DraftSnapshot.objects.filter(
            round=rnd, participant_id=participant_id
        ).values_list("text", "taken_at")
    ]
    steps += [
        {"at": submitted_at, "kind": "revision", "text": text, "revision": revision}
        | ({"at_close": True} if at_close else {})
        for text, submitted_at, revision, at_close in AnswerRevision.objects.filter(
            answer__round=rnd, answer__participant_id=participant_id
        ).values_list("text", "submitted_at", "revision", "at_close")
    ]
    # A revision kept at the close is its last draft, timed alike: the revision goes after.
    steps.sort(key=lambda step: (step["at"], step["kind"] == "revision"))
    for step in steps:
        step["t"] = round((step["at"] - rnd.opened_at).total_seconds(), 1)
        step["at"] = timestamp(step["at"])
    return {
        "round_id": rnd.id,
        "participant_id": participant_id,
        "opened_at": timestamp(rnd.opened_at),
        "steps": steps,
    }
