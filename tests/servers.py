"""Real daphne processes for tests across processes, and a protocol client over real sockets.

``DaphneServer`` runs ``python -m server.run asgi:application`` (daphne, as every server of
this project starts) on a free port, with the test's Redis and
the test's own database (``database_url_for_servers``), and logs to a file for debugging.
``Peer`` is one participant's WebSocket to one of those processes; it records every frame, so
a test can check which events a socket received, in which order, and that none came twice.
"""

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .frames import Frames

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"Listening on TCP address [\d.]+:(\d+)")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 3.0


def service_missing(message: str) -> None:
    """Skip the test locally; under CI, where nothing may be skipped silently, fail it."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def database_url_for_servers(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` naming the database this test runs on, for a server subprocess.

    Read from the live connection's settings, so it is the test database pytest-django
    created (its ``TEST.NAME``, with any per-worker suffix), not the development one.
    """
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            service_missing(
                "The test database is SQLite in memory, which a server process cannot open: "
                "set TEST_DATABASE_NAME to a file path (`make test` does)."
            )
        return "sqlite:///" + os.path.abspath(name)
    if engine in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        auth = quote(settings_dict.get("USER") or "", safe="")
        if settings_dict.get("PASSWORD"):
            auth += ":" + quote(settings_dict["PASSWORD"], safe="")
        host = quote(settings_dict.get("HOST") or "localhost", safe="")
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{quote(name, safe='')}"
    service_missing(f"Server processes are not supported on the database engine {engine}.")
    raise AssertionError("unreachable")


_OWN_PREFIX = f"test-processes-{os.getpid()}-{secrets.token_hex(3)}"


def redis_prefix() -> str:
    """The key prefix of this test run in Redis: the test process's, else one of its own.

    Never the settings' default, so flushing it cannot touch a development server's keys.
    """
    return os.environ.get("REDIS_PREFIX") or _OWN_PREFIX


