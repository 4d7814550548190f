"""Reads of what is the panel's alone (``visibility``): a session's integrity signals and
its private notes, through a lens. Any other lens sees none and costs no query."""

from collections import defaultdict
from dataclasses import dataclass, field

from interview.domain.protocol import EventType, timestamp
from interview.domain.visibility import Lens, audience_of, in_audience, project
from interview.models import Event, InterviewSession, Note, SignalTally


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
