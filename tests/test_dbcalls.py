"""Database work of the sockets runs in a pool of its own, DB_THREADS wide."""

import asyncio
import threading
import time

from interview.dbcalls import in_db_thread


async def test_database_calls_run_at_most_db_threads_at_once_in_their_own_threads(settings):
    lock = threading.Lock()
    running, peak, names = 0, 0, set()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            names.add(threading.current_thread().name)
        time.sleep(0.05)
        with lock:
            running -= 1

    await asyncio.gather(*(in_db_thread(work)() for _ in range(4 * settings.DB_THREADS)))
    assert peak == settings.DB_THREADS
    assert all(name.startswith("interview-db") for name in names)
