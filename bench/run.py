"""``make bench``: load the real stack and a bare baseline with the same clients; write the report.

Per scenario (many sessions, big room) the real server runs on ``scripts/stack``'s topology
(nginx in front of two daphne processes, Redis, PostgreSQL) with its own ``STACK_DIR``
(``var/bench/stack``), free ports, a dedicated database (``interview_bench``, recreated) and
its own Redis prefix, restarted for each scenario; then ``bench/baseline_server.py`` plays
the same scenarios. Then the capacity curve: many sessions at 5, 10 and 25 sessions of 20 on
the stack. Then the unloaded round trip, one client alone: on the stack, on ``make run``
(SQLite in ``var/bench``, the in-memory layer, one daphne process) and on the baseline.
Everything started here is stopped here, also on errors.

    .venv/bin/python bench/run.py                      # all three, about a quarter of an hour
    .venv/bin/python bench/run.py --main               # only the scenarios (--curve,
                                                       #   --round-trip: only those; combinable)
    .venv/bin/python bench/run.py --quick              # a smoke run of all three, small sizes;
                                                       #   writes var/bench/quick-*, not docs/
    .venv/bin/python bench/run.py --compare            # many sessions under each layer/GC setting
    .venv/bin/python bench/run.py --layer core --gc-tune 0

Raw figures go to ``bench/results/*.json`` (main, curve, roundtrip, compare, experiments);
``docs/benchmarks.md`` is rendered from them, so each part keeps the others' last figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import loadgen
import report
from loadgen import ClientPlan, Plan, Scenario, SessionPlan

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
WORK = ROOT / "var" / "bench"
STACK_DIR = WORK / "stack"
RESULTS = Path(__file__).resolve().parent / "results"
DOC = ROOT / "docs" / "benchmarks.md"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/interview_bench"
REDIS_URL = "redis://127.0.0.1:6379/9"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

MANY = Scenario(
    name="many",
    title="Many sessions: 50 sessions x (1 interviewer, 16 candidates, 3 spectators)",
    sessions=50,
    candidates=16,
    spectators=3,
    warmup_rounds=1,
    rounds=4,
    connect_timeout_s=120.0,
)
# Every scenario is many sessions' shape with the differences it names.
SCENARIOS = {
    "many": MANY,
    # Not in the issue: the many-sessions fan-out (about 3,400 deliveries a second) with a
    # fifth of its commands, for comparing channel layers where the database is not the limit.
    "fanout": replace(
        MANY,
        name="fanout",
        title="Fan-out: 10 sessions x (1 interviewer, 16 candidates, 83 spectators)",
        sessions=10,
        spectators=83,
    ),
    # Not in the issue: many sessions at 25, where the targets start to be missed; the what-ifs
    # (``--experiment``) compare tunings here, where a change still shows.
    "edge": replace(
        MANY,
        name="edge",
        title="At the edge: 25 sessions x (1 interviewer, 16 candidates, 3 spectators)",
        sessions=25,
        rounds=3,
    ),
    "big": replace(
        MANY,
        name="big",
        title="Big room: 1 session, 1 interviewer, 50 candidates, 2,000 spectators",
        sessions=1,
        candidates=50,
        spectators=2000,
        rounds=3,
        connect_timeout_s=150.0,
    ),
}
QUICK = {
    "many": replace(SCENARIOS["many"], sessions=5, rounds=2, title="Many sessions (quick): 5 x 20"),
    "fanout": replace(SCENARIOS["fanout"], sessions=2, rounds=2, title="Fan-out (quick): 2 x 100"),
    "big": replace(
        SCENARIOS["big"], candidates=10, spectators=200, rounds=2, title="Big room (quick): 211"
    ),
}
CONFIGS = [("core", "0"), ("core", "1"), ("pubsub", "0"), ("pubsub", "1")]

# The capacity curve: many sessions at fewer sessions of the same 20 (the 50 point is the main
# run's). Three measured rounds instead of four keep `make bench` within a quarter of an hour.
CURVE = [
    replace(SCENARIOS["many"], sessions=n, rounds=3, title=f"Many sessions at {n} x 20")
    for n in (5, 10, 25)
]
QUICK_CURVE = [
    replace(SCENARIOS["many"], sessions=n, rounds=1, title=f"Many sessions (quick) at {n} x 20")
    for n in (1, 2)
]
# The unloaded round trip: one interviewer opens a round and leaves, one candidate times
# commands alone. (count, warmup) per command kind.
ROUND_TRIP = Scenario(
    name="roundtrip", title="Unloaded round trip", sessions=1, candidates=1, spectators=0
)
ROUND_TRIP_COUNTS = (200, 10)
QUICK_ROUND_TRIP_COUNTS = (20, 3)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- processes: CPU and memory from /proc ---------------------------------------------------


def proc_stat(pid: int) -> tuple[int, int, int] | None:
    """(utime+stime, cutime+cstime, rss KiB) of a process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    own = int(fields[11]) + int(fields[12])
    children = int(fields[13]) + int(fields[14])
    rss = next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:"), 0)
    return own, children, rss


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def system_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Group:
    """Processes counted together: CPU of the live ones (plus reaped children, for a parent
    such as PostgreSQL's postmaster that forks a process per connection) and their RSS."""

    name: str
    pids: list[int]
    with_children: bool = False

    def sample(self) -> tuple[int, int]:
        cpu = rss = 0
        pids = list(self.pids)
        if self.with_children:
            pids += [c for p in self.pids for c in children_of(p)]
        for index, pid in enumerate(pids):
            stat = proc_stat(pid)
            if stat is None:
                continue
            cpu += stat[0] + (stat[1] if self.with_children and index < len(self.pids) else 0)
            rss += stat[2]
        return cpu, rss


