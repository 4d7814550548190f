"""Who sees what: one function, ``visible_to(event, viewer)``, for live sends and replays.

An event's stored payload holds everything any viewer may see. A viewer sees it through one of
three lenses: the panel (interviewers) sees all of it; the author (the candidate the event is
about) sees their own private parts; everyone else sees the public part. A few events go to
part of the room only (``audience_of``): whoever is left out receives nothing of them, not even
an empty frame (its next frame says, with ``prev``, which seq it follows). Since the lens, not
the viewer, decides the result, a live event is serialised once per lens, not once per socket.
The welcome snapshot and the candidate's results are cut by the same rules (``project``,
``scores_given_visible``): one interviewer's own score is the panel's, live or not, during the
session and after it, and so is who gave it: the author and the room learn an answer's panel
mean, and the author each interviewer's feedback, as its own event (``feedback.updated``).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from interview.domain.protocol import EventType


class Lens(StrEnum):
    PANEL = "panel"
    AUTHOR = "author"
    PUBLIC = "public"


@dataclass(frozen=True)
class Viewer:
    participant_id: int
    role: str

    @classmethod
    def of(cls, participant: Any) -> "Viewer":
        """The viewer a participant is (anything with its ``id`` and ``role``)."""
        return cls(participant_id=participant.id, role=participant.role)


# Private fields by event type: who besides the panel may see each. Every other field of a
# payload is public. The panel always sees everything.
PANEL_ONLY = "panel"
PANEL_AND_AUTHOR = "panel_and_author"
SCORE_GIVEN = "score.given"
PARTICIPANT_CARD = "participant"

PRIVATE_FIELDS: dict[str, dict[str, str]] = {
    EventType.ROUND_OPENED: {
        "model_answer": PANEL_ONLY,
        "model_answer_html": PANEL_ONLY,
        "key_points": PANEL_ONLY,
        "key_points_html": PANEL_ONLY,
        # An exercise's hidden tests: a candidate who saw them could answer to the tests.
        # Its ``starter_code`` and ``examples`` are everyone's.
        "tests": PANEL_ONLY,
    },
    # ``at_close``: the revision is the candidate's draft, kept when the round closed.
    EventType.ANSWER_SUBMITTED: {
        "text": PANEL_AND_AUTHOR,
        "coverage": PANEL_ONLY,
        "at_close": PANEL_AND_AUTHOR,
    },
    # Who scored, what they gave, to which revision, and their words: the panel's. Knowing
    # who moved the mean, the author could work each one's score out of the means; the words
    # reach the author apart, in ``feedback.updated``, which carries no score.
    EventType.SCORE_UPDATED: {
        "by": PANEL_ONLY,
        "by_score": PANEL_ONLY,
        "feedback": PANEL_ONLY,
        "revision": PANEL_ONLY,
        "awaiting": PANEL_ONLY,
    },
    # How a revision of an exercise's answer fared against the tests: which tests failed and
    # why name the hidden tests, and who computed it, the suggested score and a disagreeing
    # report are the panel's. The room sees the pass count only if the session shows
    # verdicts (``VERDICT_SHOWN``), the author after the round's close (``verdict_visible``).
    EventType.ANSWER_VERDICT: {
        "failures": PANEL_ONLY,
        "by": PANEL_ONLY,
        "suggested_score": PANEL_ONLY,
        "disagreement": PANEL_ONLY,
        "shown": PANEL_ONLY,
    },
    # Not an event: one interviewer's score of an answer, as snapshots and results list them.
    # Its ``score`` is what that interviewer gave, ``score.updated``'s ``by_score``. The author
    # sees the feedback and who wrote it, as ``feedback.updated`` gives them (and only the
    # entries with feedback: ``scores_given_visible``).
    SCORE_GIVEN: {
        "by": PANEL_AND_AUTHOR,
        "interviewer": PANEL_AND_AUTHOR,
        "score": PANEL_ONLY,
        "feedback": PANEL_AND_AUTHOR,
        "revision": PANEL_ONLY,
        "pending": PANEL_ONLY,
    },
    # Not an event: a participant as the welcome snapshot lists them. A candidate's standing
    # accommodation is the panel's: nobody else learns who has extra time.
    PARTICIPANT_CARD: {"extra_time_pct": PANEL_ONLY},
}


# Who receives an event at all, by type; every other event goes to everyone, cut by
# PRIVATE_FIELDS. Each stored event keeps its audience (``Event.audience``). A viewer left out
# is not sent the event; the next frame its socket gets carries ``prev`` (``delivery``).
AUDIENCE_ALL = "all"
AUDIENCE_PANEL = "interviewers"
AUDIENCE_PANEL_AND_AUTHOR = "panel_and_author"

AUDIENCES: dict[str, str] = {
    # Who has extra time is the panel's and that candidate's business alone.
    EventType.ROUND_EXTENDED: AUDIENCE_PANEL_AND_AUTHOR,
    EventType.TIME_ACCOMMODATED: AUDIENCE_PANEL,
    # Integrity signals (tab hidden, focus lost, paste sizes): the panel's alone, not even
    # the candidate's they are about.
    EventType.CANDIDATE_SIGNAL: AUDIENCE_PANEL,
    # The panel's private notes on candidates and answers: never a candidate's or a
    # spectator's, not even the candidate's they are about, not even after the finish.
    EventType.NOTE_UPDATED: AUDIENCE_PANEL,
    # A candidate's unsubmitted draft, as they type: the panel's alone, not even echoed to
    # its own candidate (their page has the text). Its snapshots (the results' playback) go
    # by the same rule.
    EventType.ANSWER_DRAFTED: AUDIENCE_PANEL,
    # An interviewer's feedback, with their name and no score: the panel's and the author's.
    EventType.FEEDBACK_UPDATED: AUDIENCE_PANEL_AND_AUTHOR,
    # A verdict on an exercise's answer: the panel's, unless marked ``VERDICT_SHOWN``.
    EventType.ANSWER_VERDICT: AUDIENCE_PANEL,
}


# A payload so marked is the panel's and its author's, whatever its type: an answer given
# after the round's deadline, in the candidate's own extra time, would tell the room who has
# extra time.
IN_EXTRA_TIME = "in_extra_time"
# A payload with this above 0 is the panel's alone: a score that leaves the mean the author
# and the room see as it was, until that many more panel members have saved theirs. Shown
# the mean of part of the panel, or each change one interviewer makes to it, they could work
# that interviewer's score out (``services.answer_score``).
AWAITING = "awaiting"
# An ``answer.verdict`` with this true goes to everyone, its pass count only: the session
# shows verdicts to the room (``InterviewSession.show_verdicts``), and the revision was not
# given in extra time (the room would learn who has it). A disagreeing report never has it.
VERDICT_SHOWN = "shown"


def audience_of(event_type: str, payload: dict | None = None) -> str:
    """Who receives this event at all: by its type (``AUDIENCES``), or by ``AWAITING`` and
    ``IN_EXTRA_TIME`` in its payload."""
    if payload is not None and payload.get(AWAITING):
        return AUDIENCE_PANEL
    if payload is not None and payload.get(IN_EXTRA_TIME):
        return AUDIENCE_PANEL_AND_AUTHOR
    shown = payload is not None and payload.get(VERDICT_SHOWN)
    if shown and event_type == EventType.ANSWER_VERDICT:
        return AUDIENCE_ALL
    return AUDIENCES.get(event_type, AUDIENCE_ALL)


def in_audience(audience: str, lens: Lens) -> bool:
    """Whether a lens receives an event of this audience at all."""
    if audience == AUDIENCE_PANEL:
        return lens is Lens.PANEL
    if audience == AUDIENCE_PANEL_AND_AUTHOR:
        return lens is not Lens.PUBLIC
    return True


def lens_for(event_type: str, payload: dict, viewer: Viewer) -> Lens:
    """The lens through which this viewer sees this event."""
    return lens_of(viewer, event_author(event_type, payload))


def lens_of(viewer: Viewer, author_id: int | None) -> Lens:
    """The lens of a viewer on an event whose author (if its author sees more) is given."""
    if viewer.role == "interviewer":
        return Lens.PANEL
    if author_id is not None and author_id == viewer.participant_id:
        return Lens.AUTHOR
    return Lens.PUBLIC


def event_author(event_type: str, payload: dict) -> int | None:
    """The participant who sees more of this event than the public, if any."""
    differs = author_lens_differs(event_type) or audience_of(event_type, payload) != (
        AUDIENCES.get(event_type, AUDIENCE_ALL)
    )
    return payload.get("participant_id") if differs else None


def author_lens_differs(event_type: str) -> bool:
    """Whether the author of such an event sees more than the public."""
    return (
        PANEL_AND_AUTHOR in PRIVATE_FIELDS.get(event_type, {}).values()
        or audience_of(event_type) == AUDIENCE_PANEL_AND_AUTHOR
    )


def project(
    event_type: str, payload: dict, lens: Lens, *, audience: str | None = None
) -> dict | None:
    """The part of the payload seen through the lens, or None when nothing is.

    ``audience`` is the stored event's; by default, the one its type and payload give.
    """
    if not in_audience(audience or audience_of(event_type, payload), lens):
        return None
    if lens is Lens.PANEL:
        return dict(payload)
    private = PRIVATE_FIELDS.get(event_type, {})
    allowed_private = {PANEL_AND_AUTHOR} if lens is Lens.AUTHOR else set()
    return {
        key: value
        for key, value in payload.items()
        if key not in private or private[key] in allowed_private
    }


def scores_given_visible(given: list[dict], lens: Lens) -> list[dict]:
    """Each interviewer's score of an answer (``SCORE_GIVEN``) as the lens sees it: the panel
    all of it, the author who wrote what feedback (no entry for a score without any), the
    public nothing."""
    if lens is not Lens.PANEL:
        given = [entry for entry in given if entry.get("feedback")]
    return [seen for entry in given if (seen := project(SCORE_GIVEN, entry, lens))]


def verdict_visible(
    verdict: dict, lens: Lens, *, show_verdicts: bool, round_closed: bool
) -> dict | None:
    """A kept verdict (an ``answer.verdict`` payload) as a snapshot or a result shows it to
    the lens: the panel all of it; the room its pass count if the session shows verdicts; the
    author that too, and their own pass count once the round has closed; else nothing."""
    if lens is Lens.PUBLIC and not show_verdicts:
        return None
    if lens is Lens.AUTHOR and not (show_verdicts or round_closed):
        return None
    return project(EventType.ANSWER_VERDICT, verdict, lens, audience=AUDIENCE_ALL)


def presence_visible(role: str, lens: Lens) -> bool:
    """Whether a lens sees a participant of this role come and go, or listed in a snapshot.

    Spectators' presence is the panel's: a big room's presence traffic then grows with its
    candidates, not with spectators squared (docs/protocol.md, "Presence").
    """
    return role != "spectator" or lens is Lens.PANEL


def visible_to(
    event_type: str, payload: dict, viewer: Viewer, *, audience: str | None = None
) -> dict | None:
    """What the viewer receives of the event's payload, or None for nothing."""
    return project(event_type, payload, lens_for(event_type, payload, viewer), audience=audience)
