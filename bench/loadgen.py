"""The load generator: many WebSocket clients of the live-session protocol, in worker processes.

It speaks only the protocol of docs/protocol.md: ``hello``/``welcome``, then the scenario.
Each session's interviewer pushes a question every ``period_s`` (staggered across the period),
every candidate answers each question after a random think time, and the interviewer scores
every answer it sees. Every client records when each event reached it; the sender records when
each command left and when its ``ack`` came back. Latencies are joined afterwards by the
server's own ids (``round_id``, ``answer_id``, ``participant_id``), so a push sent by one worker
process and received by another is measured on the machine's one monotonic clock.

The first ``warmup_rounds`` rounds are played but not measured; then ``rounds`` rounds are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import random
import re
import time
from array import array
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

# --- the plan: what to run, shared by the real server and the baseline --------------------


@dataclass(frozen=True)
class Scenario:
    """One load shape: sessions of the same size, all playing the same rounds."""

    name: str
    title: str
    sessions: int
    candidates: int
    spectators: int
    warmup_rounds: int = 1
    rounds: int = 4
    period_s: float = 10.0
    # Candidates answer this long after the question reached them (uniform).
    answer_after_s: tuple[float, float] = (1.0, 5.0)
    # The interviewer scores an answer this long after it reached the panel (uniform).
    score_after_s: tuple[float, float] = (0.2, 1.5)
    # At least this long between two commands of one interviewer: the protocol allows 20/s.
    command_gap_s: float = 0.06
    # After the last session's last round, how long events may still arrive and count.
    drain_s: float = 3.0
    # New sockets a second, all workers together, and how many may wait for their welcome at
    # once: set-up is spread out and paced by the server's own speed, not a stampede.
    connect_rate: float = 100.0
    handshakes_in_flight: int = 16
    # The round's limit on the server; longer than the period, so only pushes close rounds.
    time_limit_s: int = 60
    # How long all clients may take to connect and get their welcome.
    connect_timeout_s: float = 240.0
    # Candidates save their unsent answer every DRAFT_EVERY_S while answering (answer.draft).
    drafts: bool = True

    @property
    def clients_per_session(self) -> int:
        return 1 + self.candidates + self.spectators

    @property
    def clients(self) -> int:
        return self.sessions * self.clients_per_session

    @property
    def total_rounds(self) -> int:
        return self.warmup_rounds + self.rounds

    def window(self, t0: float) -> tuple[float, float]:
        """The measured rounds, from the first push of the first one to the last period's end.

        Every session is mid-round all through it: the steady state CPU and lag are taken in.
        """
        return t0 + self.warmup_rounds * self.period_s, t0 + self.total_rounds * self.period_s

    def recording_end(self, t0: float) -> float:
        """Until when events count: the last session's last round, then ``drain_s``."""
        last_offset = self.period_s * (self.sessions - 1) / self.sessions
        return t0 + last_offset + self.total_rounds * self.period_s + self.drain_s


@dataclass(frozen=True)
class SessionPlan:
    index: int
    code: str
    question_ids: tuple[int, ...]
    # When in each period this session pushes: sessions are spread evenly over the period.
    offset_s: float


@dataclass(frozen=True)
class ClientPlan:
    index: int
    session: int
    role: str  # interviewer, candidate or spectator
    participant_id: int
    token: str
    ws_url: str


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    sessions: list[SessionPlan]
    clients: list[ClientPlan]
    origin: str


def session_offsets(scenario: Scenario) -> list[float]:
    """Each session's push time within the period, evenly spread."""
    return [scenario.period_s * i / scenario.sessions for i in range(scenario.sessions)]


# --- frames -----------------------------------------------------------------------------------

# Event kinds this generator measures, numbered for compact records.
OPENED, CLOSED, SUBMITTED, SCORED = (
    "round.opened",
    "round.closed",
    "answer.submitted",
    "score.updated",
)
MEASURED_KINDS = (OPENED, CLOSED, SUBMITTED, SCORED)

