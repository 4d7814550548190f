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
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from django.db.models import Q

from .models import AnswerRevision, Event, InterviewSession, Participant, Round
from .protocol import EventType, timestamp
from .visibility import Viewer, visible_to

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# What a candidate's timeline holds: the session's own events, and the events about them.
SESSION_EVENTS = (EventType.ROUND_OPENED, EventType.ROUND_CLOSED, EventType.SESSION_FINISHED)
AUTHORED_EVENTS = (
    EventType.ANSWER_SUBMITTED,
    EventType.SCORE_UPDATED,
    EventType.FEEDBACK_UPDATED,
    EventType.ROUND_EXTENDED,
)

# A diff is a list of operations: ["=", text] unchanged, ["-", text] removed, ["+", text]
# added, ["~", n] n unchanged characters left out. Unchanged runs keep this much context.
DIFF_CONTEXT_CHARS = 120
# A changed block of lines is diffed word by word when, its common start and end set aside,
# it is this long or shorter; a longer one shows as removed and added whole.
WORD_DIFF_MAX_CHARS = 4_000
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class TimelinePage:
    """A page of the timeline; ``next_after`` is the ``after`` of the next page, None at the
    end."""

    items: list[dict]
    next_after: int | None


def _scoped(events, viewer: Viewer):
    """The events that make up the viewer's timeline, before visibility: all of them for the
    panel, the candidate's part for a candidate."""
    if viewer.role == Participant.Role.INTERVIEWER:
        return events
    return events.filter(
        Q(type__in=SESSION_EVENTS)
        | Q(type__in=AUTHORED_EVENTS, payload__participant_id=viewer.participant_id)
    )


def timeline_page(
    session: InterviewSession, viewer: Viewer, *, after: int = 0, limit: int = PAGE_SIZE
) -> TimelinePage:
    """The viewer's timeline items after ``seq`` ``after``, at most ``limit`` of them.

    Constant queries per page: the events, the rounds, the names, the revisions before the
    page's answers.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    scoped = _scoped(Event.objects.filter(session=session, seq__gt=after), viewer)
    rows = list(scoped.order_by("seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    seen = [
        (event, data)
        for event in rows
        if (data := visible_to(event.type, event.payload, viewer, audience=event.audience))
        is not None
    ]
    timings = list(
        Round.objects.filter(session=session)
        .order_by("opened_at")
        .values_list("id", "opened_at", "deadline")
    )
    rounds = [(round_id, opened_at) for round_id, opened_at, _ in timings]
    deadlines = {round_id: deadline for round_id, _, deadline in timings}
    names = _names(session, seen)
    earlier = _revisions_before(seen)
    items = [
        _item(event, data, rounds=rounds, deadlines=deadlines, names=names, earlier=earlier)
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


def _revisions_before(seen: list[tuple[Event, dict]]) -> dict[tuple[int, int], str]:
    """The text of the revision before each visible revision on the page, by (answer, revision)."""
    wanted = {
        (data["answer_id"], data["revision"] - 1)
        for event, data in seen
        if event.type == EventType.ANSWER_SUBMITTED and "text" in data and data["revision"] > 1
    }
    if not wanted:
        return {}
    condition = Q()
    for answer_id, revision in wanted:
        condition |= Q(answer_id=answer_id, revision=revision)
    return {
        (answer_id, revision): text
        for answer_id, revision, text in AnswerRevision.objects.filter(condition).values_list(
            "answer_id", "revision", "text"
        )
    }


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
    earlier: dict[tuple[int, int], str],
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
        text = data.pop("text")
        before = earlier.get((data["answer_id"], data["revision"] - 1), "")
        data["chars"] = len(text)
        data["diff"] = text_diff(before, text)
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


# --- the diff between two revisions -----------------------------------------------------------


def text_diff(before: str, after: str) -> list[list]:
    """What changed from ``before`` to ``after``: line by line, and word by word inside a
    changed block of lines; long unchanged runs keep ``DIFF_CONTEXT_CHARS`` of context."""
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    ops: list[list] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            ops.append(["=", old])
        elif tag == "replace":
            ops.extend(_word_diff(old, new))
        else:
            ops.extend([["-", old], ["+", new]])
    return _elided(_merged(ops))


def _word_diff(old: str, new: str) -> list[list]:
    """A changed block word by word: its common start and end kept, the middle matched by
    words when short enough (matching grows quadratically), else removed and added whole."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    start = 0
    while start < min(len(old_tokens), len(new_tokens)) and old_tokens[start] == new_tokens[start]:
        start += 1
    end = 0
    while end < min(len(old_tokens), len(new_tokens)) - start and (
        old_tokens[-1 - end] == new_tokens[-1 - end]
    ):
        end += 1
    old_middle = old_tokens[start : len(old_tokens) - end]
    new_middle = new_tokens[start : len(new_tokens) - end]
    ops: list[list] = [["=", "".join(old_tokens[:start])]]
    if sum(map(len, old_middle)) + sum(map(len, new_middle)) > WORD_DIFF_MAX_CHARS:
        ops.extend([["-", "".join(old_middle)], ["+", "".join(new_middle)]])
    else:
        matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                ops.append(["=", "".join(old_middle[i1:i2])])
            else:
                ops.extend([["-", "".join(old_middle[i1:i2])], ["+", "".join(new_middle[j1:j2])]])
    ops.append(["=", "".join(old_tokens[len(old_tokens) - end :])])
    return ops


def _merged(ops: list[list]) -> list[list]:
    """Adjacent operations of one kind as one; empty ones dropped."""
    merged: list[list] = []
    for op, text in ops:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1][1] += text
        else:
            merged.append([op, text])
    return merged


def _elided(ops: list[list]) -> list[list]:
    """Long unchanged runs cut to their context: the end of the first, the start of the
    last, both ends of those between."""
    kept: list[list] = []
    last = len(ops) - 1
    for index, (op, text) in enumerate(ops):
        head = 0 if index == 0 else DIFF_CONTEXT_CHARS
        tail = 0 if index == last else DIFF_CONTEXT_CHARS
        if op != "=" or len(text) <= head + tail + DIFF_CONTEXT_CHARS or len(ops) == 1:
            kept.append([op, text])
            continue
        if head:
            kept.append(["=", text[:head]])
        kept.append(["~", len(text) - head - tail])
        if tail:
            kept.append(["=", text[len(text) - tail :]])
    return kept
