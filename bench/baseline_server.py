"""The baseline: a bare ``websockets`` server with just enough of the protocol
(docs/protocol.md) for the benchmark.

No Django, no database, no channel layer, one process: ``hello`` → ``welcome``;
``question.push`` → ``round.closed`` (of the open round) and ``round.opened`` to the session,
then ``ack``; ``answer.submit`` → ``answer.submitted``, then ``ack``; ``answer.score`` →
``score.updated`` with the leaderboard, then ``ack``; ``signal.report`` → ``candidate.signal``
to the panel only (the next frame the others get names the seq it follows, ``prev``), then
``ack``; ``answer.draft`` → ``answer.drafted`` to the panel only, then ``ack``; ``question.close``;
``ping``. Events carry
``seq`` and are cut per lens like the real server's (the panel sees model answers, answer
texts and feedback; the author sees their own; the public sees neither), from the same question
bank, so frames have the same shape and size. Presence is not announced, nothing is persisted,
and the token is trusted: the benchmark's set-up fabricates ``bench.<role>.<participant_id>.*``.

Run: ``python bench/baseline_server.py --port 9000``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

BANK = Path(__file__).resolve().parent.parent / "interview" / "bank" / "questions.yaml"
WS_PATH = re.compile(r"^/ws/sessions/([A-Za-z0-9]+)/$")
HELLO_TIMEOUT_S = 10
_round_ids = itertools.count(1)
_answer_ids = itertools.count(1)


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with a Z and milliseconds, as the real server writes it."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def frame(
    kind: str, data: Any, *, seq: int | None = None, command_id: Any = None, prev: int | None = None
) -> str:
    body: dict[str, Any] = {"type": kind, "seq": seq, "ts": timestamp(), "data": data}
    if command_id is not None:
        body["id"] = command_id
    if prev is not None:
        body["prev"] = prev
    return json.dumps(body, separators=(",", ":"))


def load_questions(path: Path = BANK) -> dict[int, dict]:
    """The real bank, numbered from 1 in file order."""
    entries = yaml.safe_load(path.read_text())
    return {index: entry for index, entry in enumerate(entries, start=1)}


@dataclass
class Seat:
    participant_id: int
    role: str
    name: str


@dataclass
class Answer:
    answer_id: int
    round_id: int
    participant_id: int
    text: str
    revision: int
    submitted_at: float
    scores: dict[int, int] = field(default_factory=dict)  # interviewer -> score

    @property
    def mean(self) -> float | None:
        if not self.scores:
            return None
        return round(sum(self.scores.values()) / len(self.scores), 2)


class RefusedError(Exception):
    """A command the baseline refuses: answered with an ``error`` event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Session:
    """One session's state and sockets, all in memory."""

    def __init__(self, code: str, questions: dict[int, dict]) -> None:
        self.code = code
        self.questions = questions
        self.seq = 0
        self.public_seq = 0  # the last seq sent to candidates and spectators
        self.seats: dict[int, Seat] = {}
        self.panel: set[ServerConnection] = set()
        self.public: set[ServerConnection] = set()
        self.sockets_of: dict[int, set[ServerConnection]] = {}
        self.open_round: dict | None = None
        self.positions = 0
        self.answers: dict[int, Answer] = {}
        self.answer_of: dict[tuple[int, int], Answer] = {}

    # --- sockets ---

    def seat(self, ws: ServerConnection, seat: Seat) -> None:
        self.seats.setdefault(seat.participant_id, seat)
        (self.panel if seat.role == "interviewer" else self.public).add(ws)
        self.sockets_of.setdefault(seat.participant_id, set()).add(ws)

    def unseat(self, ws: ServerConnection, seat: Seat) -> None:
        self.panel.discard(ws)
        self.public.discard(ws)
        self.sockets_of.get(seat.participant_id, set()).discard(ws)

    def welcome(self, seat: Seat) -> str:
        return frame(
            "welcome",
            {
                "participant": {
                    "participant_id": seat.participant_id,
                    "name": seat.name,
                    "role": seat.role,
                    "is_owner": seat.role == "interviewer",
                },
                "session": {"code": self.code, "title": "baseline"},
                "snapshot": {
                    "status": "live" if self.positions else "lobby",
                    "round": None,
                    "rounds_played": self.positions,
                    "participants": [
                        {
                            "participant_id": s.participant_id,
                            "name": s.name,
                            "role": s.role,
                            "online": bool(self.sockets_of.get(s.participant_id)),
                        }
                        for s in self.seats.values()
                    ],
                    "leaderboard": self.leaderboard(),
                    "answers": [],
                },
                "server_now": timestamp(),
                "last_seq": self.seq,
            },
        )

    # --- events ---

    def emit(self, kind: str, panel: dict, public: dict | None, author: int | None = None) -> None:
        """The next seq, serialised once per lens, to every socket of the session; with no
        ``public`` data, to the panel only."""
        self.seq += 1
        broadcast(self.panel, frame(kind, panel, seq=self.seq))
        if public is None:
            return
        prev = self.public_seq if self.seq > self.public_seq + 1 else None
        self.public_seq = self.seq
        if author is None:
            broadcast(self.public, frame(kind, public, seq=self.seq, prev=prev))
            return
        own = self.sockets_of.get(author, set())
        broadcast(self.public - own, frame(kind, public, seq=self.seq, prev=prev))
        broadcast(own, frame(kind, panel, seq=self.seq, prev=prev))

    def leaderboard(self) -> list[dict]:
        totals: dict[int, float] = dict.fromkeys(
            (s.participant_id for s in self.seats.values() if s.role == "candidate"), 0.0
        )
        last: dict[int, float] = {}
        for answer in self.answers.values():
            mean = answer.mean
            if mean is not None and answer.participant_id in totals:
                totals[answer.participant_id] += mean
                last[answer.participant_id] = max(
                    last.get(answer.participant_id, 0.0), answer.submitted_at
                )
        ranked = sorted(totals, key=lambda pid: (-totals[pid], last.get(pid, float("inf")), pid))
        return [
            {
                "participant_id": pid,
                "name": self.seats[pid].name,
                "total": round(totals[pid], 2),
                "rank": rank,
            }
            for rank, pid in enumerate(ranked, start=1)
        ]

    # --- commands ---

    def run(self, seat: Seat, kind: str, data: dict) -> dict:
        handlers = {
            "question.push": ("interviewer", self.push),
            "question.close": ("interviewer", self.close),
            "answer.submit": ("candidate", self.submit),
            "answer.score": ("interviewer", self.score),
            "signal.report": ("candidate", self.signal),
            "answer.draft": ("candidate", self.draft),
        }
        if kind not in handlers:
            raise RefusedError("unknown_type", f"Unknown command type {kind[:40]!r}.")
        role, handler = handlers[kind]
        if seat.role != role:
            raise RefusedError("forbidden", f"{kind} is for {role}s only.")
        return handler(seat, data)

    def _close_round(self, reason: str) -> int:
        assert self.open_round is not None
        round_id = self.open_round["round_id"]
        self.open_round = None
        payload = {"round_id": round_id, "reason": reason}
        self.emit("round.closed", payload, payload)
        return round_id

    def push(self, seat: Seat, data: dict) -> dict:
        question = self.questions.get(data.get("question_id"))
        if question is None:
            raise RefusedError("not_found", f"No question with id {data.get('question_id')}.")
        if self.open_round is not None:
            self._close_round("next_question")
        self.positions += 1
        limit = int(data.get("time_limit_s") or question.get("time_limit_s") or 300)
        public = {
            "round_id": next(_round_ids),
            "position": self.positions,
            "question": {
                "id": data["question_id"],
                "title": question["title"],
                "prompt": question["prompt"],
                "category": question["category"],
                "difficulty": question["difficulty"],
            },
            "time_limit_s": limit,
            "deadline": timestamp(datetime.now(UTC) + timedelta(seconds=limit)),
        }
        panel = {
            **public,
            "model_answer": question["model_answer"],
            "key_points": question["key_points"],
        }
        self.open_round = public
        self.emit("round.opened", panel, public)
        return {"round_id": public["round_id"]}

    def close(self, seat: Seat, data: dict) -> dict:
        if self.open_round is None:
            raise RefusedError("not_found", "No round is open.")
        return {"round_id": self._close_round("interviewer")}

    def submit(self, seat: Seat, data: dict) -> dict:
        round_id, text = data.get("round_id"), data.get("text", "")
        if self.open_round is None or self.open_round["round_id"] != round_id:
            raise RefusedError("round_closed", "This round is closed; the answer was not saved.")
        answer = self.answer_of.get((round_id, seat.participant_id))
        if answer is None:
            answer = Answer(next(_answer_ids), round_id, seat.participant_id, text, 1, time.time())
            self.answer_of[(round_id, seat.participant_id)] = answer
            self.answers[answer.answer_id] = answer
        else:
            answer.text, answer.revision, answer.submitted_at = (
                text,
                answer.revision + 1,
                time.time(),
            )
        public = {
            "round_id": round_id,
            "answer_id": answer.answer_id,
            "participant_id": seat.participant_id,
            "revision": answer.revision,
        }
        self.emit("answer.submitted", {**public, "text": text}, public, author=seat.participant_id)
        return {"answer_id": answer.answer_id, "revision": answer.revision}

    def score(self, seat: Seat, data: dict) -> dict:
        answer = self.answers.get(data.get("answer_id"))
        if answer is None:
            raise RefusedError("not_found", f"No answer {data.get('answer_id')} in this session.")
        answer.scores[seat.participant_id] = int(data.get("score", 0))
        public = {
            "answer_id": answer.answer_id,
            "participant_id": answer.participant_id,
            "round_id": answer.round_id,
            "score": answer.mean,
            "by": seat.participant_id,
            "leaderboard": self.leaderboard(),
        }
        panel = {**public, "feedback": data.get("feedback", "")}
        self.emit("score.updated", panel, public, author=answer.participant_id)
        return {"answer_id": answer.answer_id, "score": answer.scores[seat.participant_id]}

    def signal(self, seat: Seat, data: dict) -> dict:
        round_id = data.get("round_id")
        if self.open_round is None or self.open_round["round_id"] != round_id:
            raise RefusedError("round_closed", "This round is closed; the signal was not kept.")
        signal = {"participant_id": seat.participant_id, "round_id": round_id}
        signal |= {key: data[key] for key in ("kind", "chars") if key in data}
        self.emit("candidate.signal", signal | {"at": timestamp()}, None)
        return {}

    def draft(self, seat: Seat, data: dict) -> dict:
        round_id = data.get("round_id")
        if self.open_round is None or self.open_round["round_id"] != round_id:
            raise RefusedError("round_closed", "This round is closed; the draft was not kept.")
        drafted = {"participant_id": seat.participant_id, "round_id": round_id}
        self.emit("answer.drafted", drafted | {"text": data.get("text", "")}, None)
        return {}


