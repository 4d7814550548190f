"""server/run.py: the adaptations installed, then daphne's command line (with
interview/adapters/cpython.py's collector tuning).

A failure here means the framework changed under an adaptation: it may no longer be needed
(remove it) or no longer work (rework it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# --- server/run.py: adaptations installed, then daphne's command line -----------------------

# Runs ``python -m server.run`` with its server's start observed: reports what the process
# serves with once the reactor runs, then SIGTERMs itself; its drain reports whether the
# port had stopped listening first.
RUN_PROBE = """
import asyncio, json, os, runpy, signal, socket, sys, time
from interview.adapters import daphne as adapters
import daphne.server, gc
from twisted.internet import reactor, tcp

def port():
    return next(r for r in reactor.getReaders() if isinstance(r, tcp.Port)).getHost().port

async def report(server):
    import asyncio
    from interview.live.clock import clock
    from interview.live.lifecycle import lifecycle
    deadline = time.monotonic() + 20  # no request comes: only the start can start them
    while (clock.task is None or lifecycle.watch is None) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    print(json.dumps({
        "factory": type(server.ws_factory).__name__,
        "clock": clock.task is not None, "watch": lifecycle.watch is not None,
        "threshold": list(gc.get_threshold()), "frozen": gc.get_freeze_count() > 0,
    }), flush=True)
    global PORT
    PORT = port()
    os.kill(os.getpid(), signal.SIGTERM)

async def drain_probe(drain):
    import asyncio
    deadline = time.monotonic() + 20
    while socket.socket().connect_ex(("127.0.0.1", PORT)) == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    refused = socket.socket().connect_ex(("127.0.0.1", PORT)) != 0
    await drain()
    from interview.live.lifecycle import lifecycle
    print(json.dumps({"refused_first": refused, "drained": lifecycle.draining}), flush=True)

real_install = adapters.reactor_hooks_install
def install(*, start, drain, drain_timeout_s):
    real_install(start=start, drain=lambda: drain_probe(drain), drain_timeout_s=drain_timeout_s)
adapters.reactor_hooks_install = install
real_run = daphne.server.Server.run
def run(server):
    reactor.callWhenRunning(reactor.callLater, 0, lambda: asyncio.ensure_future(report(server)))
    real_run(server)
daphne.server.Server.run = run
sys.argv = ["server.run", "-e", "tcp:port=0:interface=127.0.0.1", "asgi:application"]
runpy.run_module("server.run", run_name="__main__")
"""


def _server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST",)}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
        SECRET_KEY="test-secret-key-not-for-production",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="server.settings",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("TEST_DATABASE_NAME", None)
    return env


def _python(code: str, env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines, done.stdout + done.stderr
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("gc_tune", ["1", "0"])
def test_run_installs_the_adaptations_then_hands_over_to_daphne(tmp_path, gc_tune):
    import gc

    started, drained = _python(RUN_PROBE, _server_env(tmp_path, GC_TUNE=gc_tune))
    assert started["factory"] == "ClosingWebSocketFactory"
    # Started with the reactor, before any request.
    assert (started["clock"], started["watch"]) == (True, True)
    if gc_tune == "1":
        assert (started["threshold"], started["frozen"]) == ([50_000, 20, 20], True)
    else:
        assert (started["threshold"], started["frozen"]) == (list(gc.get_threshold()), False)
    # SIGTERM: listening stops, then the process drains.
    assert drained == {"refused_first": True, "drained": True}


def test_importing_the_application_changes_nothing_else(tmp_path):
    (imported,) = _python(
        """
import gc, json, sys
threshold = gc.get_threshold()
import asgi, daphne.server
from twisted.internet import reactor
from interview.live.clock import clock
print(json.dumps({
    "application": callable(asgi.application),
    "factory": daphne.server.WebSocketFactory.__name__,
    "gc": gc.get_threshold() == threshold and gc.get_freeze_count() == 0,
    "clock": clock.task is None,
}))
""",
        _server_env(tmp_path),
    )
    assert imported == {
        "application": True,
        "factory": "WebSocketFactory",
        "gc": True,
        "clock": True,
    }