# The server writes compact JSON with ``type, seq, ts, data`` first; reading just the head of a
# big frame (a score with a 50-row leaderboard is 4 KB) saves the generator's CPU for the
# server it shares the machine with. Any frame that does not start this way is parsed fully.
_HEAD = re.compile(r'\{"type":"([a-z._]+)","seq":(\d+|null),"ts":"[^"]*","data":\{')
_FIELDS = {
    OPENED: (re.compile(r'"round_id":(\d+),"position":(\d+)'), ("round_id", "position")),
    CLOSED: (re.compile(r'"round_id":(\d+)'), ("round_id",)),
    SUBMITTED: (
        re.compile(r'"round_id":(\d+),"answer_id":(\d+),"participant_id":(\d+)'),
        ("round_id", "answer_id", "participant_id"),
    ),
    SCORED: (
        re.compile(r'"answer_id":(\d+),"participant_id":(\d+),"round_id":(\d+)'),
        ("answer_id", "participant_id", "round_id"),
    ),
}


@dataclass(slots=True)
class Frame:
    """An event as far as the generator needs it."""

    type: str
    seq: int | None
    fields: tuple[int, ...] = ()  # the measured kinds' ids, in ``_FIELDS`` order
    body: dict | None = None  # the whole frame, for everything else


# A frame after events this client may not see (the panel's candidate.signal) ends with
# ``"prev":N``, the seq of the last frame sent to it: the seqs between are not a gap.
_PREV = re.compile(r',"prev":(\d+)\}$')


def frame_prev(text: str) -> int | None:
    """The ``prev`` a frame ends with, if any; read from its tail only."""
    found = _PREV.search(text, max(0, len(text) - 32))
    return int(found.group(1)) if found is not None else None


def frame_read(text: str) -> Frame:
    """The type, seq and ids of an event, reading as little of the frame as possible."""
    head = _HEAD.match(text)
    if head is not None:
        kind = head.group(1)
        spec = _FIELDS.get(kind)
        if spec is not None:
            found = spec[0].match(text, head.end())
            if found is not None:
                seq = head.group(2)
                return Frame(
                    kind, None if seq == "null" else int(seq), tuple(map(int, found.groups()))
                )
    body = json.loads(text)
    kind = body.get("type", "")
    spec = _FIELDS.get(kind)
    data = body.get("data") or {}
    if spec is not None and all(isinstance(data.get(name), int) for name in spec[1]):
        return Frame(kind, body.get("seq"), tuple(data[name] for name in spec[1]))
    return Frame(kind, body.get("seq"), (), body)


def command(kind: str, data: dict, command_id: str | None = None) -> str:
    frame: dict[str, Any] = {"type": kind, "data": data}
    if command_id is not None:
        frame["id"] = command_id
    return json.dumps(frame, separators=(",", ":"))


