"""One viewer's state of a session, kept the way the server's welcome snapshot shapes it.

``RoomState(welcome_data)`` starts from a ``welcome`` event's ``data``; ``apply(frame)`` moves
it on by one received frame (persisted events and presence alike; acks, errors and pongs
change nothing). ``snapshot`` then has the keys of a fresh welcome's ``snapshot`` for the same
viewer, and what the events carry of them: the live-session contract (``docs/protocol.md``)
promises that a welcome plus the events since equals a fresh welcome, with the exceptions
the contract names and ``lagging`` lists.

Standard library only, so a client with nothing but this file and a socket can use it
(``examples/session_client.py`` does).
"""

import copy
from typing import Any

# What the events do not carry, by the contract: a newer welcome has it, the events do not.
# ``leaderboard``: an event's leaderboard is the one as of that event; an answer that breaks
# a tie by ``answered`` moves it in the next one that carries it ("Events", docs/protocol.md).
# Candidates who joined since appear with no score, as ``board`` lists them.
LAGGING = ("leaderboard",)


class RoomState:
    """A welcome snapshot, moved on by the frames one socket receives."""

    lagging = LAGGING

    def __init__(self, welcome: dict) -> None:
        self.me: dict = welcome["participant"]
        self.session: dict = welcome["session"]
        self.last_seq: int = welcome["last_seq"]
        self.snapshot: dict = copy.deepcopy(welcome["snapshot"])

    @property
    def panel(self) -> bool:
        return self.me["role"] == "interviewer"

    # --- the snapshot's parts, by what they are found by ---------------------------------

    def answer(self, answer_id: int) -> dict | None:
        return next((a for a in self.snapshot["answers"] if a["answer_id"] == answer_id), None)

    def participant(self, participant_id: int) -> dict | None:
        found = (p for p in self.snapshot["participants"] if p["participant_id"] == participant_id)
        return next(found, None)

    def board(self) -> list[dict]:
        """The leaderboard with every candidate known to be in the room: the server's last
        one, then candidates who joined since it was computed (no score yet, so they rank
        last, in order of joining)."""
        rows = [dict(row) for row in self.snapshot["leaderboard"]]
        listed = {row["participant_id"] for row in rows}
        for card in self.snapshot["participants"]:
            if card["role"] == "candidate" and card["participant_id"] not in listed:
                rows.append(
                    {
                        "participant_id": card["participant_id"],
                        "name": card["name"],
                        "total": 0.0,
                        "mean": 0.0,
                        "rank": len(rows) + 1,
                    }
                )
        return rows

    # --- one frame -------------------------------------------------------------------------

    def apply(self, frame: dict) -> None:
        """Move the state on by one received frame. A persisted event the state already
        holds (a resume's replay of what its welcome's snapshot has, up to ``last_seq``) is
        passed over."""
        seq = frame.get("seq")
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        handler = _HANDLERS.get(frame["type"])
        if handler is not None:
            handler(self, frame["data"], frame)

    def _presence(self, data: dict, frame: dict) -> None:
        card = self.participant(data["participant_id"])
        if card is None:
            card = {key: data[key] for key in ("participant_id", "name", "role")}
            if self.panel and data["role"] == "candidate":
                card["extra_time_pct"] = 0  # a new seat has no accommodation yet
            self.snapshot["participants"].append(card)
            self.snapshot["participants"].sort(key=lambda p: p["participant_id"])
        card.update(name=data["name"], role=data["role"], online=data["online"])

    def _counts(self, data: dict, frame: dict) -> None:
        self.snapshot["counts"] = dict(data)

    def _round_opened(self, data: dict, frame: dict) -> None:
        snap = self.snapshot
        opened = {key: value for key, value in data.items() if key not in _BOARD}
        snap["round"] = {**copy.deepcopy(opened), "answered": [], "deadlines": []}
        self._board(data)
        question = {
            key: value
            for key, value in data["question"].items()
            if key not in ("prompt", "prompt_html")
        }
        card = {
            "round_id": data["round_id"],
            "position": data["position"],
            "question": question,
            "open": True,
            "closed_at": None,
        }
        # The panel's welcome lists every round's key points, as its round.opened gave them.
        card |= {key: data[key] for key in ("key_points", "key_points_html") if key in data}
        snap["rounds"].append(card)
        snap["rounds_played"] = len(snap["rounds"])
        if snap["status"] == "lobby":
            snap["status"] = "live"
        if "drafts" in snap:
            snap["drafts"] = []

    def _round_closed(self, data: dict, frame: dict) -> None:
        self._close(data["round_id"], frame["ts"])

    def _close(self, round_id: int, at: str) -> None:
        snap = self.snapshot
        for rnd in snap["rounds"]:
            if rnd["round_id"] == round_id and rnd["open"]:
                rnd.update(open=False, closed_at=at)
        if snap["round"] is not None and snap["round"]["round_id"] == round_id:
            snap["round"] = None
            if "drafts" in snap:
                snap["drafts"] = []

    def _answer_submitted(self, data: dict, frame: dict) -> None:
        answer = self.answer(data["answer_id"])
        if answer is None:
            answer = {"score": None, "scores": []}
            if self.panel:
                answer["awaiting"] = 0
            self.snapshot["answers"].append(answer)
        answer.pop("at_close", None)
        answer.pop("verdict", None)  # a verdict is of a revision: this one has none yet
        answer.update(copy.deepcopy(data))
        self.snapshot["answers"].sort(key=lambda a: (a["round_id"], a["answer_id"]))
        answer["submitted_at"] = self._submitted_at(data, frame)
        rnd = self.snapshot["round"]
        if rnd is not None and rnd["round_id"] == data["round_id"]:
            rnd["answered"] = sorted({*rnd["answered"], data["participant_id"]})

    def _submitted_at(self, data: dict, frame: dict) -> str:
        """A submit's time is its event's; a draft kept at the close says its own."""
        return data.get("submitted_at") or frame["ts"]

    def _score_updated(self, data: dict, frame: dict) -> None:
        answer = self.answer(data["answer_id"])
        self._board(data)
        if answer is None:
            return
        answer["score"] = data["score"]
        if not self.panel or "by" not in data:
            return
        awaiting = data.get("awaiting", 0)
        given = next((s for s in answer["scores"] if s["by"] == data["by"]), None)
        if given is None:
            given = {"by": data["by"]}
            answer["scores"].append(given)
        given.update(
            score=data["by_score"],
            feedback=data["feedback"],
            revision=data["revision"],
            pending=bool(awaiting),
        )
        if not awaiting:  # every member's pending score was shown with this mean
            for other in answer["scores"]:
                other["pending"] = False
        answer["awaiting"] = awaiting

    def _feedback_updated(self, data: dict, frame: dict) -> None:
        answer = self.answer(data["answer_id"])
        if answer is None or self.panel:
            return  # the panel has it from score.updated
        scores = [s for s in answer["scores"] if s["by"] != data["by"]]
        if data["feedback"]:
            scores.append({"by": data["by"], "feedback": data["feedback"]})
        answer["scores"] = scores

    def _verdict(self, data: dict, frame: dict) -> None:
        answer = self.answer(data["answer_id"])
        if answer is not None and answer["revision"] == data["revision"]:
            answer["verdict"] = copy.deepcopy(data)

    def _extended(self, data: dict, frame: dict) -> None:
        rnd = self.snapshot["round"]
        if rnd is None or rnd["round_id"] != data["round_id"]:
            return
        others = [d for d in rnd["deadlines"] if d["participant_id"] != data["participant_id"]]
        rnd["deadlines"] = sorted([*others, dict(data)], key=lambda d: d["participant_id"])

    def _accommodated(self, data: dict, frame: dict) -> None:
        card = self.participant(data["participant_id"])
        if card is not None:
            card["extra_time_pct"] = data["extra_time_pct"]

    def _signal(self, data: dict, frame: dict) -> None:
        self.snapshot.setdefault("signals", []).append(dict(data))

    def _note(self, data: dict, frame: dict) -> None:
        notes = self.snapshot.setdefault("notes", [])
        key = (data["by"], data["participant_id"], data["answer_id"])
        kept = [n for n in notes if (n["by"], n["participant_id"], n["answer_id"]) == key]
        if kept and data["text"]:
            kept[0].update(text=data["text"], updated_at=data["updated_at"])
        elif kept:
            notes.remove(kept[0])
        elif data["text"]:
            writer = self.participant(data["by"])
            notes.append({**data, "by_name": writer["name"] if writer else ""})

    def _drafted(self, data: dict, frame: dict) -> None:
        drafts = [
            d
            for d in self.snapshot.setdefault("drafts", [])
            if d["participant_id"] != data["participant_id"]
        ]
        self.snapshot["drafts"] = sorted([*drafts, dict(data)], key=lambda d: d["participant_id"])

    def _finished(self, data: dict, frame: dict) -> None:
        snap = self.snapshot
        if snap["round"] is not None:
            self._close(snap["round"]["round_id"], frame["ts"])
        snap["status"] = "finished"
        self._board(data)

    def _board(self, data: dict) -> None:
        if "leaderboard" in data:
            self.snapshot["leaderboard"] = copy.deepcopy(data["leaderboard"])
        if "ranking" in data:
            self.snapshot["ranking"] = data["ranking"]


_BOARD = ("leaderboard", "ranking")

_HANDLERS: dict[str, Any] = {
    "participant.joined": RoomState._presence,
    "participant.left": RoomState._presence,
    "presence.counts": RoomState._counts,
    "round.opened": RoomState._round_opened,
    "round.closed": RoomState._round_closed,
    "answer.submitted": RoomState._answer_submitted,
    "score.updated": RoomState._score_updated,
    "feedback.updated": RoomState._feedback_updated,
    "answer.verdict": RoomState._verdict,
    "round.extended": RoomState._extended,
    "time.accommodated": RoomState._accommodated,
    "candidate.signal": RoomState._signal,
    "note.updated": RoomState._note,
    "answer.drafted": RoomState._drafted,
    "session.finished": RoomState._finished,
}