class Sampler:
    """Snapshots of CPU ticks and RSS per group at each phase of a load run."""

    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        self.marks: dict[str, dict[str, tuple[int, int]]] = {}
        self.times: dict[str, float] = {}

    def __call__(self, phase: str) -> None:
        self.times[phase] = time.monotonic()
        self.marks[phase] = {g.name: g.sample() for g in self.groups}
        self.marks[phase]["machine"] = system_ticks()

    def figures(self, connections: int) -> dict[str, Any]:
        seconds = self.times["measured"] - self.times["measure"]
        out: dict[str, Any] = {"cpu_percent": {}, "rss_mb": {}, "kb_per_connection": {}}
        for group in [g.name for g in self.groups]:
            ticks = self.marks["measured"][group][0] - self.marks["measure"][group][0]
            out["cpu_percent"][group] = round(100 * ticks / CLOCK_TICK / seconds, 1)
            before, connected = self.marks["connect"][group][1], self.marks["connected"][group][1]
            out["rss_mb"][group] = [round(before / 1024, 1), round(connected / 1024, 1)]
            out["kb_per_connection"][group] = round((connected - before) / connections, 1)
        busy = self.marks["measured"]["machine"][0] - self.marks["measure"]["machine"][0]
        total = self.marks["measured"]["machine"][1] - self.marks["measure"]["machine"][1]
        cores = os.cpu_count() or 1
        out["machine_busy_percent"] = round(100 * cores * busy / total, 1) if total else None
        return out


def redis_pid() -> int | None:
    import redis

    with contextlib.suppress(Exception):
        return int(redis.Redis.from_url(REDIS_URL).info("server")["process_id"])
    return None


def postgres_pid() -> int | None:
    """The postmaster: the oldest process named postgres without a postgres parent."""
    for entry in sorted(
        Path("/proc").iterdir(), key=lambda e: int(e.name) if e.name.isdigit() else 0
    ):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    cmdline = (entry / "cmdline").read_bytes()
                    if b"-D" in cmdline or b"config_file" in cmdline:
                        return int(entry.name)
    return None


# --- the real stack -----------------------------------------------------------------------