class BaselineServer:
    def __init__(self) -> None:
        self.questions = load_questions()
        self.sessions: dict[str, Session] = {}

    async def handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        matched = WS_PATH.match(path)
        if matched is None:
            await ws.close(4404)
            return
        seat = await self.hello(ws)
        if seat is None:
            await ws.close(4401)
            return
        session = self.sessions.get(matched.group(1))
        if session is None:
            session = self.sessions[matched.group(1)] = Session(matched.group(1), self.questions)
        session.seat(ws, seat)
        try:
            await ws.send(session.welcome(seat))
            async for text in ws:
                await self.command(ws, session, seat, text)
        except ConnectionClosed:
            pass
        finally:
            session.unseat(ws, seat)

    async def hello(self, ws: ServerConnection) -> Seat | None:
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_S))
            token = first["data"]["token"]
            _, role, participant_id, *_ = token.split(".")
            if first["type"] != "hello" or role not in ("interviewer", "candidate", "spectator"):
                return None
            return Seat(int(participant_id), role, f"{role}-{participant_id}")
        except (TimeoutError, ValueError, KeyError, TypeError):
            return None

    async def command(self, ws: ServerConnection, session: Session, seat: Seat, text: Any) -> None:
        command_id = None
        try:
            body = json.loads(text)
            command_id = body.get("id")
            kind = body.get("type")
            if kind == "ping":
                await ws.send(frame("pong", {}, command_id=command_id))
                return
            result = session.run(seat, str(kind), body.get("data") or {})
        except RefusedError as refused:
            data = {"code": refused.code, "message": refused.message}
            await ws.send(frame("error", data, command_id=command_id))
            return
        except (ValueError, AttributeError, TypeError) as exc:
            data = {"code": "invalid", "message": str(exc)}
            await ws.send(frame("error", data, command_id=command_id))
            return
        await ws.send(frame("ack", result, command_id=command_id))


async def main(host: str, port: int) -> None:
    server = BaselineServer()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.cancel)
    async with serve(
        server.handler, host, port, compression=None, max_size=64 * 1024, ping_interval=15
    ):
        print(f"baseline: listening on {host}:{port}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.host, arguments.port))
