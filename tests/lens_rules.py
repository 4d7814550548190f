"""The privacy rules of ``docs/protocol.md`` as a test reads them, written out here rather
than taken from ``visibility``, so a change there that breaks them is caught: who may receive
which event at all (its audience), which of its fields, and what a welcome snapshot may show.
And the view of a ``RoomState`` that a welcome and a reduced state must agree on.
"""

from examples.room_state import RoomState
from interview.domain.visibility import Viewer

# Events for the panel alone, whoever they are about ("Events", docs/protocol.md).
PANEL_EVENTS = {"candidate.signal", "note.updated", "answer.drafted", "time.accommodated"}
# Events for the panel and the candidate they name.
PANEL_AND_AUTHOR_EVENTS = {"round.extended", "feedback.updated"}
# Fields only the panel may receive, by event type.
PANEL_FIELDS = {
    "round.opened": {"model_answer", "model_answer_html", "key_points", "key_points_html", "tests"},
    "answer.submitted": {"coverage"},
    "score.updated": {"by", "by_score", "feedback", "revision", "awaiting"},
    "answer.verdict": {"failures", "by", "suggested_score", "disagreement", "shown"},
}
# Fields the panel and the candidate the event names may receive.
AUTHOR_FIELDS = {"answer.submitted": {"text", "at_close"}}
# Of one interviewer's score in a snapshot's answer: never anyone's but the panel's.
SCORE_PANEL_FIELDS = {"score", "revision", "pending"}
ROUND_PANEL_FIELDS = PANEL_FIELDS["round.opened"]


def _is_author(data: dict, viewer: Viewer) -> bool:
    return data.get("participant_id") == viewer.participant_id


def forbidden_in_frame(frame: dict, viewer: Viewer) -> str | None:
    """What of this frame the viewer should not have received, or None."""
    if viewer.role == "interviewer" or frame.get("data") is None:
        return None
    kind, data = frame["type"], frame["data"]
    if kind in PANEL_EVENTS:
        return f"a {kind}"
    if kind in PANEL_AND_AUTHOR_EVENTS and not _is_author(data, viewer):
        return f"another's {kind}"
    leaked = PANEL_FIELDS.get(kind, set()) & set(data)
    if not _is_author(data, viewer):
        leaked |= AUTHOR_FIELDS.get(kind, set()) & set(data)
    if kind in ("participant.joined", "participant.left") and data["role"] == "spectator":
        return "a spectator's presence"
    return f"{kind} fields {sorted(leaked)}" if leaked else None


def forbidden_in_snapshot(snapshot: dict, viewer: Viewer) -> str | None:
    """What of this welcome snapshot the viewer should not see, or None."""
    if viewer.role == "interviewer":
        return None
    panel_parts = {"signals", "signals_dropped", "notes", "drafts"} & set(snapshot)
    if panel_parts:
        return f"the panel's {sorted(panel_parts)}"
    if snapshot["round"] is not None and ROUND_PANEL_FIELDS & set(snapshot["round"]):
        return "the round's model answer or tests"
    if snapshot["round"] is not None and any(
        not _is_author(d, viewer) for d in snapshot["round"]["deadlines"]
    ):
        return "another candidate's deadline"
    for card in snapshot["participants"]:
        if "extra_time_pct" in card or card["role"] == "spectator":
            return f"participant card {card}"
    for answer in snapshot["answers"]:
        if problem := _answer_forbidden(answer, viewer):
            return problem
    return None


def _answer_forbidden(answer: dict, viewer: Viewer) -> str | None:
    if {"coverage", "awaiting"} & set(answer):
        return f"answer {answer['answer_id']}'s coverage or awaiting"
    mine = _is_author(answer, viewer)
    if not mine and ({"text", "at_close"} & set(answer) or answer["scores"]):
        return f"another's answer {answer['answer_id']}: text or feedback"
    for given in answer["scores"]:
        if SCORE_PANEL_FIELDS & set(given) or not given.get("feedback"):
            return f"an interviewer's own score on answer {answer['answer_id']}"
    return None


def normalised(state: RoomState) -> dict:
    """What a welcome and a state reduced from an earlier one must agree on: the snapshot,
    with the leaderboard as the events keep it (``RoomState.lagging``: its rows' names,
    totals and means, not ranks or counts), and lists whose order the events do not tell
    (who scored first, whose note came first) sorted."""
    snapshot = {key: value for key, value in state.snapshot.items() if key not in state.lagging}
    snapshot["board"] = sorted(
        (row["participant_id"], row["name"], row["total"], row.get("mean", 0.0))
        for row in state.board()
    )
    snapshot["answers"] = [
        {**answer, "scores": sorted(answer["scores"], key=lambda given: given["by"])}
        for answer in state.snapshot["answers"]
    ]
    if "notes" in snapshot:
        snapshot["notes"] = sorted(
            snapshot["notes"], key=lambda n: (n["by"], n["participant_id"], n["answer_id"] or 0)
        )
    return snapshot