def redis_flush(redis_url: str, prefix: str) -> int:
    """Delete every key of this prefix (channel layer and cache); how many there were."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def server_environment(*, database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    """The environment of a server process sharing the test's database and Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TEST_DATABASE_NAME", "PYTEST_CURRENT_TEST")
    }
    env.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or "test-secret-key-not-for-production",
        DEBUG="0",
        # Plain HTTP: a browser would not send Secure sign-in and CSRF cookies back.
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REDIS_PREFIX=prefix,
        DJANGO_SETTINGS_MODULE="server.settings",
        # The "Listening on" line, which tells the port, is logged at INFO.
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def makefile_variable(name: str) -> str:
    """A variable of the Makefile (``NAME := value``, continued lines joined)."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith(f"{name} :="):
            return " ".join(line.split(":=", 1)[1].split())
    raise AssertionError(f"{name} is missing from the Makefile")


# What every daphne of this project runs with.
DAPHNE_FLAGS = makefile_variable("DAPHNE_FLAGS").split()
DAPHNE_BACKLOG = int(makefile_variable("DAPHNE_BACKLOG"))


def daphne_command() -> list[str]:
    """How this project starts daphne: through ``server/run.py``."""
    return [sys.executable, "-m", "server.run"]


class DaphneServer:
    """One ``python -m server.run asgi:application`` process on 127.0.0.1, on a port of its
    choosing."""

    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = log_dir / f"daphne-{name}.log"
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    def __repr__(self) -> str:
        return f"<DaphneServer {self.name} port={self.port} log={self.log_path}>"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, code: str, path: str = "sessions") -> str:
        """The session's socket; ``path`` "watch" for the spectators' one."""
        return f"ws://127.0.0.1:{self.port}/ws/{path}/{code}/"

    def start(self) -> None:
        """Launch the process; ``wait_ready`` then waits until it serves."""
        command = [
            *daphne_command(),
            "-e",
            f"tcp:port=0:interface=127.0.0.1:backlog={DAPHNE_BACKLOG}",
            *DAPHNE_FLAGS,
            "asgi:application",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Wait for the port in the log, then for ``/healthz`` to answer 200."""
        deadline = time.monotonic() + timeout
        while self.port is None:
            found = LISTENING.search(self.log())
            if found:
                self.port = int(found.group(1))
                break
            self._check_alive(deadline, "to listen")
            time.sleep(0.05)
        while not self._healthy():
            self._check_alive(deadline, "to answer /healthz with 200")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.http_url}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _check_alive(self, deadline: float, waiting_for: str) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(
                f"daphne {self.name} exited with {self.process.returncode} before it started; "
                f"its log ({self.log_path}):\n{self.log_tail()}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"daphne {self.name} did not start {waiting_for}; its log ({self.log_path}):\n"
                f"{self.log_tail()}"
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """``kill -9``: no clean-up, no close frames, sockets left behind in the database."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM); ``stop`` waits and kills it if it lingers."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """SIGTERM, then SIGKILL after ``timeout`` s; whether it exited of its own accord."""
        self.terminate()
        if self.process is None:
            return True
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return False
        return True

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


@contextlib.contextmanager
def running_servers(
    count: int, *, env: dict[str, str], log_dir: Path
) -> Iterator[list[DaphneServer]]:
    """``count`` servers started side by side, stopped afterwards whatever happened."""
    servers = [DaphneServer(chr(ord("a") + i), env=env, log_dir=log_dir) for i in range(count)]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            if not server.stop():
                print(f"daphne {server.name} ignored SIGTERM for {STOP_TIMEOUT_S} s: killed it")
            # Shown by pytest only when the test failed: what each server said.
            print(f"--- {server!r}, last lines ---\n{server.log_tail()}")


@contextlib.contextmanager
def one_server(redis_url: str, log_dir: Path) -> Iterator[DaphneServer]:
    """One daphne on the test's database and Redis, as in production; Redis flushed after.

    Every client of a test joins from 127.0.0.1: the per-address join limit is for
    strangers, not tests.
    """
    prefix = redis_prefix()
    env = server_environment(
        database_url=database_url_for_servers(connection.settings_dict),
        redis_url=redis_url,
        prefix=prefix,
    )
    env["JOIN_RATE"] = "1000/min"
    try:
        with running_servers(1, env=env, log_dir=log_dir) as (daphne,):
            yield daphne
    finally:
        redis_flush(redis_url, prefix)


# --- a participant's socket -----------------------------------------------------------------


class ClosedError(Exception):
    def __init__(self, code: int, peer: object = None) -> None:
        super().__init__(f"{peer or 'socket'} closed with {code}")
        self.code = code


class Peer(Frames):
    """One participant's WebSocket to one server process, speaking the protocol."""

    # The websockets library's keepalive; a test with a thousand sockets in one process may
    # turn it off so its own busy event loop does not count as a dead server.
    ping_interval: float | None = 20

    def __init__(
        self, server: DaphneServer, code: str, token: str, *, name: str = "", path: str = "sessions"
    ) -> None:
        super().__init__()
        self.server = server
        self.code = code
        self.token = token
        self.name = name
        self.path = path
        self.ws: ClientConnection | None = None
        self.close_code: int | None = None
        self.welcome: dict | None = None

    async def hello(self, last_seq: int = 0, *, timeout: float = 10) -> dict:
        """Connect, say hello, and return the welcome."""
        self.ws = await connect(
            self.server.ws_url(self.code, self.path),
            origin=self.server.http_url,
            open_timeout=timeout,
            ping_interval=self.ping_interval,
            # Read the socket always, as a browser does. With the library's default, frames a
            # test has not asked for yet (presence, others' events) stop it reading at 16,
            # so the server's pings go unanswered and it drops the socket after 35 s (1006).
            max_queue=None,
        )
        await self.send_json({"type": "hello", "data": {"token": self.token, "last_seq": last_seq}})
        self.welcome = await self.next("welcome", timeout=timeout)
        return self.welcome

    async def send_json(self, frame: dict) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(frame))

    async def _receive(self, timeout: float) -> dict:
        assert self.ws is not None
        if self.close_code is not None:
            raise ClosedError(self.close_code, self)
        try:
            # Cancelling recv loses nothing: the next call returns the same message.
            text = await asyncio.wait_for(self.ws.recv(), max(timeout, 0.01))
        except ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd is not None else 1006
            raise ClosedError(self.close_code, self) from None
        return self.record(text)

    async def collect(self, seconds: float) -> list[dict]:
        """Everything unread plus all that arrives within ``seconds``; the socket must stay open."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        with contextlib.suppress(TimeoutError):
            while loop.time() < deadline:
                self.unread.append(await self._receive(deadline - loop.time()))
        unread, self.unread = self.unread, []
        return unread

    async def drain(self, settle: float = 0.3) -> list[dict]:
        """Read until nothing arrives for ``settle`` s; return what was unread. Stays open."""
        with contextlib.suppress(TimeoutError):
            while True:
                self.unread.append(await self._receive(settle))
        unread, self.unread = self.unread, []
        return unread

    async def gone(self, timeout: float = 10) -> int:
        """Wait until the connection is lost (its server died or closed it); the close code."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.close_code is None:
            try:
                self.unread.append(await self._receive(deadline - loop.time()))
            except ClosedError:
                break
        return self.close_code

    @property
    def last_seq(self) -> int:
        """The highest seq this socket saw: what a client resumes from."""
        return max((frame["seq"] for frame in self.persisted()), default=0)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 2)

    def __repr__(self) -> str:
        return f"<Peer {self.name or 'anonymous'} on daphne {self.server.name}>"


class Peers:
    """The sockets a test opened, all closed at its end."""

    def __init__(self) -> None:
        self.opened: list[Peer] = []

    async def hello(
        self, server: DaphneServer, code: str, token: str, *, last_seq: int = 0, name: str = ""
    ) -> Peer:
        peer = Peer(server, code, token, name=name)
        self.opened.append(peer)
        await peer.hello(last_seq)
        return peer

    async def close_all(self) -> None:
        await asyncio.gather(*(peer.close() for peer in self.opened))