ANSWER_TEXT = (
    "A decorator is a callable that takes a function and returns a wrapped one. The wrapper "
    "closes over the original and runs code before and after calling it, without changing "
    "the original's source. @decorator above a def is shorthand for f = decorator(f). Typical "
    "uses are logging, timing, caching with functools.lru_cache, retries and permission "
    "checks; functools.wraps keeps the wrapped function's name and docstring."
)
# The signals each candidate sends a round, before its answer: (kind, characters pasted).
SIGNALS = (("blur", 0), ("focus", 0), ("paste", len(ANSWER_TEXT) // 3))
# While answering, the candidate's page saves the unsent draft this often (answer.draft).
DRAFT_EVERY_S = 2.0
FEEDBACK_TEXT = "Clear and correct; mention functools.wraps earlier and show a decorator factory."


# --- one worker process -----------------------------------------------------------------------


@dataclass
class WorkerResult:
    """What one worker saw, sent back to the coordinator."""

    worker: int
    clients: int
    connected: int = 0
    connect_s: float = 0.0  # from its first connect to its last welcome
    # The same two moments on the machine's monotonic clock, to join across workers.
    connect_started: float = 0.0
    welcomed_at: float = 0.0
    settle_s: float = 0.0  # from its last welcome until no frame arrived for a while
    failures: list[str] = field(default_factory=list)
    # Sender side, by the server's ids.
    push_sent: dict[int, float] = field(default_factory=dict)  # round_id -> sent
    push_acks: list[tuple[int, float]] = field(default_factory=list)  # (round_id, latency)
    answer_sent: dict[tuple[int, int], float] = field(default_factory=dict)  # (round, pid)
    answer_acks: list[tuple[int, float]] = field(default_factory=list)  # (round_id, latency)
    draft_acks: list[tuple[int, float]] = field(default_factory=list)  # (round_id, latency)
    score_sent: dict[int, float] = field(default_factory=dict)  # answer_id -> sent
    score_acks: list[tuple[int, float]] = field(default_factory=list)  # (round_id, latency)
    close_sent: dict[int, float] = field(default_factory=dict)  # session -> sent
    commands_refused: list[str] = field(default_factory=list)
    # Receiver side.
    arrivals: dict[str, dict[Any, array]] = field(default_factory=dict)
    rounds: dict[int, tuple[int, int]] = field(default_factory=dict)  # round -> (session, pos)
    duplicates: int = 0
    gaps: int = 0
    presence_events: int = 0
    unexpected_closes: list[str] = field(default_factory=list)
    reconnects: int = 0
    # The generator itself.
    lag: array = field(default_factory=lambda: array("d"))
    cpu_s: float = 0.0
    window_s: float = 0.0


class Client:
    """One participant's socket and what it does when events arrive."""

    __slots__ = (
        "closing",
        "handshaking",
        "last_seq",
        "plan",
        "ready",
        "session",
        "welcomes",
        "worker",
        "ws",
    )

    def __init__(self, plan: ClientPlan, session: SessionPlan, worker: Worker) -> None:
        self.plan = plan
        self.session = session
        self.worker = worker
        self.ws: ClientConnection | None = None
        self.last_seq = 0
        self.ready = asyncio.get_running_loop().create_future()
        self.welcomes = 0
        self.handshaking = False
        self.closing = False

    async def run(self) -> None:
        """Connect, say hello, read events; after an unexpected close, resume like a client.

        A client reconnects with ``last_seq`` and gets every event it missed (docs/protocol.md,
        "Handshake and resume"); such late events still count as delivered, with their late
        arrival time.
        """
        worker = self.worker
        attempts = 0
        while not self.closing:
            welcomes = self.welcomes
            try:
                await self.connect_once()
            except ConnectionClosed as closed:
                if not self.closing:
                    worker.result.unexpected_closes.append(f"{self.plan.role}: {closed}")
            except Exception as exc:
                if self.closing:
                    break
                if self.ready.done():
                    worker.result.unexpected_closes.append(f"{self.plan.role}: {exc!r}")
                else:
                    worker.result.failures.append(f"{self.plan.role}: {type(exc).__name__}: {exc}")
            if self.closing:
                break
            # Give up after five tries in a row without a welcome.
            attempts = 1 if self.welcomes > welcomes else attempts + 1
            if attempts > 5:
                break
            worker.result.reconnects += 1
            await asyncio.sleep(worker.random.uniform(0.5, 1.5) * attempts)
        if not self.ready.done():
            self.ready.set_result(False)

    async def connect_once(self) -> None:
        worker = self.worker
        await worker.handshakes.acquire()
        self.handshaking = True
        try:
            await self.serve_once()
        finally:
            self.handshake_done()

    def handshake_done(self) -> None:
        if self.handshaking:
            self.handshaking = False
            self.worker.handshakes.release()

    async def serve_once(self) -> None:
        worker = self.worker
        async with connect(
            self.plan.ws_url,
            origin=Origin(worker.origin),
            compression=None,
            max_size=2**24,
            max_queue=64,
            open_timeout=worker.scenario.connect_timeout_s,
            ping_interval=None,  # the server pings; the library answers
            close_timeout=2,
            proxy=None,
        ) as ws:
            self.ws = ws
            await ws.send(command("hello", {"token": self.plan.token, "last_seq": self.last_seq}))
            async for text in ws:
                self.on_text(text, time.monotonic())  # type: ignore[arg-type]
            if not self.closing:
                worker.result.unexpected_closes.append(
                    f"{self.plan.role}: closed by the server ({ws.close_code})"
                )

    def on_text(self, text: str, now: float) -> None:
        worker = self.worker
        worker.last_frame_at = now
        frame = frame_read(text)
        if frame.seq is not None:
            if frame.seq <= self.last_seq:
                worker.result.duplicates += 1
                return
            prev = frame_prev(text)
            if frame.seq > self.last_seq + 1 and (prev is None or prev > self.last_seq):
                worker.result.gaps += frame.seq - self.last_seq - 1
            self.last_seq = frame.seq
        kind = frame.type
        if frame.fields:
            if worker.recording:
                worker.arrive(kind, frame.fields, now)
            if kind == OPENED:
                worker.result.rounds[frame.fields[0]] = (self.plan.session, frame.fields[1])
                if self.plan.role == "candidate":
                    worker.answer_later(self, frame.fields[0], frame.fields[1])
            elif kind == SUBMITTED and self.plan.role == "interviewer":
                worker.score_later(self, frame.fields[1], frame.fields[0])
            return
        body = frame.body or {}
        if kind in ("ack", "error"):
            worker.on_reply(self, kind, body, now)
        elif kind == "welcome":
            self.welcomes += 1
            self.handshake_done()
            if not self.ready.done():
                self.ready.set_result(True)
        elif kind.startswith("participant."):
            worker.result.presence_events += 1

    async def send(self, text: str) -> bool:
        if self.ws is None or self.closing:
            return False
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            return False
        return True


class Worker:
    """A process's share of the clients, on one event loop."""

    def __init__(
        self,
        index: int,
        plan: Plan,
        clients: list[ClientPlan],
        pipe: multiprocessing.connection.Connection,
        workers: int,
    ) -> None:
        self.index = index
        self.scenario = plan.scenario
        self.sessions = {s.index: s for s in plan.sessions}
        self.plans = clients
        self.origin = plan.origin
        self.pipe = pipe
        self.workers = workers
        self.result = WorkerResult(worker=index, clients=len(clients))
        self.result.arrivals = {kind: {} for kind in MEASURED_KINDS}
        self.recording = False
        self.last_frame_at = time.monotonic()
        self.random = random.Random(index * 7919 + 1)
        # (participant id, command id) -> (kind, sent, key)
        self.pending: dict[tuple[int, str], tuple[str, float, int]] = {}
        # Per session: the interviewer's (kind, command id, frame, key) waiting to be sent.
        self.queues: dict[int, asyncio.Queue[tuple[str, str, str, int]]] = {}
        self.clients: list[Client] = []
        self.tasks: set[asyncio.Task] = set()
        self.t0 = 0.0
        share = max(1, plan.scenario.handshakes_in_flight // workers)
        self.handshakes = asyncio.Semaphore(share)

    # --- records ---

    def arrive(self, kind: str, fields: tuple[int, ...], now: float) -> None:
        if kind == SUBMITTED:
            key: Any = (fields[0], fields[2])  # (round_id, participant_id)
        elif kind == SCORED:
            key = (fields[2], fields[0])  # (round_id, answer_id)
        else:
            key = fields[0]  # round_id
        times = self.result.arrivals[kind].get(key)
        if times is None:
            times = self.result.arrivals[kind][key] = array("d")
        times.append(now)

    def on_reply(self, client: Client, kind: str, body: dict, now: float) -> None:
        command_id = body.get("id")
        key = (client.plan.participant_id, command_id)
        pending = self.pending.pop(key, None) if isinstance(command_id, str) else None
        if kind == "error":
            data = body.get("data") or {}
            self.result.commands_refused.append(
                f"{command_id}: {data.get('code')}: {data.get('message')}"
            )
            return
        if pending is None:
            return
        what, sent, key = pending
        data = body.get("data") or {}
        latency = now - sent
        if what == "push":
            round_id = data.get("round_id")
            if isinstance(round_id, int):
                self.result.push_sent[round_id] = sent
                self.result.push_acks.append((round_id, latency))
        elif what == "answer":
            self.result.answer_acks.append((key, latency))
        elif what == "draft":
            self.result.draft_acks.append((key, latency))
        elif what == "score":
            self.result.score_acks.append((key, latency))

    # --- behaviour ---

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def answer_later(self, client: Client, round_id: int, position: int) -> None:
        if position > self.scenario.total_rounds:
            return
        low, high = self.scenario.answer_after_s
        self.spawn(self._answer(client, round_id, self.random.uniform(low, high)))

    async def _answer(self, client: Client, round_id: int, delay: float) -> None:
        # Half-way to the answer, the candidate looks away and back and pastes a snippet:
        # integrity signals, as the candidate's page reports them (the panel's alone).
        drafts = self.spawn_drafts(client, round_id, delay) if self.scenario.drafts else None
        await asyncio.sleep(delay / 2)
        for number, (kind, chars) in enumerate(SIGNALS):
            data = {"round_id": round_id, "kind": kind} | (
                {"chars": chars} if kind == "paste" else {}
            )
            await client.send(command("signal.report", data, f"g{round_id}-{number}"))
        await asyncio.sleep(delay / 2)
        if drafts is not None:
            drafts.cancel()
        command_id = f"a{round_id}"
        sent = time.monotonic()
        self.pending[(client.plan.participant_id, command_id)] = ("answer", sent, round_id)
        text = command("answer.submit", {"round_id": round_id, "text": ANSWER_TEXT}, command_id)
        self.result.answer_sent[(round_id, client.plan.participant_id)] = sent
        await client.send(text)

    def spawn_drafts(self, client: Client, round_id: int, delay: float) -> asyncio.Task:
        task = asyncio.create_task(self._drafts(client, round_id, delay))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _drafts(self, client: Client, round_id: int, delay: float) -> None:
        """The unsent answer as it grows, saved every ``DRAFT_EVERY_S`` until the submit."""
        typed = 0
        while True:
            await asyncio.sleep(DRAFT_EVERY_S)
            typed += 1
            share = min(1.0, typed * DRAFT_EVERY_S / delay) if delay else 1.0
            command_id = f"d{round_id}-{typed}"
            sent = time.monotonic()
            self.pending[(client.plan.participant_id, command_id)] = ("draft", sent, round_id)
            text = ANSWER_TEXT[: max(1, int(len(ANSWER_TEXT) * share))]
            await client.send(
                command("answer.draft", {"round_id": round_id, "text": text}, command_id)
            )

    def score_later(self, client: Client, answer_id: int, round_id: int) -> None:
        low, high = self.scenario.score_after_s
        self.spawn(self._score(client, answer_id, round_id, self.random.uniform(low, high)))

    async def _score(self, client: Client, answer_id: int, round_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        data = {"answer_id": answer_id, "score": answer_id % 11, "feedback": FEEDBACK_TEXT}
        command_id = f"s{answer_id}"
        await self.queues[client.plan.session].put(
            ("score", command_id, command("answer.score", data, command_id), round_id)
        )

    async def interviewer_sender(self, client: Client) -> None:
        """One interviewer's commands, in order, at most one per ``command_gap_s``."""
        queue = self.queues[client.plan.session]
        while True:
            what, command_id, text, key = await queue.get()
            sent = time.monotonic()
            self.pending[(client.plan.participant_id, command_id)] = (what, sent, key)
            if what == "score":
                self.result.score_sent[int(command_id[1:])] = sent
            elif what == "close":
                self.result.close_sent[client.plan.session] = sent
            await client.send(text)
            await asyncio.sleep(self.scenario.command_gap_s)

    async def interviewer_rounds(self, client: Client) -> None:
        """Push a question every period, then close the last round."""
        scenario, session = self.scenario, client.session
        queue = self.queues[client.plan.session]
        for k in range(scenario.total_rounds):
            await sleep_until(self.t0 + session.offset_s + k * scenario.period_s)
            question_id = session.question_ids[k % len(session.question_ids)]
            data = {"question_id": question_id, "time_limit_s": scenario.time_limit_s}
            # Pushes jump the queue: they are what the period is about.
            command_id = f"p{session.index}-{k}"
            text = command("question.push", data, command_id)
            sent = time.monotonic()
            self.pending[(client.plan.participant_id, command_id)] = ("push", sent, k)
            await client.send(text)
        await sleep_until(self.t0 + session.offset_s + scenario.total_rounds * scenario.period_s)
        close_id = f"c{session.index}"
        await queue.put(("close", close_id, command("question.close", {}, close_id), 0))

    async def lag_monitor(self, start: float, until: float) -> None:
        """How late this event loop wakes up: the generator's own contribution to latency."""
        tick = 0.01
        while True:
            before = time.monotonic()
            if before >= until:
                return
            await asyncio.sleep(tick)
            if before >= start:
                self.result.lag.append(time.monotonic() - before - tick)

    # --- the phases ---

    async def run(self) -> None:
        scenario = self.scenario
        rate = scenario.connect_rate / self.workers
        started = time.monotonic()
        # Workers start their sockets interleaved, so together they keep the overall rate.
        start_at = started + self.index / scenario.connect_rate
        for i, plan in enumerate(self.plans):
            await sleep_until(start_at + i / rate)
            client = Client(plan, self.sessions[plan.session], self)
            self.clients.append(client)
            self.spawn(client.run())
        await asyncio.wait([c.ready for c in self.clients], timeout=scenario.connect_timeout_s)
        welcomed = time.monotonic()
        self.result.connected = sum(1 for c in self.clients if c.ready.done() and c.ready.result())
        self.result.connect_s = welcomed - started
        self.result.connect_started, self.result.welcomed_at = started, welcomed
        # Presence announcements of everyone who joined after us are still arriving: wait for
        # a second of silence (at most 30 s), so rounds start on a quiet server.
        while True:
            quiet_for = time.monotonic() - self.last_frame_at
            if quiet_for >= 1.0 or time.monotonic() - welcomed >= 30:
                break
            await asyncio.sleep(1.0 - quiet_for)
        self.result.settle_s = time.monotonic() - welcomed
        self.pipe.send(("ready", self.result.connected))
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(None, self.pipe.recv)
        self.t0 = message[1]
        window_start, window_end = scenario.window(self.t0)
        for client in self.clients:
            if client.plan.role == "interviewer" and client.ready.result():
                self.queues[client.plan.session] = asyncio.Queue()
                self.spawn(self.interviewer_rounds(client))
                self.spawn(self.interviewer_sender(client))
        self.spawn(self.lag_monitor(window_start, window_end))
        self.recording = True
        await sleep_until(window_start)
        cpu_before, wall_before = time.process_time(), time.monotonic()
        await sleep_until(window_end)
        self.result.cpu_s = time.process_time() - cpu_before
        self.result.window_s = time.monotonic() - wall_before
        await sleep_until(scenario.recording_end(self.t0))
        self.recording = False
        await self.close_all()
        self.pipe.send(("result", self.result))

    async def close_all(self) -> None:
        """Close every socket normally (1000), a few hundred at a time, then stop the tasks."""
        for client in self.clients:
            client.closing = True
        sockets = [c.ws for c in self.clients if c.ws is not None]
        for start in range(0, len(sockets), 200):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    asyncio.gather(*(ws.close() for ws in sockets[start : start + 200])), 10
                )
        for task in list(self.tasks):
            task.cancel()


async def sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


def _worker_main(
    index: int,
    plan: Plan,
    clients: list[ClientPlan],
    pipe: multiprocessing.connection.Connection,
    workers: int,
) -> None:
    try:
        asyncio.run(Worker(index, plan, clients, pipe, workers).run())
    except BaseException as exc:
        with contextlib.suppress(Exception):
            pipe.send(("crash", f"worker {index}: {type(exc).__name__}: {exc}"))
        raise


# --- the coordinator ------------------------------------------------------------------------


Hook = Callable[[str], None]


@dataclass
class LoadRun:
    """Everything the workers reported, and the coordinator's clock marks."""

    plan: Plan
    results: list[WorkerResult]
    t0: float
    window: tuple[float, float]  # the measured rounds, monotonic
    connect_s: float  # from the first connect to every worker ready (settled)
    worker_pids: list[int]


def run_load(plan: Plan, workers: int, hook: Hook | None = None) -> LoadRun:
    """Play the plan with ``workers`` processes; ``hook`` is called at each phase boundary.

    Phases: ``connect`` (before the first socket), ``connected`` (every socket welcomed and
    quiet), ``measure`` (the first measured round begins), ``measured`` (the last one ends).
    """
    hook = hook or (lambda phase: None)
    scenario = plan.scenario
    shares: list[list[ClientPlan]] = [[] for _ in range(workers)]
    # Round-robin: every worker holds all roles and a slice of every session.
    for client in plan.clients:
        shares[client.index % workers].append(client)
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    hook("connect")
    started = time.monotonic()
    try:
        for index in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_worker_main,
                args=(index, plan, shares[index], theirs, workers),
                name=f"loadgen-{index}",
                daemon=True,
            )
            process.start()
            pipes.append(ours)
            processes.append(process)
        for pipe in pipes:
            _expect(pipe, "ready", scenario.connect_timeout_s + 120)
        connect_s = time.monotonic() - started
        hook("connected")
        t0 = time.monotonic() + 1.0
        for pipe in pipes:
            pipe.send(("start", t0))
        window = scenario.window(t0)
        _sleep_until(window[0])
        hook("measure")
        _sleep_until(window[1])
        hook("measured")
        wait = scenario.recording_end(t0) - time.monotonic() + 120
        results = [_expect(pipe, "result", wait) for pipe in pipes]
        for process in processes:
            process.join(timeout=10)
        return LoadRun(plan, results, t0, window, connect_s, [p.pid or 0 for p in processes])
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def _expect(pipe: multiprocessing.connection.Connection, kind: str, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError(f"no {kind!r} from a load-generator worker within {timeout:.0f} s")
    message = pipe.recv()
    if message[0] == "crash":
        raise RuntimeError(message[1])
    if message[0] != kind:
        raise RuntimeError(f"expected {kind!r} from a worker, got {message[0]!r}")
    return message[1]


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# --- the numbers --------------------------------------------------------------------------


def percentiles(values: Iterable[float]) -> dict[str, float | int | None]:
    """p50/p95/p99/max in milliseconds (nearest rank), and the count."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}

    def rank(q: float) -> float:
        return round(ordered[min(n - 1, max(0, int(q * n + 0.999999) - 1))] * 1000, 2)

    return {"n": n, "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": rank(1.0)}


def summarize(run: LoadRun) -> dict[str, Any]:
    """The scenario's figures: latencies, deliveries, and the generator's own health."""
    plan, scenario = run.plan, run.plan.scenario
    sizes: dict[int, int] = defaultdict(int)
    for client in plan.clients:
        sizes[client.session] += 1
    rounds: dict[int, tuple[int, int]] = {}
    push_sent: dict[int, float] = {}
    answer_sent: dict[tuple[int, int], float] = {}
    score_sent: dict[int, float] = {}
    for result in run.results:
        rounds.update(result.rounds)
        push_sent.update(result.push_sent)
        answer_sent.update(result.answer_sent)
        score_sent.update(result.score_sent)
    first, last = scenario.warmup_rounds + 1, scenario.total_rounds
    measured = {rid for rid, (_, position) in rounds.items() if first <= position <= last}

    latencies: dict[str, list[float]] = {"push": [], "answer_broadcast": [], "score_broadcast": []}
    delivered: dict[str, int] = dict.fromkeys(MEASURED_KINDS, 0)
    for result in run.results:
        for rid, times in result.arrivals[OPENED].items():
            if rid in measured:
                delivered[OPENED] += len(times)
                sent = push_sent.get(rid)
                if sent is not None:
                    latencies["push"].extend(t - sent for t in times)
        for rid, times in result.arrivals[CLOSED].items():
            if rid in measured:
                delivered[CLOSED] += len(times)
        for (rid, pid), times in result.arrivals[SUBMITTED].items():
            if rid in measured:
                delivered[SUBMITTED] += len(times)
                sent = answer_sent.get((rid, pid))
                if sent is not None:
                    latencies["answer_broadcast"].extend(t - sent for t in times)
        for (rid, aid), times in result.arrivals[SCORED].items():
            if rid in measured:
                delivered[SCORED] += len(times)
                sent = score_sent.get(aid)
                if sent is not None:
                    latencies["score_broadcast"].extend(t - sent for t in times)

    per_round = scenario.sessions * scenario.rounds
    people = scenario.clients_per_session
    expected = {
        OPENED: per_round * people,
        CLOSED: per_round * people,
        SUBMITTED: per_round * scenario.candidates * people,
        SCORED: per_round * scenario.candidates * people,
    }
    delivered_total, expected_total = sum(delivered.values()), sum(expected.values())
    window_s = run.window[1] - run.window[0]

    def acks(name: str) -> list[float]:
        return [lat for r in run.results for rid, lat in getattr(r, name) if rid in measured]

    lag = [x for r in run.results for x in r.lag]
    return {
        "scenario": scenario.name,
        "clients": scenario.clients,
        "sessions": scenario.sessions,
        "measured_rounds": scenario.rounds,
        "window_s": round(window_s, 1),
        "connected": sum(r.connected for r in run.results),
        "connect_s": round(run.connect_s, 1),
        # From the first socket opened to the last welcome, any worker: connect_s also counts
        # the workers' start and the wait for quiet after the last welcome.
        "welcomed_s": round(
            max(r.welcomed_at for r in run.results) - min(r.connect_started for r in run.results),
            1,
        ),
        "connect_failures": [f for r in run.results for f in r.failures][:10],
        "presence_events": sum(r.presence_events for r in run.results),
        "push": percentiles(latencies["push"]),
        "push_ack": percentiles(acks("push_acks")),
        "answer_ack": percentiles(acks("answer_acks")),
        "draft_ack": percentiles(acks("draft_acks")),
        "answer_broadcast": percentiles(latencies["answer_broadcast"]),
        "score_broadcast": percentiles(latencies["score_broadcast"]),
        "score_ack": percentiles(acks("score_acks")),
        "delivered": {kind: [delivered[kind], expected[kind]] for kind in MEASURED_KINDS},
        "delivered_total": [delivered_total, expected_total],
        "delivered_ratio": delivered_total / expected_total if expected_total else 0.0,
        "deliveries_per_s": round(delivered_total / window_s, 1) if window_s else 0.0,
        "duplicates": sum(r.duplicates for r in run.results),
        "gaps": sum(r.gaps for r in run.results),
        "commands_refused": [c for r in run.results for c in r.commands_refused][:10],
        "commands_refused_count": sum(len(r.commands_refused) for r in run.results),
        "unexpected_closes": [c for r in run.results for c in r.unexpected_closes][:10],
        "unexpected_closes_count": sum(len(r.unexpected_closes) for r in run.results),
        "reconnects": sum(r.reconnects for r in run.results),
        "loadgen": {
            "workers": len(run.results),
            "lag": percentiles(lag),
            "cpu_percent": [
                round(100 * r.cpu_s / r.window_s, 1) if r.window_s else None for r in run.results
            ],
        },
    }


# --- the unloaded round trip ----------------------------------------------------------------


@dataclass(frozen=True)
class RoundTripPlan:
    """One interviewer opens a round and leaves; one candidate, alone, then times commands."""

    interviewer: ClientPlan
    candidate: ClientPlan
    question_id: int
    origin: str
    count: int = 200
    # Sent first and not counted: the first commands of a socket open connections, fill
    # caches and prepare statements.
    warmup: int = 10
    # Between two sends: more than 20 commands a second from one socket are refused.
    gap_s: float = 0.055
    reply_timeout_s: float = 10.0


def round_trip(plan: RoundTripPlan) -> dict[str, Any]:
    """``answer.submit`` → ``ack`` and ``ping`` → ``pong``, one at a time, in milliseconds."""
    return asyncio.run(_round_trip(plan))


async def _round_trip(plan: RoundTripPlan) -> dict[str, Any]:
    async with _joined(plan, plan.interviewer) as ws:
        data = {"question_id": plan.question_id, "time_limit_s": 3600}
        opened = await _reply(plan, ws, command("question.push", data, "push"), "push")
        round_id = opened["data"]["round_id"]
    answer = {"round_id": round_id, "text": ANSWER_TEXT}
    async with _joined(plan, plan.candidate) as ws:
        submits = await _timed(plan, ws, "answer.submit", answer)
        pings = await _timed(plan, ws, "ping", {})
    return {
        "count": plan.count,
        "warmup": plan.warmup,
        "gap_ms": round(plan.gap_s * 1000),
        "answer_ack": percentiles(submits),
        "pong": percentiles(pings),
    }


@contextlib.asynccontextmanager
async def _joined(plan: RoundTripPlan, seat: ClientPlan) -> AsyncIterator[ClientConnection]:
    async with connect(
        seat.ws_url, origin=Origin(plan.origin), compression=None, ping_interval=None, proxy=None
    ) as ws:
        await ws.send(command("hello", {"token": seat.token, "last_seq": 0}))
        while frame_read(await asyncio.wait_for(ws.recv(), plan.reply_timeout_s)).type != "welcome":
            pass
        yield ws


async def _reply(plan: RoundTripPlan, ws: ClientConnection, text: str, command_id: str) -> dict:
    """Send one command and read until its ``ack`` or ``pong``; a refusal stops the run."""
    await ws.send(text)
    while True:
        frame = frame_read(await asyncio.wait_for(ws.recv(), plan.reply_timeout_s))
        body = frame.body or {}
        if body.get("id") != command_id:
            continue
        if frame.type == "error":
            raise RuntimeError(f"{command_id} refused: {body.get('data')}")
        return body


async def _timed(plan: RoundTripPlan, ws: ClientConnection, kind: str, data: dict) -> list[float]:
    """``warmup + count`` commands of one kind, each sent once the last one was answered and
    the gap passed; the latencies of the last ``count``, in seconds."""
    latencies = []
    next_at = time.monotonic()
    for n in range(plan.warmup + plan.count):
        await sleep_until(next_at)
        command_id = f"{kind}-{n}"
        sent = time.monotonic()
        next_at = sent + plan.gap_s
        await _reply(plan, ws, command(kind, data, command_id), command_id)
        if n >= plan.warmup:
            latencies.append(time.monotonic() - sent)
    return latencies
