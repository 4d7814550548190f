"""What-if settings: the server's own settings plus a change the benchmark wants to measure.

The server never uses this module. ``bench/run.py --experiment NAME[,NAME]`` starts the stack
with ``DJANGO_SETTINGS_MODULE=bench.experiment_settings`` and ``BENCH_EXPERIMENTS=NAME,...``,
so a proposed server change can be measured before anyone makes it; the figures land in
``bench/results/experiments.json`` and the page's "What-if" section. Add an experiment as a
named block below.

- ``none``: nothing changed; the server as it is, for a row to compare with.
- ``profile``: nothing changed either; a sampling profiler in every server process.
- ``spectators-hashed``: no server change; the load generator's spectators connect to
  ``/ws/sessions/{code}/`` (hashed with their session) instead of ``/ws/watch/{code}/``.
- ``switch-0.5ms``: a GIL switch interval of 0.5 ms instead of Python's 5 ms.
- ``db-threads-2``, ``db-threads-6``: that many database threads per process instead of 3.
- ``gap-wait-50ms``, ``gap-wait-1s``: an early event waits that long for the ones before it
  before the room reads them from the database, instead of 0.3 s.
- ``no-group-commit``: each integrity signal and draft in a transaction of its own, instead of
  a few per transaction (``interview/live/groupcommit.py``).

The server's tunings (``GC_TUNE``: ``run.py --gc-tune 0``) are measured again with these.
"""

import os
import sys

from server.settings import *  # noqa: F403

EXPERIMENTS = {
    name for name in os.environ.get("BENCH_EXPERIMENTS", "").split(",") if name and name != "none"
}
KNOWN = {
    "profile",
    "spectators-hashed",
    "switch-0.5ms",
    "db-threads-2",
    "db-threads-6",
    "gap-wait-50ms",
    "gap-wait-1s",
    "no-group-commit",
}
if EXPERIMENTS - KNOWN:
    raise RuntimeError(f"unknown experiments: {sorted(EXPERIMENTS - KNOWN)}; known: {KNOWN}")

if "profile" in EXPERIMENTS:
    # Every 5 ms a thread records each other thread's stack; at exit the process writes
    # var/bench/profile-<pid>.txt: functions by the share of samples they were on the stack
    # (inclusive) and on top of it (self). A thread waiting (an idle loop in select, an idle
    # worker in its queue) is sampled too, so compare a function with its thread's total.
    import atexit
    import collections
    import sys
    import threading
    import time
    from pathlib import Path

    _inclusive: collections.Counter = collections.Counter()
    _own: collections.Counter = collections.Counter()
    _total = [0]

    def _sample() -> None:
        me = threading.get_ident()
        while True:
            time.sleep(0.005)
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                _own[f"{frame.f_code.co_filename}:{frame.f_code.co_name}"] += 1
                seen = set()
                while frame is not None:
                    key = f"{frame.f_code.co_filename}:{frame.f_code.co_name}"
                    if key not in seen:
                        seen.add(key)
                        _inclusive[key] += 1
                    frame = frame.f_back
                _total[0] += 1

    def _write() -> None:
        folder = Path(__file__).resolve().parent.parent / "var" / "bench"
        lines = [f"samples {_total[0]} (all threads, 5 ms apart)", "", "inclusive:"]
        lines += [f"{n:7d} {key}" for key, n in _inclusive.most_common(120)]
        lines += ["", "self:", *[f"{n:7d} {key}" for key, n in _own.most_common(60)]]
        (folder / f"profile-{os.getpid()}.txt").write_text("\n".join(lines) + "\n")

    threading.Thread(target=_sample, daemon=True, name="bench-profiler").start()
    atexit.register(_write)

if "switch-0.5ms" in EXPERIMENTS:
    sys.setswitchinterval(0.0005)
for _threads in (2, 6):
    if f"db-threads-{_threads}" in EXPERIMENTS:
        DB_THREADS = _threads
if "gap-wait-50ms" in EXPERIMENTS:
    DELIVERY_GAP_WAIT_S = 0.05
if "gap-wait-1s" in EXPERIMENTS:
    DELIVERY_GAP_WAIT_S = 1.0
if "no-group-commit" in EXPERIMENTS:
    GROUP_COMMIT = False
