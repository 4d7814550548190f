"""Drive one whole mock-interview session and check the server keeps the live-session contract.

This is the example third-party clients start from. It relies only on the live-session
contract (v1; ``docs/protocol.md`` describes the protocol as built), the ``websockets`` library
and the standard library. It plays every part at once: the interviewer (with the API token that
``python manage.py createinterviewer NAME`` prints last), two candidates and a spectator.
Each step prints ``ok  <what was checked>``; the first broken promise prints ``FAIL`` with what
was expected and what came, and the script exits with status 1 (2 if the server is unreachable).

    python examples/session_client.py --server http://127.0.0.1:8000 --token <API token>

For a client author the reusable parts are ``Peer`` (a socket that says hello, checks every
frame's envelope and the ``seq`` order, keeps its view of the room with
``room_state.RoomState`` (beside this file: the welcome, moved on by each event) and buffers
frames until someone asks for them) and ``Http``; the rest is the session, step by step. A
run takes about 25 seconds, most of it waiting for a deadline and for the hello timeout. Joins
are rate-limited per client address (10 a minute by default): a run that hits the limit waits
as the 429's ``Retry-After`` says.
``--trace FILE`` writes every frame sent and received as JSON lines, tokens blanked out.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from room_state import RoomState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

# --- the contract's vocabulary ------------------------------------------------------------------

CONNECTION_EVENTS = {"welcome", "ack", "error", "pong"}  # about one connection: seq null
# Presence: seq null too. presence.counts is coalesced, so it may come at any moment.
PRESENCE_EVENTS = {"participant.joined", "participant.left", "presence.counts"}
PUBLIC_QUESTION_FIELDS = {"id", "title", "kind", "prompt", "prompt_html", "category", "difficulty"}
PANEL_ONLY_FIELDS = ("model_answer", "model_answer_html", "key_points", "key_points_html")
# What a played round adds to the bank's Markdown: the server's rendering of it.
RENDERED_FIELDS = {"prompt_html", "model_answer_html", "key_points_html"}
JOIN_CODE = re.compile(r"^[2-9A-HJKMNP-Z]{6,8}$")  # no ambiguous 0/O, 1/I/L
MAX_ANSWER_CHARS = 20_000
MAX_FRAME_BYTES = 64 * 1024
CLOSE_TOO_BIG, CLOSE_UNAUTHENTICATED, CLOSE_NOT_FOUND = 1009, 4401, 4404
HELLO_TIMEOUT_S = 10
SHORT_ROUND_S = 10  # the shortest time limit the server accepts
FEEDBACK = "Clear; mention functools.wraps next time."


class ContractError(Exception):
    """The server did not do what the contract says."""


def check(condition: object, message: str) -> None:
    """Raise a ``ContractError`` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ContractError(message)


@contextlib.contextmanager
def step(description: str) -> Iterator[None]:
    """Print ``ok  description`` when the block passes; name the step when it does not."""
    try:
        yield
    except ContractError as broken:
        raise ContractError(f"{description}\n      {broken}") from None
    print(f"ok  {description}", flush=True)


def parse_ts(value: object) -> datetime:
    """An ISO-8601 UTC timestamp (``ts``, ``deadline``, ``server_now``), or a ContractError."""
    check(isinstance(value, str), f"timestamp {value!r} is not a string")
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ContractError(f"timestamp {value!r} is not ISO-8601") from None
    offset = moment.utcoffset()
    check(offset is not None and offset.total_seconds() == 0, f"timestamp {value!r} is not UTC")
    return moment


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Reply:
    """An HTTP response, error responses included."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise ContractError(f"HTTP {self.status}: not JSON: {self.body[:200]!r}") from None

    def error_code(self) -> str:
        """The code of an error body, which must be ``{"error": {"code", "message"}}``."""
        body = self.json()
        error = body.get("error") if isinstance(body, dict) else None
        check(
            isinstance(error, dict) and {"code", "message"} <= error.keys(),
            f"HTTP {self.status}: the body is not {{error: {{code, message}}}}: {body}",
        )
        return error["code"]


@dataclass
class Http:
    """The HTTP API of one server; ``token`` is an interviewer's API token, if any."""

    server: str
    token: str | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> Reply:
        """One blocking request; call it through ``fetch`` from async code."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.server + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as refused:
            return Reply(refused.code, dict(refused.headers), refused.read())

    async def fetch(self, method: str, path: str, status: int, body: dict | None = None) -> Reply:
        """The reply to a request, which must have ``status``."""
        reply = await asyncio.to_thread(self.request, method, path, body)
        check(
            reply.status == status,
            f"{method} {path}: expected HTTP {status}, got {reply.status}: {reply.body[:300]!r}",
        )
        return reply

    async def join(self, code: str, display_name: str, role: str, status: int = 201) -> Reply:
        """Take a seat with the join code; when joins are rate-limited, wait and retry."""
        path = f"/api/sessions/{code}/join"
        body = {"display_name": display_name, "role": role}
        while True:
            reply = await asyncio.to_thread(self.request, "POST", path, body)
            if reply.status != 429:
                break
            check(reply.error_code() == "rate_limited", "a 429's code is rate_limited")
            retry_after = reply.headers.get("Retry-After", "")
            check(retry_after.isdigit(), f"a 429 carries Retry-After in seconds: {retry_after!r}")
            print(f"..  joins are rate-limited (HTTP 429): waiting {retry_after} s", flush=True)
            await asyncio.sleep(int(retry_after) + 1)
        check(
            reply.status == status,
            f"POST {path}: expected HTTP {status}, got {reply.status}: {reply.body[:300]!r}",
        )
        return reply


def ws_url_for(server: str, code: str) -> str:
    """The contract's WebSocket URL of a session: ``/ws/sessions/{code}/``."""
    return "ws" + server.removeprefix("http") + f"/ws/sessions/{code}/"


