"""Reads about answers: each answer as a viewer may see it, the verdicts kept on them, their
revisions by the deadline, the candidates' drafts and own deadlines of a round."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F

from interview.content.verdicts import suggested_with_tests
from interview.domain.protocol import EventType, timestamp
from interview.domain.standings import answer_mean
from interview.domain.visibility import (
    AWAITING,
    IN_EXTRA_TIME,
    Lens,
    Viewer,
    lens_of,
    scores_given_visible,
    visible_to,
)
from interview.models import (
    Answer,
    AnswerRevision,
    Draft,
    Participant,
    PersonalDeadline,
    Round,
    Score,
    Verdict,
)


def verdicts_of(answers: Iterable[Answer]) -> dict[tuple[int, int], dict]:
    """The kept verdicts on these answers' revisions, by (answer id, revision), each as its
    ``answer.verdict`` payload (the panel's; ``visibility.verdict_visible`` cuts it), with
    ``disagreement`` (null when none) and the suggested score of the answer's newest
    revision where the verdict is of that revision. One query."""
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


def scores_awaiting(given: list[Score], panel_size: int) -> int:
    """How many more panel members must save a score of an answer before its author and
    the room are shown the panel's mean (``services.answer_score``): 0 when nothing waits."""
    pending = sum(score.pending for score in given)
    return max(0, panel_size - pending) if pending else 0


def revisions_on_time(answer_ids: list[int]) -> dict[int, AnswerRevision]:
    """Of each answer, its last revision by its round's deadline (none: it has none)."""
    latest: dict[int, AnswerRevision] = {}
    for revision in AnswerRevision.objects.filter(
        answer_id__in=answer_ids, submitted_at__lte=F("answer__round__deadline")
    ).order_by("answer_id", "revision"):
        latest[revision.answer_id] = revision
    return latest


def answer_view(
    answer: Answer,
    scores: list[Score],
    viewer: Viewer,
    *,
    deadline: datetime | None = None,
    on_time: AnswerRevision | None = None,
    panel_size: int = 1,
) -> dict | None:
    """An answer as the viewer may see it, or None. One revised after its round's
    ``deadline`` (in the candidate's extra time) shows the others its last revision by then
    (``on_time``), or nothing if it had none: they never learn who has extra time.

    Its ``score`` is the mean the viewer's lens has (``standings.answer_mean``): the panel
    the mean of every score saved, the author the mean they were last shown, the room the
    one it was last shown (``Answer``'s ``shown_*`` and ``room_*``, ``services.answer_score``).
    No query."""
    view, submitted_at = _answer_seen(answer, viewer, deadline=deadline, on_time=on_time)
    if view is None:
        return None
    view.pop(IN_EXTRA_TIME, None)
    view["submitted_at"] = timestamp(submitted_at)
    lens = lens_of(viewer, answer.participant_id)
    view["score"] = answer_mean(answer, lens)
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


def _answer_seen(
    answer: Answer,
    viewer: Viewer,
    *,
    deadline: datetime | None,
    on_time: AnswerRevision | None,
) -> tuple[dict | None, datetime]:
    """The ``answer.submitted`` data of the answer as the viewer sees it (None: not at all),
    and when the revision it shows was submitted: the newest, or for those not to learn of
    extra time the one ``on_time``."""
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
    return view, submitted_at


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
