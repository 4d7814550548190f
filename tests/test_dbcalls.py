"""Database work of the sockets runs in a pool of its own, DB_THREADS wide."""

import asyncio
import threading
import time

import pytest
from django.db import connection

from interview.live.dbcalls import in_db_thread
from interview.models import InterviewSession


@pytest.mark.django_db
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


@pytest.mark.django_db(transaction=True)
async def test_on_sqlite_a_database_thread_keeps_its_connection_from_call_to_call():
    """Opening a SQLite connection runs its PRAGMAs and closing the last one checkpoints the
    log: neither may happen per command."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL connections come from the process's pool")

    def connection_of_this_thread() -> tuple[int, int]:
        InterviewSession.objects.exists()
        return threading.get_ident(), id(connection.connection)

    seen: dict[int, set[int]] = {}
    for _ in range(10):
        thread, raw = await in_db_thread(connection_of_this_thread)()
        seen.setdefault(thread, set()).add(raw)
    assert all(len(raws) == 1 for raws in seen.values()), seen