# --- WebSocket ----------------------------------------------------------------------------------


class Trace:
    """Every frame sent and received, one JSON line each, with the tokens blanked out."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out
        self.secrets: set[str] = set()  # every token handed out: no frame may contain one

    def write(self, peer: str, direction: str, text: str) -> None:
        if self.out is None:
            return
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        try:
            frame: Any = json.loads(text)
        except ValueError:
            frame = text[:80]
        self.out.write(json.dumps({"peer": peer, "dir": direction, "frame": frame}) + "\n")


Match = Callable[[dict], bool]


class Peer:
    """One socket of one participant.

    Every frame the server sends is checked on arrival: the envelope (``type``, ``seq``,
    ``ts``, ``data``, ``id`` only on ``ack``/``error``/``pong``), ``seq`` null for per-connection
    and presence events and gap-free for persisted ones, and no token anywhere in it. ``next``
    returns the first frame of a kind and keeps the others for later, since events interleave
    and an ``ack`` may come before or after the event its command caused.
    """

    def __init__(self, name: str, ws: ClientConnection, trace: Trace, last_seq: int = 0) -> None:
        self.name = name
        self.ws = ws
        self.trace = trace
        self.last_seq = last_seq  # the newest seq received: what to resume from
        self.history: list[dict] = []  # every frame received, in order
        self.pending: list[dict] = []  # received, not asked for yet
        self.welcome: dict = {}
        self.view: RoomState | None = None  # the room as this socket knows it
        self._ids = itertools.count(1)

    @classmethod
    async def open(cls, name: str, url: str, origin: str, trace: Trace) -> "Peer":
        """A socket that has not said hello yet. The server checks the Origin header."""
        return cls(name, await connect(url, origin=origin, open_timeout=10), trace)

    @classmethod
    async def connect(
        cls, name: str, url: str, origin: str, token: str, trace: Trace, last_seq: int = 0
    ) -> "Peer":
        """Open a socket, say hello and return once the welcome came."""
        peer = await cls.open(name, url, origin, trace)
        peer.last_seq = last_seq
        await peer.send({"type": "hello", "data": {"token": token, "last_seq": last_seq}})
        welcome = await peer.receive(within=5)
        check(welcome["type"] == "welcome", f"{name}: the answer to hello is {welcome}")
        data = welcome["data"]
        missing = {"participant", "session", "snapshot", "server_now", "last_seq"} - data.keys()
        check(not missing, f"{name}: the welcome lacks {sorted(missing)}")
        parse_ts(data["server_now"])
        peer.welcome = data
        peer.view = RoomState(data)
        return peer

    @property
    def participant_id(self) -> int:
        return self.welcome["participant"]["participant_id"]

    @property
    def role(self) -> str:
        return self.welcome["participant"]["role"]

    async def send(self, frame: dict | str) -> None:
        """Send a command (a dict) or, to test the server, any text."""
        text = frame if isinstance(frame, str) else json.dumps(frame)
        self.trace.write(self.name, "send", text)
        await self.ws.send(text)

    async def receive(self, within: float) -> dict:
        """The next frame off the socket, checked; a ContractError if none comes in time."""
        try:
            text = await asyncio.wait_for(self.ws.recv(), within)
        except TimeoutError:
            raise ContractError(f"{self.name}: nothing received within {within:.1f} s") from None
        except ConnectionClosed as closed:
            raise ContractError(f"{self.name}: the socket closed ({closed})") from None
        check(isinstance(text, str), f"{self.name}: a binary frame")
        for secret in self.trace.secrets:
            check(secret not in text, f"{self.name}: a frame contains a token: {text[:200]}")
        self.trace.write(self.name, "recv", text)
        try:
            frame = json.loads(text)
        except ValueError:
            raise ContractError(f"{self.name}: a frame that is not JSON: {text[:200]}") from None
        self._check_envelope(frame)
        self.history.append(frame)
        if self.view is not None:
            self.view.apply(frame)
        return frame

    def _check_envelope(self, frame: dict) -> None:
        where = f"{self.name} received {json.dumps(frame)[:300]}"
        check(isinstance(frame, dict), f"{where}: not an object")
        check({"type", "seq", "ts", "data"} <= frame.keys(), f"{where}: lacks type/seq/ts/data")
        check(frame.keys() <= {"type", "seq", "ts", "data", "id", "prev"}, f"{where}: extra keys")
        check(isinstance(frame["data"], dict), f"{where}: data is not an object")
        parse_ts(frame["ts"])
        kind, seq = frame["type"], frame["seq"]
        if kind in {"ack", "error"}:
            check("id" not in frame["data"], f"{where}: id inside data")
        elif kind != "pong":
            check("id" not in frame, f"{where}: an id on an event")
        if kind in CONNECTION_EVENTS | PRESENCE_EVENTS:
            check(seq is None, f"{where}: {kind} must have seq null")
            return
        # Persisted events: the server promises each socket every seq once, in order. A client
        # that only needs robustness would drop seq <= last_seq and resume on a gap instead.
        check(isinstance(seq, int), f"{where}: a persisted event without an integer seq")
        check(seq > self.last_seq, f"{where}: seq {seq} again, after {self.last_seq}")
        # A frame after events this participant may not see says so: ``prev`` is the seq of
        # the last one its socket sent (or the hello's last_seq), at most the last one held.
        prev = frame.get("prev")
        check(
            seq == self.last_seq + 1 or (isinstance(prev, int) and prev <= self.last_seq),
            f"{where}: seq {seq} after {self.last_seq}: a gap",
        )
        self.last_seq = seq

    async def next(
        self, kinds: str | set[str], where: Match | None = None, within: float = 5
    ) -> dict:
        """The first frame (buffered or new) of one of ``kinds`` that ``where`` accepts."""
        wanted = {kinds} if isinstance(kinds, str) else kinds

        def fits(frame: dict) -> bool:
            return frame["type"] in wanted and (where is None or where(frame))

        for frame in self.pending:
            if fits(frame):
                self.pending.remove(frame)
                return frame
        deadline = time.monotonic() + within
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                kept = [frame["type"] for frame in self.pending]
                raise ContractError(
                    f"{self.name}: no {'/'.join(sorted(wanted))} within {within} s "
                    f"(received meanwhile: {kept})"
                )
            frame = await self.receive(left)
            if fits(frame):
                return frame
            self.pending.append(frame)

    async def command(self, kind: str, data: dict | None = None, command_id: str = "") -> dict:
        """Send a command with an id; its answer, the ``ack`` or ``error`` carrying that id."""
        command_id = command_id or f"{self.name}-{next(self._ids)}"
        await self.send({"type": kind, "id": command_id, "data": data or {}})
        return await self.next({"ack", "error"}, lambda f: f.get("id") == command_id)

    async def ack(self, kind: str, data: dict | None = None, command_id: str = "") -> dict:
        """Send a command that must be accepted; the ack's ``data``, which is the result."""
        reply = await self.command(kind, data, command_id)
        check(reply["type"] == "ack", f"{self.name}: {kind} refused: {reply['data']}")
        return reply["data"]

    async def refused(self, kind: str, data: dict | None, code: str) -> dict:
        """Send a command that must be refused with ``code``; the error's ``data``."""
        reply = await self.command(kind, data)
        check(reply["type"] == "error", f"{self.name}: {kind} {data} was accepted: {reply}")
        check(reply["data"].keys() == {"code", "message"}, f"error data {reply['data']}")
        check(reply["data"]["code"] == code, f"{kind}: expected {code}, got {reply['data']}")
        return reply["data"]

    async def closed(self, within: float) -> int | None:
        """Wait up to ``within`` seconds for the server to close; the close code, or None."""
        deadline = time.monotonic() + within
        with contextlib.suppress(ContractError):
            while time.monotonic() < deadline:
                await self.receive(deadline - time.monotonic())
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


