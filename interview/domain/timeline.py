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

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import Match, SequenceMatcher
from itertools import repeat

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, F, Func, JSONField, Q, QuerySet, When
from django.db.models.functions import Length
from django.db.models.sql.compiler import SQLCompiler

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

# A diff is a list of operations: ["=", text] unchanged, ["-", text] removed, ["+", text]
# added, ["~", n] n unchanged characters left out. Unchanged runs keep this much context.
DIFF_CONTEXT_CHARS = 120
# A changed block of lines is diffed word by word when it is this long or shorter; a longer
# one shows as removed and added whole (its common start and end kept).
WORD_DIFF_MAX_CHARS = 4_000
# The work one diff may do, lines and words together (``_BudgetedMatcher``), and the
# operations it may show: past either, the changed middle shows as rewritten, with its sizes.
# difflib matches in time quadratic in the equal elements it pairs: two revisions of
# thousands of equal lines took seconds. Measured in bench/timeline_cost.py.
DIFF_BUDGET = 20_000
DIFF_MAX_OPS = 200
# The diffs one page may compute, in the same units: a page that reaches it ends at that
# revision (its ``next`` goes on from there), so a page of revisions never diffed costs about
# what a page of kept diffs does.
PAGE_DIFF_BUDGET = 60_000
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


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
    shows a revision's length and diff from its row, and decoding 200 answers of JSON was
    most of what a page cost."""

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


# --- the diff between two revisions -----------------------------------------------------------


class _OverBudgetError(Exception):
    """The matching would look at more pairs than a diff may."""


class Budget:
    """The work one diff may do, in units of about one step of difflib's inner loop."""

    def __init__(self, units: int) -> None:
        self.left = units
        self.spent = 0

    def charge(self, units: int) -> None:
        self.spent += units
        self.left -= units
        if self.left < 0:
            raise _OverBudgetError


class _BudgetedMatcher(SequenceMatcher):
    """difflib's matcher, charging each search for a longest match what it will cost before
    it runs: the elements of ``a`` it walks, and every occurrence in ``b`` of each of them,
    which is where a text of many equal lines (or words) makes it quadratic."""

    def __init__(self, a: list[str], b: list[str], budget: Budget) -> None:
        budget.charge(len(a) + len(b))  # indexing both
        self.budget = budget
        super().__init__(None, a, b, autojunk=False)
        self.occurrences = {element: len(places) for element, places in self.b2j.items()}

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> Match:
        ahi = len(self.a) if ahi is None else ahi
        walked = self.a[alo:ahi]
        self.budget.charge(len(walked) + sum(map(self.occurrences.get, walked, repeat(0))))
        return super().find_longest_match(alo, ahi, blo, bhi)


def text_diff(before: str, after: str, *, budget: Budget | None = None) -> list[list]:
    """What changed from ``before`` to ``after``: line by line, and word by word inside a
    changed block of lines; long unchanged runs keep ``DIFF_CONTEXT_CHARS`` of context.

    The lines both texts start and end with are set aside first (in C, whatever their
    number); the changed middle is matched within ``budget`` (``DIFF_BUDGET`` units of work
    when not given) and in at most ``DIFF_MAX_OPS`` operations, else it shows as
    ``["*", removed_chars, added_chars]``: rewritten, too changed to show piece by piece.
    """
    budget = budget or Budget(DIFF_BUDGET)
    head = _common_head(before, after)
    tail = _common_tail(before[head:], after[head:])
    old, new = before[head : len(before) - tail], after[head : len(after) - tail]
    try:
        middle = _line_diff(old, new, budget)
        if len(middle) > DIFF_MAX_OPS:
            raise _OverBudgetError
    except _OverBudgetError:
        middle = [["*", len(old), len(new)]]
    ops = _merged([["=", before[:head]], *middle, ["=", before[len(before) - tail :]]])
    return _elided(ops)


def _common_head(a: str, b: str) -> int:
    """How many characters of whole lines ``a`` and ``b`` start with alike."""
    same = _common_prefix(a, b)
    if same == len(a) == len(b):
        return same
    return a.rfind("\n", 0, same) + 1


def _common_tail(a: str, b: str) -> int:
    """How many characters of whole lines ``a`` and ``b`` end with alike."""
    same = _common_prefix(a[::-1], b[::-1])
    starts = len(a) - same, len(b) - same
    if all(at == 0 or text[at - 1] == "\n" for text, at in zip((a, b), starts, strict=True)):
        return same
    # The run starts inside a line: it counts from that line's end on.
    line_end = a.find("\n", starts[0])
    return 0 if line_end < 0 else len(a) - line_end - 1


def _common_prefix(a: Sequence, b: Sequence) -> int:
    """How many elements ``a`` and ``b`` start with alike: a binary search whose
    comparisons run in C, each over the part not yet known equal."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _line_diff(old: str, new: str, budget: Budget) -> list[list]:
    """The changed middle line by line, a changed block word by word."""
    if not old or not new:
        return [["-", old], ["+", new]]
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    ops: list[list] = []
    matcher = _BudgetedMatcher(old_lines, new_lines, budget)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            ops.append(["=", removed])
        elif tag == "replace":
            ops.extend(_word_diff(removed, added, budget))
        else:
            ops.extend([["-", removed], ["+", added]])
        budget.charge(1)
    return _merged(ops)


def _word_diff(old: str, new: str, budget: Budget) -> list[list]:
    """A changed block word by word: its common start and end kept, the middle matched by
    words when short enough, else removed and added whole."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    start = _common_prefix(old_tokens, new_tokens)
    end = _common_prefix(old_tokens[start:][::-1], new_tokens[start:][::-1])
    old_middle = old_tokens[start : len(old_tokens) - end]
    new_middle = new_tokens[start : len(new_tokens) - end]
    ops: list[list] = [["=", "".join(old_tokens[:start])]]
    if sum(map(len, old_middle)) + sum(map(len, new_middle)) > WORD_DIFF_MAX_CHARS:
        ops.extend([["-", "".join(old_middle)], ["+", "".join(new_middle)]])
    else:
        matcher = _BudgetedMatcher(old_middle, new_middle, budget)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                ops.append(["=", "".join(old_middle[i1:i2])])
            else:
                ops.extend([["-", "".join(old_middle[i1:i2])], ["+", "".join(new_middle[j1:j2])]])
            budget.charge(1)
    ops.append(["=", "".join(old_tokens[len(old_tokens) - end :])])
    return ops


def _merged(ops: list[list]) -> list[list]:
    """Adjacent operations of one kind as one; empty ones dropped."""
    merged: list[list] = []
    for op in ops:
        if op[0] == "*":
            merged.append(op)
            continue
        kind, text = op
        if not text:
            continue
        if merged and merged[-1][0] == kind:
            merged[-1][1] += text
        else:
            merged.append([kind, text])
    return merged


def _elided(ops: list[list]) -> list[list]:
    """Long unchanged runs cut to their context: the end of the first, the start of the
    last, both ends of those between."""
    kept: list[list] = []
    last = len(ops) - 1
    for index, (op, *rest) in enumerate(ops):
        text = rest[0]
        head = 0 if index == 0 else DIFF_CONTEXT_CHARS
        tail = 0 if index == last else DIFF_CONTEXT_CHARS
        if op != "=" or len(text) <= head + tail + DIFF_CONTEXT_CHARS or len(ops) == 1:
            kept.append([op, *rest])
            continue
        if head:
            kept.append(["=", text[:head]])
        kept.append(["~", len(text) - head - tail])
        if tail:
            kept.append(["=", text[len(text) - tail :]])
    return kept