class Stack:
    """``scripts/stack`` under ``var/bench/stack`` on free ports, with one layer setting."""

    def __init__(self, layer: str, gc_tune: str, experiment: str = "") -> None:
        self.layer, self.gc_tune, self.experiment = layer, gc_tune, experiment
        self.port = free_port()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            STACK_DIR=str(STACK_DIR),
            STACK_PORT=str(self.port),
            STACK_WEB_PORTS="0 0",
            DATABASE_URL=DATABASE_URL,
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=f"bench{secrets.token_hex(3)}",
            JOIN_RATE="1000000/min",
            # One interviewer opens every session of the load.
            SESSION_CREATE_RATE="1000000/min",
            MAX_LIVE_SESSIONS_PER_USER="1000000",
            CHANNEL_LAYER=layer,
            GC_TUNE=gc_tune,
        )
        if experiment:
            # What-if runs only: the server's settings plus bench/experiment_settings.py.
            self.env.update(
                DJANGO_SETTINGS_MODULE="bench.experiment_settings",
                BENCH_EXPERIMENTS=experiment,
            )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        STACK_DIR.mkdir(parents=True, exist_ok=True)
        self.script("stop", check=False)
        extra = f", experiment {self.experiment}" if self.experiment else ""
        log(f"stack: starting (CHANNEL_LAYER={self.layer}, GC_TUNE={self.gc_tune}{extra})")
        self.script("start")

    def stop(self) -> None:
        self.script("stop", check=False)

    def script(self, action: str, check: bool = True) -> None:
        done = subprocess.run(
            [str(ROOT / "scripts" / "stack"), action],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"scripts/stack {action} failed:\n{done.stdout}\n{done.stderr}")

    def web_pids(self) -> list[int]:
        return [int((STACK_DIR / f"web{n}.pid").read_text()) for n in (1, 2)]

    def nginx_pids(self) -> list[int]:
        master = int((STACK_DIR / "nginx.pid").read_text())
        return [master, *children_of(master)]

    def manage(self, *args: str) -> str:
        env = dict(self.env, SECRET_KEY=(STACK_DIR / "secret-key").read_text().strip(), DEBUG="0")
        done = subprocess.run(
            [str(PYTHON), "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout


# Settings (server/settings.py, asgi.py) that would take `make run` off its embedded defaults:
# unset, each falls back to them.
SERVER_VARIABLES = (
    "ALLOWED_HOSTS",
    "CHANNEL_LAYER",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_POOL_SIZE",
    "DB_THREADS",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "GC_TUNE",
    "JOIN_RATE",
    "NUM_PROXIES",
    "REDIS_PREFIX",
    "REDIS_URL",
    "SECRET_KEY",
    "TEST_DATABASE_NAME",
)


class Embedded:
    """``make run`` on a free port: SQLite (a throwaway file under ``var/bench``), the
    in-memory channel layer, one daphne process; ``make interviewer``'s account."""

    def __init__(self) -> None:
        self.port = free_port()
        self.database = WORK / "run.sqlite3"
        self.log = WORK / "run.log"
        self.env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
        self.env["DATABASE_URL"] = f"sqlite:///{self.database}"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        for path in WORK.glob(f"{self.database.name}*"):  # the file, its -wal and -shm
            path.unlink()
        log("make run: starting (SQLite, in-memory channel layer, one daphne process)")
        with self.log.open("w") as out:
            # A process group of its own: make and the daphne it starts stop together.
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={self.port}"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run exited with {self.process.returncode}: {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"make run: nothing healthy on port {self.port} in 180 s: {self.log}")

    def stop(self) -> None:
        """Stop make and its daphne: the process group this started, by its id."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def manage(self, *args: str) -> str:
        # DEBUG=1 as the Makefile's targets set it.
        done = subprocess.run(
            [str(PYTHON), "manage.py", *args],
            cwd=ROOT,
            env=dict(self.env, DEBUG="1"),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout


def reset_database() -> None:
    """Drop and recreate nothing but the benchmark's own database: every run starts empty."""
    import psycopg

    url = urlsplit(DATABASE_URL)
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.path.lstrip("/")}" WITH (FORCE)')


class Api:
    """A small JSON client of the HTTP API, one keep-alive connection per thread."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = token
        self.local = threading.local()

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=60
                )
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
            return json.loads(payload)
        raise AssertionError("unreachable")


def plan_real(
    base_url: str, scenario: Scenario, interviewer_token: str, *, spread_spectators: bool = True
) -> Plan:
    """Sessions and seats through the HTTP API, as a front end would get them."""
    api = Api(base_url, interviewer_token)
    bank = api.request("GET", "/api/questions/?page=1")
    question_ids = tuple(q["id"] for q in bank["results"])
    offsets = loadgen.session_offsets(scenario)
    sessions: list[SessionPlan] = []
    clients: list[ClientPlan] = []
    ws_urls: dict[int, str] = {}
    for index in range(scenario.sessions):
        created = api.request(
            "POST",
            "/api/sessions/",
            {"title": f"bench {scenario.name} {index}", "time_limit_s": 60},
        )
        sessions.append(SessionPlan(index, created["code"], question_ids, offsets[index]))
        ws_urls[index] = created["ws_url"]
        clients.append(
            ClientPlan(
                0,
                index,
                "interviewer",
                created["participant_id"],
                created["interviewer_token"],
                created["ws_url"],
            )
        )
    joins = [
        (index, role, f"{role[:4]}-{n:04d}")
        for index in range(scenario.sessions)
        for role, count in (("candidate", scenario.candidates), ("spectator", scenario.spectators))
        for n in range(count)
    ]
    anonymous = Api(base_url)

    def join(item: tuple[int, str, str]) -> ClientPlan:
        index, role, name = item
        seat = anonymous.request(
            "POST",
            f"/api/sessions/{sessions[index].code}/join",
            {"display_name": name, "role": role},
        )
        url = seat["ws_url"]
        if role == "spectator" and spread_spectators:  # as the watch page does
            url = url.replace("/ws/sessions/", "/ws/watch/")
        return ClientPlan(0, index, role, seat["participant_id"], seat["token"], url)

    with ThreadPoolExecutor(8) as pool:
        clients += list(pool.map(join, joins))
    return Plan(scenario, sessions, _numbered(clients), origin=base_url)


def _numbered(clients: list[ClientPlan]) -> list[ClientPlan]:
    """Number the clients so that each session's seats spread over the workers."""
    clients = sorted(clients, key=lambda c: (c.role != "interviewer", c.session, c.participant_id))
    return [replace(c, index=i) for i, c in enumerate(clients)]


def plan_baseline(port: int, scenario: Scenario) -> Plan:
    """The same seats, with tokens fabricated the way the baseline server trusts them."""
    base = f"ws://127.0.0.1:{port}/ws/sessions"
    offsets = loadgen.session_offsets(scenario)
    sessions, clients = [], []
    ids = iter(range(1, 10**7))
    question_ids = tuple(range(1, 21))
    for index in range(scenario.sessions):
        code = f"B{index:05d}"
        sessions.append(SessionPlan(index, code, question_ids, offsets[index]))
        roles = (
            ["interviewer"]
            + ["candidate"] * scenario.candidates
            + ["spectator"] * scenario.spectators
        )
        for role in roles:
            pid = next(ids)
            token = f"bench.{role}.{pid}.{secrets.token_urlsafe(16)}"
            clients.append(ClientPlan(0, index, role, pid, token, f"{base}/{code}/"))
    return Plan(scenario, sessions, _numbered(clients), origin=f"http://127.0.0.1:{port}")


# --- one scenario on one server -------------------------------------------------------------


NOISY_PERCENT = 30.0


@dataclass
class Patience:
    """How long a run waits for a quiet machine, and how often it measures again when it was
    not: a smoke run (``--quick``) checks the code, not the figures, and does neither."""

    tries: int = 2
    quiet_wait_s: float = 90.0


PATIENCE = Patience()


def quietest(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a measurement again when the machine's other users took a large share of it.

    Two cores are shared with whoever else works on this machine; a test suite started in the
    middle of a run moves every latency. Keeps the run with the smallest outside share.
    """
    best: dict[str, Any] | None = None
    tries = PATIENCE.tries
    for attempt in range(tries):
        figures = run()
        figures["attempt"] = attempt + 1
        if best is None or figures.get("others_percent", 0) < best.get("others_percent", 0):
            best = figures
        if figures.get("others_percent", 0) <= NOISY_PERCENT:
            break
        if attempt + 1 < tries:
            log(f"others took {figures.get('others_percent')}% of a core meanwhile: once more")
    assert best is not None
    return best


def run_on_stack(
    scenario: Scenario, layer: str, gc_tune: str, workers: int, experiment: str = ""
) -> dict[str, Any]:
    return quietest(lambda: _run_on_stack(scenario, layer, gc_tune, workers, experiment))


def _run_on_stack(
    scenario: Scenario, layer: str, gc_tune: str, workers: int, experiment: str = ""
) -> dict[str, Any]:
    stack = Stack(layer, gc_tune, experiment)
    try:
        stack.start()
        token = stack.manage("createinterviewer", "bench").strip().splitlines()[-1]
        started = time.monotonic()
        plan = plan_real(
            stack.base_url, scenario, token, spread_spectators="spectators-hashed" not in experiment
        )
        setup_s = time.monotonic() - started
        log(f"{scenario.name}: {len(plan.clients)} seats through the HTTP API in {setup_s:.1f} s")
        groups = [
            Group("daphne", stack.web_pids()),
            Group("nginx", stack.nginx_pids()),
        ]
        if (pid := redis_pid()) is not None:
            groups.append(Group("redis", [pid]))
        if (pid := postgres_pid()) is not None:
            groups.append(Group("postgres", [pid], with_children=True))
        figures = play(plan, workers, groups)
        figures["http_setup_s"] = round(setup_s, 1)
        figures["server"] = {"layer": layer, "gc_tune": gc_tune, "experiment": experiment}
        return figures
    finally:
        stack.stop()


def run_on_baseline(scenario: Scenario, workers: int) -> dict[str, Any]:
    return quietest(lambda: _run_on_baseline(scenario, workers))


def _run_on_baseline(scenario: Scenario, workers: int) -> dict[str, Any]:
    with baseline_server() as (port, pid):
        plan = plan_baseline(port, scenario)
        figures = play(plan, workers, [Group("baseline", [pid])])
        figures["server"] = {"baseline": True}
        return figures


@contextlib.contextmanager
def baseline_server() -> Iterator[tuple[int, int]]:
    """``bench/baseline_server.py`` on a free port: (port, pid), stopped on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [str(PYTHON), str(Path(__file__).with_name("baseline_server.py")), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        if "listening" not in server.stdout.readline():
            raise RuntimeError("the baseline server did not start")
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def machine_busy(seconds: float = 2.0) -> float:
    """How busy the whole machine is, in percent of one core, over ``seconds``."""
    busy, total = system_ticks()
    time.sleep(seconds)
    busy2, total2 = system_ticks()
    return 100 * (os.cpu_count() or 1) * (busy2 - busy) / max(1, total2 - total)


def wait_for_quiet(threshold: float = 40.0) -> float:
    """Wait until the machine's other users leave it mostly idle (``PATIENCE`` says how long).

    The server and the load generator share two cores: someone else's test suite running
    beside them moves every latency. Returns the busy percentage finally seen.
    """
    deadline = time.monotonic() + PATIENCE.quiet_wait_s
    busy = machine_busy()
    while busy > threshold and time.monotonic() < deadline:
        log(f"machine busy at {busy:.0f}% of a core before any load: waiting for quiet")
        busy = machine_busy(5.0)
    return round(busy, 1)


def play(plan: Plan, workers: int, groups: list[Group]) -> dict[str, Any]:
    scenario = plan.scenario
    idle_busy = wait_for_quiet()
    sampler = Sampler(groups)
    log(
        f"{scenario.name}: connecting {len(plan.clients)} clients with {workers} workers, "
        f"then {scenario.warmup_rounds}+{scenario.rounds} rounds of {scenario.period_s:.0f} s"
    )
    run = loadgen.run_load(plan, workers, sampler)
    figures = loadgen.summarize(run)
    figures.update(sampler.figures(max(1, figures["connected"])))
    loadgen_cpu = sum(p for p in figures["loadgen"]["cpu_percent"] if p)
    figures["loadgen"]["cpu_total_percent"] = round(loadgen_cpu, 1)
    figures["busy_before_percent"] = idle_busy
    if figures["machine_busy_percent"] is not None:
        ours = sum(figures["cpu_percent"].values()) + loadgen_cpu
        figures["others_percent"] = round(max(0.0, figures["machine_busy_percent"] - ours), 1)
    print_summary(figures)
    return figures


def print_summary(f: dict[str, Any]) -> None:
    def p(name: str) -> str:
        m = f[name]
        return f"p50 {m['p50']} p99 {m['p99']} max {m['max']} ms"

    delivered, expected = f["delivered_total"]
    log(
        f"  push {p('push')} | ack {p('answer_ack')} | score {p('score_broadcast')} | "
        f"delivered {delivered}/{expected} | cpu {f['cpu_percent']} | "
        f"KB/conn {f['kb_per_connection']} | lag p99 {f['loadgen']['lag']['p99']} ms | "
        f"loadgen cpu {f['loadgen']['cpu_percent']} | refused {f['commands_refused_count']} "
        f"closes {f['unexpected_closes_count']} dup {f['duplicates']} gaps {f['gaps']}"
    )


# --- the capacity curve and the unloaded round trip ------------------------------------------


def run_curve(points: list[Scenario], layer: str, gc_tune: str, workers: int) -> dict[str, Any]:
    """Many sessions at each size, on the stack only: {sessions: figures}."""
    return {str(s.sessions): run_on_stack(s, layer, gc_tune, workers) for s in points}


def run_round_trips(layer: str, gc_tune: str, count: int, warmup: int) -> dict[str, Any]:
    """The round trip on ``make stack`` (through nginx), on ``make run``, on the baseline."""
    figures: dict[str, Any] = {}
    for key, server in (("stack", Stack(layer, gc_tune)), ("run", Embedded())):
        try:
            server.start()
            token = server.manage("createinterviewer", "bench").strip().splitlines()[-1]
            plan = plan_real(server.base_url, ROUND_TRIP, token)
            figures[key] = measure_round_trip(f"make {key}", plan, count, warmup)
        finally:
            server.stop()
    with baseline_server() as (port, _):
        plan = plan_baseline(port, ROUND_TRIP)
        figures["baseline"] = measure_round_trip("baseline", plan, count, warmup)
    return figures


def measure_round_trip(where: str, plan: Plan, count: int, warmup: int) -> dict[str, Any]:
    interviewer, candidate = plan.clients  # numbered with the interviewer first
    wait_for_quiet()
    busy, total = system_ticks()
    figures = loadgen.round_trip(
        loadgen.RoundTripPlan(
            interviewer,
            candidate,
            plan.sessions[0].question_ids[0],
            plan.origin,
            count=count,
            warmup=warmup,
        )
    )
    busy2, total2 = system_ticks()
    cores = os.cpu_count() or 1
    figures["machine_busy_percent"] = round(100 * cores * (busy2 - busy) / max(1, total2 - total))
    ack, pong = figures["answer_ack"], figures["pong"]
    log(
        f"round trip on {where}: answer ack p50 {ack['p50']} p99 {ack['p99']} ms | "
        f"pong p50 {pong['p50']} p99 {pong['p99']} ms | machine busy "
        f"{figures['machine_busy_percent']}%"
    )
    return figures


# --- the machine --------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    """The machine and the versions of everything measured."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {"python": platform.python_version()}
    for package in (
        "django",
        "channels",
        "channels-redis",
        "daphne",
        "twisted",
        "redis",
        "psycopg",
        "websockets",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    with contextlib.suppress(Exception):
        import redis

        versions["redis-server"] = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    with contextlib.suppress(Exception):
        import psycopg

        admin = urlsplit(DATABASE_URL)._replace(path="/postgres").geturl()
        with psycopg.connect(admin) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            versions["postgresql"] = row[0] if row else "?"
    with contextlib.suppress(Exception):
        nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
        versions["nginx"] = nginx.stderr.strip().split("/")[-1]
    import resource

    commit = "?"
    with contextlib.suppress(Exception):
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--", "interview", "server", "asgi.py", "scripts"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if changed:
            commit += " (with uncommitted changes to the server)"
    return {
        "commit": commit,
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "open_files": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


# --- main -------------------------------------------------------------------------------------


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Turn SIGTERM into an exception, so the ``finally`` clauses stop what was started."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load benchmark of the live-session server.")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (no docs)")
    parser.add_argument("--layer", choices=["core", "pubsub"], default=report.CHOSEN_LAYER)
    parser.add_argument("--gc-tune", choices=["0", "1"], default=report.CHOSEN_GC_TUNE)
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument(
        "--compare", action="store_true", help="the scenarios under every layer and GC setting"
    )
    parser.add_argument(
        "--configs", default="", help="with --compare: only these, e.g. pubsub/gc1,core/gc1"
    )
    parser.add_argument(
        "--experiment",
        default="",
        help="what-if: run the server with bench/experiment_settings.py's NAME[,NAME]",
    )
    parser.add_argument(
        "--scenarios",
        default="many,big",
        help="comma-separated: many, big, fanout, edge (default many,big)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    parser.add_argument(
        "--main", action="store_true", help="only the scenarios (and their baseline)"
    )
    parser.add_argument(
        "--curve", action="store_true", help="only the capacity curve: many sessions at 5-25"
    )
    parser.add_argument("--round-trip", action="store_true", help="only the unloaded round trips")
    args = parser.parse_args(argv)
    if not (args.main or args.curve or args.round_trip or args.compare or args.experiment):
        args.main = args.curve = args.round_trip = True
    return args


def repeated(path: Path, key: str, scenarios: list[str]) -> str:
    """``key``, or ``key #n`` when these scenarios were measured under it already: a what-if is
    worth only as much as the spread of runs of the same server, so every run is kept."""
    known = json.loads(path.read_text())["configs"] if path.exists() else {}
    number, candidate = 1, key
    while any(name in known.get(candidate, {}) for name in scenarios):
        number += 1
        candidate = f"{key} #{number}"
    return candidate


def merge(path: Path, meta: dict[str, Any], key: str, runs: dict[str, Any]) -> dict[str, Any]:
    """Add or replace one configuration's runs in a results file kept across invocations."""
    results = json.loads(path.read_text()) if path.exists() else {"configs": {}}
    results["meta"] = meta
    # Each run keeps when and on which commit it was measured: rows of one file can differ.
    stamp = f"{meta.get('date', '?')[:10]}, {meta.get('commit', '?')}"
    for figures in runs.values():
        figures["measured"] = stamp
    results["configs"].setdefault(key, {}).update(runs)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    table = QUICK if args.quick else SCENARIOS
    if args.quick:
        PATIENCE.tries, PATIENCE.quiet_wait_s = 1, 0.0
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    meta = environment()
    meta["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta["workers"] = args.workers
    meta["layer"], meta["gc_tune"] = args.layer, args.gc_tune
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    folder = WORK if args.quick else RESULTS
    prefix = "quick-" if args.quick else ""

    def save(name: str, results: dict[str, Any], started: float) -> None:
        results["meta"]["duration_s"] = round(time.monotonic() - started)
        path = folder / f"{prefix}{name}.json"
        path.write_text(json.dumps(results, indent=1) + "\n")
        log(f"figures in {path.relative_to(ROOT)} ({results['meta']['duration_s']} s)")

    with stopping_on_signals():
        reset_database()
        if args.compare:
            started = time.monotonic()
            path = folder / f"{prefix}compare.json"
            meta["scenarios"] = {name: asdict(table[name]) for name in names}
            wanted = [c.strip() for c in args.configs.split(",") if c.strip()]
            for layer, gc_tune in CONFIGS:
                if wanted and f"{layer}/gc{gc_tune}" not in wanted:
                    continue
                runs = {n: run_on_stack(table[n], layer, gc_tune, args.workers) for n in names}
                results = merge(path, meta, f"{layer}/gc{gc_tune}", runs)
                save("compare", results, started)
        if args.experiment:
            started = time.monotonic()
            path = folder / f"{prefix}experiments.json"
            meta["scenarios"] = {name: asdict(table[name]) for name in names}
            runs = {
                n: run_on_stack(table[n], args.layer, args.gc_tune, args.workers, args.experiment)
                for n in names
            }
            key = repeated(path, f"{args.experiment} ({args.layer}/gc{args.gc_tune})", names)
            save("experiments", merge(path, meta, key, runs), started)
        if args.main:
            started = time.monotonic()
            runs: dict[str, dict[str, Any]] = {}
            for name in names:
                runs[name] = {
                    "server": run_on_stack(table[name], args.layer, args.gc_tune, args.workers)
                }
            if not args.no_baseline:
                for name in names:
                    runs[name]["baseline"] = run_on_baseline(table[name], args.workers)
            part = dict(meta, scenarios={name: asdict(table[name]) for name in names})
            save("main", {"meta": part, "runs": runs}, started)
        if args.curve:
            started = time.monotonic()
            points = QUICK_CURVE if args.quick else CURVE
            curve = run_curve(points, args.layer, args.gc_tune, args.workers)
            part = dict(meta, scenarios={str(s.sessions): asdict(s) for s in points})
            part["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            save("curve", {"meta": part, "points": curve}, started)
        if args.round_trip:
            started = time.monotonic()
            count, warmup = QUICK_ROUND_TRIP_COUNTS if args.quick else ROUND_TRIP_COUNTS
            setups = run_round_trips(args.layer, args.gc_tune, count, warmup)
            part = dict(meta, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
            save("roundtrip", {"meta": part, "setups": setups}, started)
    if args.quick:
        page = WORK / "quick-benchmarks.md"
        report.write(page, WORK, prefix="quick-")
        log(f"report of the quick run in {page.relative_to(ROOT)} (docs/ left alone)")
    else:
        report.write(DOC, RESULTS)
        log(f"report in {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