# --- the session --------------------------------------------------------------------------------


@dataclass
class Room:
    """What the run knows: the server, the session, the connected peers and their tokens."""

    http: Http
    origin: str
    trace: Trace
    code: str = ""
    ws_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    peers: dict[str, Peer] = field(default_factory=dict)
    questions: list[dict] = field(default_factory=list)

    async def connect(self, name: str, last_seq: int = 0) -> Peer:
        """A new socket of a participant, welcomed."""
        token = self.tokens[name]
        return await Peer.connect(name, self.ws_url, self.origin, token, self.trace, last_seq)

    async def everyone(
        self, kind: str, where: Match | None = None, within: float = 5
    ) -> dict[str, dict]:
        """The same persisted event as each connected peer receives it, by peer name."""
        frames = {name: await peer.next(kind, where, within) for name, peer in self.peers.items()}
        seqs = {frame["seq"] for frame in frames.values()}
        check(len(seqs) == 1, f"{kind} arrived with different seqs: {seqs}")
        return frames


def check_leaderboard(board: object, candidates: int) -> None:
    """Every candidate once, sorted by rank 1..n, totals never rising down the list."""
    check(isinstance(board, list), f"leaderboard {board!r}")
    check(len(board) == candidates, f"leaderboard has {len(board)} rows, not {candidates}")
    for row in board:
        check({"participant_id", "name", "total", "rank"} <= row.keys(), f"leaderboard row {row}")
    check([row["rank"] for row in board] == list(range(1, candidates + 1)), f"ranks: {board}")
    totals = [row["total"] for row in board]
    check(totals == sorted(totals, reverse=True), f"leaderboard not by total: {board}")


async def http_setup(room: Room) -> None:
    """The bank, a new session, and seats for two candidates and a spectator."""
    http = room.http
    with step("GET /healthz -> 200"):
        await http.fetch("GET", "/healthz", 200)
    with step("GET /api/questions/ without a token -> 401 {error: {code, message}}"):
        (await Http(http.server).fetch("GET", "/api/questions/", 401)).error_code()
    with step("GET /api/questions/ (Authorization: Token) -> a page of the bank, filterable"):
        page = (await http.fetch("GET", "/api/questions/?page=1", 200)).json()
        check({"count", "results"} <= page.keys(), f"not a page: {list(page)}")
        check(page["count"] >= 3 and len(page["results"]) >= 3, "fewer than 3 questions")
        room.questions = page["results"][:3]
        for question in room.questions:
            bank_fields = (PUBLIC_QUESTION_FIELDS | set(PANEL_ONLY_FIELDS)) - RENDERED_FIELDS
            missing = bank_fields - question.keys()
            check(not missing, f"a question lacks {sorted(missing)}")
        category = room.questions[0]["category"]
        query = urllib.parse.urlencode({"category": category})
        filtered = (await http.fetch("GET", f"/api/questions/?{query}", 200)).json()["results"]
        check(filtered and all(q["category"] == category for q in filtered), "category filter")
    with step("POST /api/sessions/ -> {code, join_url, spectate_url, interviewer_token}"):
        body = {"title": "Example client run", "time_limit_s": 120}
        created = (await http.fetch("POST", "/api/sessions/", 201, body)).json()
        missing = {"code", "join_url", "spectate_url", "interviewer_token"} - created.keys()
        check(not missing, f"the response lacks {sorted(missing)}")
        room.code = created["code"]
        check(JOIN_CODE.match(room.code), f"join code {room.code!r}: 6-8 unambiguous characters")
        check(len(created["interviewer_token"]) >= 22, "a token shorter than 128 bits")
        room.tokens["interviewer"] = created["interviewer_token"]
        room.ws_url = ws_url_for(http.server, room.code)
    with step("POST /api/sessions/{code}/join as two candidates and a spectator"):
        for name, role in (("Ada", "candidate"), ("Grace", "candidate"), ("Watcher", "spectator")):
            joined = (await http.join(room.code, name, role)).json()
            missing = {"participant_id", "token", "ws_url"} - joined.keys()
            check(not missing, f"the join response lacks {sorted(missing)}")
            check(joined["ws_url"] == room.ws_url, f"ws_url {joined['ws_url']}")
            room.tokens[name] = joined["token"]
        check(len(set(room.tokens.values())) == 4, "two participants share a token")
        room.trace.secrets.update(room.tokens.values())
    with step("a second candidate with a taken name -> HTTP 409 name_taken"):
        reply = await http.join(room.code, "ada", "candidate", status=409)
        check(reply.error_code() == "name_taken", f"code {reply.error_code()}")


