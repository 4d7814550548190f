"""`make stack` for tests: nginx in front of two daphne processes, on the test's database.

Each stack gets a Redis of its own (a throwaway ``redis-server``, so a test may stop it without
touching anyone else's), the test's own database, free ports and a scratch folder; it is
started with ``scripts/stack start`` and stopped with ``scripts/stack stop``, exactly as a
user would.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .servers import ROOT, redis_prefix, service_missing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    """A ``redis-server`` of the test's own, which the test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        if not shutil.which("redis-server"):
            service_missing("redis-server is not installed (apt-get install redis-server)")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@dataclass
class Endpoint:
    """What a ``servers.Peer`` connects to: here nginx, in front of both processes."""

    port: int
    name: str = "nginx"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, code: str, path: str = "sessions") -> str:
        """The session's socket; ``path`` "watch" for the spectators' one."""
        return f"ws://127.0.0.1:{self.port}/ws/{path}/{code}/"


# A line of nginx's access log, in the format scripts/stack gives it.
ACCESS = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) .*upstream=(?P<upstream>.*?) connect='
)


@dataclass
class Request:
    """A request as nginx's access log tells it: the last process it went to and the status."""

    path: str
    status: int
    upstream: str


@dataclass
class Stack:
    folder: Path
    database_url: str
    redis: ThrowawayRedis
    port: int = field(default_factory=free_port)

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.port)

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("TEST_DATABASE_NAME", "PYTEST_CURRENT_TEST")
        }
        env.update(
            STACK_DIR=str(self.folder),
            STACK_PORT=str(self.port),
            STACK_WEB_PORTS="0 0",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,
            REDIS_PREFIX=redis_prefix(),
            SECRET_KEY="test-secret-key-not-for-production",
            JOIN_RATE="100000/min",
            LOG_FORMAT="json",
        )
        return env

    def run(self, action: str) -> str:
        done = subprocess.run(
            [str(ROOT / "scripts" / "stack"), action],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/stack {action} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def pid(self, web: int) -> int:
        return int((self.folder / f"web{web}.pid").read_text())

    def web_port(self, web: int) -> int:
        return int((self.folder / f"web{web}.port").read_text())

    def terminate(self, web: int) -> None:
        """SIGTERM one daphne process, as a rolling restart does: it drains, then exits."""
        os.kill(self.pid(web), signal.SIGTERM)

    def kill(self, web: int) -> None:
        """``kill -9`` one daphne process: no drain, no close frames."""
        os.kill(self.pid(web), signal.SIGKILL)

    def health(self) -> int:
        try:
            with urllib.request.urlopen(f"{self.endpoint.http_url}/healthz", timeout=3) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    def requests(self) -> list[Request]:
        """Every request nginx logged so far (a WebSocket's once it has closed)."""
        text = (self.folder / "nginx-access.log").read_text(errors="replace")
        return [
            Request(found["path"], int(found["status"]), found["upstream"].split(", ")[-1])
            for found in ACCESS.finditer(text)
        ]

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n"
            + "\n".join(path.read_text(errors="replace").splitlines()[-30:])
            for path in sorted(self.folder.glob("*.log"))
        )


@contextlib.contextmanager
def running_stack(folder: Path, database_url: str):
    """A started stack, stopped afterwards whatever happened."""
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        service_missing("nginx is not installed (apt-get install nginx-light)")
    redis = ThrowawayRedis(folder)
    redis.start()
    stack = Stack(folder=folder / "stack", database_url=database_url, redis=redis)
    try:
        stack.run("start")
        yield stack
    finally:
        with contextlib.suppress(Exception):
            stack.run("stop")
        redis.stop()