async def connect_room(room: Room) -> None:
    """Everyone connects, in turn; each arrival is announced to all, the newcomer included,
    except a spectator's, which only the panel hears of (docs/protocol.md, "Presence")."""
    roles = {"interviewer": "interviewer", "Ada": "candidate", "Grace": "candidate"}
    for name in ("interviewer", "Ada", "Grace", "Watcher"):
        with step(f"{name}: hello {{token, last_seq: 0}} -> welcome; participant.joined"):
            peer = await room.connect(name)
            welcome = peer.welcome
            card = welcome["participant"]
            check(peer.role == roles.get(name, "spectator"), f"participant {card}")
            check(name == "interviewer" or card["name"] == name, f"participant {card}")
            check(welcome["last_seq"] == 0, f"a new session has last_seq {welcome['last_seq']}")
            snapshot = welcome["snapshot"]
            check(snapshot["status"] == "lobby", f"status {snapshot.get('status')}")
            check(snapshot["round"] is None, f"round {snapshot['round']}")
            online = {p["participant_id"]: p["online"] for p in snapshot["participants"]}
            listed = 4 if peer.role == "interviewer" else 3  # spectators: the panel's to list
            check(len(online) == listed, f"{len(online)} participants in the snapshot")
            for present in [*room.peers.values(), peer]:
                if peer.role == "interviewer" or present.role != "spectator":
                    check(online.get(present.participant_id) is True, f"{present.name} not online")
            check_leaderboard(snapshot["leaderboard"], 2)
            room.peers[name] = peer
            for who in room.peers.values():
                if peer.role == "spectator" and who.role != "interviewer":
                    continue
                joined = await who.next(
                    "participant.joined",
                    lambda f, pid=peer.participant_id: f["data"]["participant_id"] == pid,
                )
                card = peer.welcome["participant"]  # interviewers go by their user name
                expected = {"name": card["name"], "role": peer.role, "online": True}
                check(expected.items() <= joined["data"].items(), f"{who.name}: {joined}")
    with step("welcome's participant: the session's creator is its owner, nobody else"):
        for name, peer in room.peers.items():
            owner = peer.welcome["participant"].get("is_owner")
            check(owner is (name == "interviewer"), f"{name}: is_owner {owner}")


async def commands_and_errors(room: Room) -> None:
    """Refusals that change nothing; the socket stays usable after each."""
    interviewer, ada, watcher = room.peers["interviewer"], room.peers["Ada"], room.peers["Watcher"]
    with step("ping -> pong, seq null"):
        await watcher.send({"type": "ping", "id": "p1", "data": {}})
        await watcher.next("pong")
    with step("a candidate's question.push -> error forbidden, with the command's id"):
        await ada.refused("question.push", {"question_id": room.questions[0]["id"]}, "forbidden")
    with step("a spectator's answer.submit -> error forbidden"):
        await watcher.refused("answer.submit", {"round_id": 1, "text": "hi"}, "forbidden")
    with step("an unknown type -> error unknown_type"):
        await ada.refused("answer.delete", {}, "unknown_type")
    with step("a frame that is not JSON -> error bad_json; the socket stays open"):
        await ada.send("{this is not json")
        error = await ada.next("error")
        check(error["data"]["code"] == "bad_json", f"got {error['data']}")
        await ada.send({"type": "ping", "id": "after-bad-json", "data": {}})
        await ada.next("pong")
    with step("question.push without question_id -> error invalid"):
        await interviewer.refused("question.push", {}, "invalid")
    with step("question.push of a question that does not exist -> error not_found"):
        await interviewer.refused("question.push", {"question_id": 10**9}, "not_found")
    with step("question.close with no open round -> error not_found"):
        await interviewer.refused("question.close", {}, "not_found")


async def round_one(room: Room) -> int:
    """A round opened, answered (a retry included), scored and closed; Ada's answer id."""
    interviewer, ada, grace = room.peers["interviewer"], room.peers["Ada"], room.peers["Grace"]
    question = room.questions[0]
    with step("question.push with time_limit_s -> ack {round_id}, the id top-level"):
        data = {"question_id": question["id"], "time_limit_s": 300}
        result = await interviewer.ack("question.push", data)
        check(result.keys() == {"round_id"}, f"ack data {result}")
        round_id = result["round_id"]
    with step("round.opened to all; model_answer, key_points top-level for the interviewer only"):
        frames = await room.everyone("round.opened")
        for name, frame in frames.items():
            data = frame["data"]
            check(data["round_id"] == round_id and data["time_limit_s"] == 300, f"{data}")
            check(data["question"].keys() == PUBLIC_QUESTION_FIELDS, f"{data['question']}")
            check(data["question"]["id"] == question["id"], "another question")
            late = parse_ts(data["deadline"]) - parse_ts(frame["ts"])
            check(abs(late.total_seconds() - 300) < 2, "the deadline is not ts + time_limit_s")
            panel = name == "interviewer"
            for key in PANEL_ONLY_FIELDS:
                check((key in data) == panel, f"{name}: {key} {'missing' if panel else 'sent'}")
                if panel and key not in RENDERED_FIELDS:
                    check(data[key] == question[key], f"{key} is not the bank's")
    with step("answer.submit -> ack {answer_id, revision: 1}"):
        data = {"round_id": round_id, "text": "A decorator wraps a function."}
        first = await ada.ack("answer.submit", data)
        check(first.keys() == {"answer_id", "revision"}, f"ack data {first}")
        check(first["revision"] == 1, f"revision {first['revision']}")
        answer_id = first["answer_id"]
    with step("answer.submitted to all; text only for the interviewer and the author"):
        frames = await room.everyone("answer.submitted")
        for name, frame in frames.items():
            data = frame["data"]
            check(data["answer_id"] == answer_id and data["revision"] == 1, f"{name}: {data}")
            check(data["participant_id"] == ada.participant_id, f"{name}: {data}")
            sees = name in {"interviewer", "Ada"}
            check(("text" in data) == sees, f"{name}: text {'missing' if sees else 'sent'}")
            panel = name == "interviewer"  # key-point coverage: the panel's alone
            check(
                ("coverage" in data) == panel, f"{name}: coverage {'missing' if panel else 'sent'}"
            )
    with step("a resubmit keeps answer_id, revision 2"):
        data = {"round_id": round_id, "text": "A decorator takes a function, returns a wrapper."}
        second = await ada.ack("answer.submit", data, command_id="ada-resubmit")
        check(second == {"answer_id": answer_id, "revision": 2}, f"ack data {second}")
        await room.everyone("answer.submitted", lambda f: f["data"]["revision"] == 2)
    with step("the same command id again -> the same ack, and no second effect"):
        again = await ada.ack("answer.submit", data, command_id="ada-resubmit")
        check(again == second, f"the repeat's ack {again} differs from {second}")
        data = {"round_id": round_id, "text": "def deco(f): return wrapper"}
        third = await ada.ack("answer.submit", data)
        check(third["revision"] == 3, f"the next submit has revision {third['revision']}, not 3")
        for peer in room.peers.values():  # the very next answer.submitted is revision 3
            frame = await peer.next("answer.submitted")
            check(frame["data"]["revision"] == 3, f"{peer.name}: {frame['data']}")
    with step("an answer over 20,000 characters -> error too_large"):
        data = {"round_id": round_id, "text": "x" * (MAX_ANSWER_CHARS + 1)}
        await ada.refused("answer.submit", data, "too_large")
    with step("answer.submit naming a round that does not exist -> error not_found"):
        await grace.refused("answer.submit", {"round_id": 10**9, "text": "?"}, "not_found")
    with step("the second candidate answers"):
        data = {"round_id": round_id, "text": "It is a wrapper."}
        grace_answer = (await grace.ack("answer.submit", data))["answer_id"]
        await room.everyone("answer.submitted", lambda f: f["data"]["answer_id"] == grace_answer)
    with step("answer.score with a score of 11 -> error invalid"):
        await interviewer.refused("answer.score", {"answer_id": answer_id, "score": 11}, "invalid")
    with step(
        "answer.score -> ack; score.updated to all (who scored: the panel's); feedback.updated"
    ):
        data = {"answer_id": answer_id, "score": 8, "feedback": "Clear; show an example."}
        result = await interviewer.ack("answer.score", data)
        check(result["answer_id"] == answer_id and result["score"] == 8, f"ack data {result}")
        frames = await room.everyone("score.updated")
        for name, frame in frames.items():
            got = frame["data"]
            check(got["answer_id"] == answer_id and got["score"] == 8, f"{name}: {got}")
            check(got["round_id"] == round_id, f"{name}: {got}")
            check(got["participant_id"] == ada.participant_id, f"{name}: {got}")
            # Who scored, what they gave and their words are the panel's: the author and the
            # room learn the panel's mean only.
            panel = name == "interviewer"
            check(("feedback" in got) == panel, f"{name}: feedback {got.get('feedback')}")
            check(
                got.get("by") == (interviewer.participant_id if panel else None), f"{name}: {got}"
            )
            check(("by_score" in got) == panel, f"{name}: by_score {got.get('by_score')}")
            check_leaderboard(got["leaderboard"], 2)
            top = got["leaderboard"][0]
            check(top["participant_id"] == ada.participant_id and top["total"] == 8, f"{top}")
        # The feedback comes to its author apart, with its writer and no score.
        words = (await ada.next("feedback.updated"))["data"]
        check(words["by"] == interviewer.participant_id and "score" not in words, f"{words}")
    with step("a rescore replaces the interviewer's score; the other candidate is scored"):
        data = {"answer_id": answer_id, "score": 9, "feedback": FEEDBACK}
        await interviewer.ack("answer.score", data)
        frames = await room.everyone("score.updated")
        check(frames["Ada"]["data"]["score"] == 9, f"{frames['Ada']['data']}")
        words = (await ada.next("feedback.updated"))["data"]
        check(words["feedback"] == FEEDBACK, f"{words}")
        data = {"answer_id": grace_answer, "score": 6, "feedback": "Too short."}
        await interviewer.ack("answer.score", data)
        board = (await room.everyone("score.updated"))["Watcher"]["data"]["leaderboard"]
        check([row["total"] for row in board] == [9, 6], f"leaderboard {board}")
    with step("question.close -> ack {round_id}; round.closed reason interviewer to all"):
        result = await interviewer.ack("question.close")
        check(result == {"round_id": round_id}, f"ack data {result}")
        for frame in (await room.everyone("round.closed")).values():
            check(frame["data"] == {"round_id": round_id, "reason": "interviewer"}, f"{frame}")
    with step("answer.submit after the close -> error round_closed"):
        await ada.refused("answer.submit", {"round_id": round_id, "text": "late"}, "round_closed")
    return answer_id


async def resume_and_deadline(room: Room) -> None:
    """The spectator misses events and catches up; a short round closes at its deadline."""
    interviewer, ada, grace = room.peers["interviewer"], room.peers["Ada"], room.peers["Grace"]
    watcher = room.peers.pop("Watcher")
    with step("the spectator disconnects -> participant.left to the panel, counts to all"):
        resume_from = watcher.last_seq
        await watcher.close()
        left = await interviewer.next("participant.left")
        check(left["data"]["participant_id"] == watcher.participant_id, f"{left}")
        check(left["data"]["online"] is False, f"{left}")
        # Spectators come and go in thousands: the others get the new count, coalesced.
        for peer in room.peers.values():
            await peer.next("presence.counts", lambda f: f["data"]["spectators"] == 0, within=10)
        for peer in (ada, grace):
            check(
                all(f["type"] != "participant.left" for f in peer.history),
                f"{peer.name} was told a spectator left",
            )
    with step("meanwhile: a push without time_limit_s takes the session's 120 s; answer, score"):
        await interviewer.ack("question.push", {"question_id": room.questions[1]["id"]})
        opened = (await room.everyone("round.opened"))["Grace"]["data"]
        check(opened["time_limit_s"] == 120, f"time_limit_s {opened['time_limit_s']}")
        data = {"round_id": opened["round_id"], "text": "Use EXPLAIN ANALYZE."}
        answer = await ada.ack("answer.submit", data)
        await room.everyone("answer.submitted")
        await interviewer.ack("answer.score", {"answer_id": answer["answer_id"], "score": 7})
        await room.everyone("score.updated")
    with step(f"a push (time_limit_s {SHORT_ROUND_S}) closes the open round: next_question"):
        data = {"question_id": room.questions[2]["id"], "time_limit_s": SHORT_ROUND_S}
        pushed_at = time.monotonic()
        short = await interviewer.ack("question.push", data)
        closed = (await room.everyone("round.closed"))["Ada"]["data"]
        check(closed == {"round_id": opened["round_id"], "reason": "next_question"}, f"{closed}")
        short_round = (await room.everyone("round.opened"))["Grace"]
        check(short_round["data"]["round_id"] == short["round_id"], "another round opened")
    with step("the spectator resumes with last_seq: exactly the missed events, in order"):
        watcher = await room.connect("Watcher", last_seq=resume_from)
        newest = watcher.welcome["last_seq"]
        check(newest == grace.last_seq, f"welcome's last_seq {newest}, not {grace.last_seq}")
        # Grace, a candidate who authored none of them, sees these events as a spectator does.
        missed = [frame for frame in grace.history if (frame["seq"] or 0) > resume_from]
        check(len(missed) == newest - resume_from, "the witness missed events itself")
        for expected in missed:
            got = await watcher.receive(within=5)
            check(got == expected, f"replayed {got}\n      instead of {expected}")
        room.peers["Watcher"] = watcher
    with step("its welcome's snapshot: the open round, answers without text, the leaderboard"):
        snapshot = watcher.welcome["snapshot"]
        check(snapshot["status"] == "live", f"status {snapshot['status']}")
        check(snapshot["round"]["round_id"] == short["round_id"], f"round {snapshot['round']}")
        for key in PANEL_ONLY_FIELDS:
            check(key not in snapshot["round"], f"the spectator's snapshot has {key}")
        check(len(snapshot["answers"]) == 3, f"{len(snapshot['answers'])} answers")
        for answer in snapshot["answers"]:
            check("text" not in answer, f"the spectator's snapshot has answer text: {answer}")
        check_leaderboard(snapshot["leaderboard"], 2)
    with step("a candidate's second socket: its snapshot has its own text and feedback only"):
        second = await room.connect("Ada")  # Ada stays online: no presence event
        answers = second.welcome["snapshot"]["answers"]
        own = [a for a in answers if a["participant_id"] == ada.participant_id]
        others = [a for a in answers if a["participant_id"] != ada.participant_id]
        check(len(own) == 2 and all("text" in a for a in own), f"own answers {own}")
        check(others and all("text" not in a for a in others), f"others' answers {others}")
        feedback = [score.get("feedback") for a in own for score in a.get("scores", [])]
        check(FEEDBACK in feedback, f"its own feedback is missing: {own}")
        leaked = [score for a in others for score in a.get("scores", [])]
        check(not leaked, f"others' scores in its snapshot: {leaked}")
        given = [score for a in own for score in a.get("scores", []) if "score" in score]
        check(not given, f"an interviewer's own score in its snapshot: {given}")
        await second.close()
    with step(f"the {SHORT_ROUND_S} s round: round.closed reason deadline within a second"):
        closed_frames = await room.everyone("round.closed", within=SHORT_ROUND_S + 3)
        elapsed = time.monotonic() - pushed_at
        frame = closed_frames["Watcher"]
        check(frame["data"] == {"round_id": short["round_id"], "reason": "deadline"}, f"{frame}")
        late = parse_ts(frame["ts"]) - parse_ts(short_round["data"]["deadline"])
        check(0 <= late.total_seconds() <= 1, f"round.closed {late} after the deadline")
        check(elapsed <= SHORT_ROUND_S + 1.5, f"round.closed came {elapsed:.1f} s after the push")
    with step("answer.submit after the deadline -> error round_closed"):
        data = {"round_id": short["round_id"], "text": "too late"}
        await ada.refused("answer.submit", data, "round_closed")


async def rate_limit(room: Room) -> None:
    with step("more than 20 commands a second -> error rate_limited, then service again"):
        burst = await room.connect("Grace")  # a second socket: Grace stays online
        for n in range(30):
            await burst.send({"type": "ping", "id": f"burst-{n}", "data": {}})
        replies = [await burst.next({"pong", "error"}) for _ in range(30)]
        limited = [reply for reply in replies if reply["type"] == "error"]
        check(limited, "30 pings at once were all answered")
        check(all(r["data"]["code"] == "rate_limited" for r in limited), f"{limited[0]}")
        check(all(str(r.get("id")).startswith("burst-") for r in limited), "an error without id")
        check(len(replies) - len(limited) <= 21, f"{len(replies) - len(limited)} pongs in a burst")
        await asyncio.sleep(1.1)
        await burst.send({"type": "ping", "id": "rested", "data": {}})
        await burst.next("pong", lambda f: f.get("id") == "rested")
        await burst.close()


async def finish(room: Room, answer_id: int) -> None:
    interviewer, ada = room.peers["interviewer"], room.peers["Ada"]
    with step("a candidate's session.finish -> error forbidden"):
        await ada.refused("session.finish", {}, "forbidden")
    with step("session.finish -> ack {}; session.finished with the final leaderboard to all"):
        result = await interviewer.ack("session.finish")
        check(result == {}, f"ack data {result}")
        frames = await room.everyone("session.finished")
        board = frames["Watcher"]["data"]["leaderboard"]
        check_leaderboard(board, 2)
        check([row["total"] for row in board] == [16, 6], f"final leaderboard {board}")
        for frame in frames.values():
            check(frame["data"]["leaderboard"] == board, "the leaderboards differ")
    with step("after the finish: the course's commands -> error session_finished; a join -> 409"):
        data = {"question_id": room.questions[0]["id"]}
        await interviewer.refused("question.push", data, "session_finished")
        reply = await room.http.join(room.code, "Late Larry", "candidate", status=409)
        check(reply.error_code() == "session_finished", f"join: {reply.error_code()}")


async def score_after_finish(room: Room, answer_id: int) -> None:
    interviewer = room.peers["interviewer"]
    with step("after the finish the panel still scores: answer.score -> ack, the same score"):
        result = await interviewer.ack("answer.score", {"answer_id": answer_id, "score": 9})
        check(result["answer_id"] == answer_id and result["score"] == 9, f"ack data {result}")


async def results(room: Room) -> None:
    http = room.http
    with step("GET /api/sessions/{code}/results -> totals, per-round scores and feedback"):
        body = (await http.fetch("GET", f"/api/sessions/{room.code}/results", 200)).json()
        check(body["session"]["status"] == "finished", f"session {body['session']}")
        check(len(body["rounds"]) == 3, f"{len(body['rounds'])} rounds")
        top = body["candidates"][0]
        check((top["name"], top["total"], top["rank"]) == ("Ada", 16, 1), f"first: {top}")
        first = top["rounds"][0]
        check(first["score"] == 9, f"round 1 score {first['score']}")
        feedback = [score["feedback"] for score in first["scores"]]
        check(FEEDBACK in feedback, f"the feedback is missing: {feedback}")
        check(top["categories"], "no per-category breakdown")
    with step("GET /api/sessions/{code}/results.csv -> the same as CSV"):
        reply = await http.fetch("GET", f"/api/sessions/{room.code}/results.csv", 200)
        content_type = reply.headers.get("Content-Type", "")
        check(content_type.startswith("text/csv"), f"Content-Type {content_type}")
        text = reply.body.decode()
        check(len(text.splitlines()) >= 1 + 2 * 3, f"{len(text.splitlines())} lines")
        check("Ada" in text and FEEDBACK in text, "Ada or her feedback missing from the CSV")


def view_of(state: RoomState) -> dict:
    """What a kept view and a fresh welcome agree on: the session's course and every answer's
    revision and score as this viewer sees them, the leaderboard's names and totals."""
    snap = state.snapshot
    return {
        "status": snap["status"],
        "round": snap["round"] and snap["round"]["round_id"],
        "rounds": [(r["round_id"], r["open"], r["closed_at"]) for r in snap["rounds"]],
        "answers": {a["answer_id"]: (a["revision"], a["score"]) for a in snap["answers"]},
        "board": sorted((row["name"], row["total"]) for row in state.board()),
    }


async def views_kept(room: Room) -> None:
    """Each socket's view of the room, kept from its welcome and the events since
    (``RoomState``), is what a fresh welcome shows."""
    with step("each socket's view (its welcome moved on by each event) is a fresh welcome's"):
        for name, peer in room.peers.items():
            # At the seq this socket reached: a fresh snapshot, and no replay to read.
            fresh = await room.connect(name, last_seq=peer.last_seq)
            expected = view_of(RoomState(fresh.welcome))
            deadline = time.monotonic() + 5
            while view_of(peer.view) != expected and time.monotonic() < deadline:
                with contextlib.suppress(ContractError):
                    peer.pending.append(await peer.receive(deadline - time.monotonic()))
            check(view_of(peer.view) == expected, f"{name}: {view_of(peer.view)} != {expected}")
            await fresh.close()


def privacy_audit(room: Room) -> None:
    """Over every frame each socket received: nobody saw what the contract keeps from them."""
    with step("privacy over the whole run: no model answer, others' text, feedback or scorer"):
        for name, peer in room.peers.items():
            if peer.role == "interviewer":
                continue
            for frame in peer.history:
                text = json.dumps(frame)
                for key in PANEL_ONLY_FIELDS:
                    check(f'"{key}"' not in text, f"{name} received {key}: {text[:200]}")
                data = frame["data"]
                if frame["type"] in {"answer.submitted", "score.updated"}:
                    own = data.get("participant_id") == peer.participant_id
                    for key in ("text", "feedback", "by"):
                        check(key not in data or own, f"{name} received {key}: {text[:200]}")
                    check("by_score" not in data, f"{name} received by_score: {text[:200]}")
                    check("coverage" not in data, f"{name} received coverage: {text[:200]}")


async def close_codes(room: Room) -> None:
    """Sockets the server must close, each with the contract's code; tried side by side."""

    async def closed_after(url: str, first: dict | str | None, within: float) -> tuple:
        peer = await Peer.open("stranger", url, room.origin, room.trace)
        since = time.monotonic()
        if first is not None:
            with contextlib.suppress(ConnectionClosed):  # the server may close first
                await peer.send(first)
        code = await peer.closed(within)
        await peer.close()
        return code, time.monotonic() - since

    async def too_big() -> tuple:
        peer = await room.connect("Grace")  # a second socket: Grace stays online
        with contextlib.suppress(ConnectionClosed):
            await peer.send(json.dumps({"type": "ping", "data": {"pad": "x" * MAX_FRAME_BYTES}}))
        code = await peer.closed(within=5)
        await peer.close()
        return code, 0

    hello = {"type": "hello", "data": {"token": "not-a-token", "last_seq": 0}}
    unknown, wrong_token, not_hello, silent, big = await asyncio.gather(
        closed_after(ws_url_for(room.http.server, "ZZZZ2222"), hello, 5),
        closed_after(room.ws_url, hello, 5),
        closed_after(room.ws_url, {"type": "ping", "id": "early", "data": {}}, 5),
        closed_after(room.ws_url, None, HELLO_TIMEOUT_S + 3),
        too_big(),
    )
    with step("an unknown session: the socket is accepted, then closed with 4404"):
        check(unknown[0] == CLOSE_NOT_FOUND, f"closed with {unknown[0]}")
    with step("hello with a wrong token -> closed with 4401"):
        check(wrong_token[0] == CLOSE_UNAUTHENTICATED, f"closed with {wrong_token[0]}")
    with step("anything but hello first -> closed with 4401"):
        check(not_hello[0] == CLOSE_UNAUTHENTICATED, f"closed with {not_hello[0]}")
    with step(f"no hello within {HELLO_TIMEOUT_S} s -> closed with 4401"):
        code, after = silent
        check(code == CLOSE_UNAUTHENTICATED, f"closed with {code} after {after:.1f} s")
        check(HELLO_TIMEOUT_S - 1 <= after <= HELLO_TIMEOUT_S + 2, f"closed after {after:.1f} s")
    with step("a frame over 64 KiB -> closed with 1009"):
        check(big[0] == CLOSE_TOO_BIG, f"closed with {big[0]}")


async def run(server: str, token: str, trace_out: TextIO | None) -> None:
    trace = Trace(trace_out)
    trace.secrets.add(token)
    room = Room(http=Http(server, token), origin=server, trace=trace)
    await http_setup(room)
    with step("another session's interviewer connects, to check isolation at the end"):
        other = (await room.http.fetch("POST", "/api/sessions/", 201, {"title": "Other"})).json()
        trace.secrets.add(other["interviewer_token"])
        url = ws_url_for(server, other["code"])
        outsider = await Peer.connect("outsider", url, server, other["interviewer_token"], trace)
        await outsider.next("participant.joined")
    await connect_room(room)
    await commands_and_errors(room)
    answer_id = await round_one(room)
    await resume_and_deadline(room)
    await rate_limit(room)
    await finish(room, answer_id)
    await score_after_finish(room, answer_id)
    await results(room)
    await views_kept(room)
    privacy_audit(room)
    with step("isolation: the other session's socket received nothing of this one"):
        with contextlib.suppress(ContractError):
            await outsider.receive(within=0.5)
        # Its own session's presence counts may come; nothing else does.
        received = [f["type"] for f in outsider.history if f["type"] != "presence.counts"]
        check(received == ["welcome", "participant.joined"], f"it received {received}")
    await close_codes(room)
    for peer in [*room.peers.values(), outsider]:
        await peer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("--token", required=True, help="an interviewer's API token")
    parser.add_argument("--trace", help="write every frame to this file, as JSON lines")
    args = parser.parse_args()
    server = args.server.rstrip("/")
    trace_out = open(args.trace, "w", encoding="utf-8") if args.trace else None  # noqa: SIM115
    try:
        asyncio.run(run(server, args.token, trace_out))
    except ContractError as broken:
        print(f"FAIL  {broken}", file=sys.stderr)
        return 1
    except OSError as unreachable:  # urllib.error.URLError is an OSError
        print(f"FAIL  cannot talk to {server}: {unreachable}", file=sys.stderr)
        return 2
    finally:
        if trace_out is not None:
            trace_out.close()
    print("all steps passed: the server keeps the contract", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
