"""Where database work runs when the event loop asks for it: a pool of threads.

Channels' ``database_sync_to_async`` runs every call of a process in one thread, where one
socket's command would wait behind every other socket's queries. Here calls run in a pool of
``DB_THREADS`` threads, each with its own (pooled) connection; the database's row locks keep
the commands of one session in order. Connections are closed or returned after each call, as
Channels does (``DatabaseSyncToAsync`` with an executor of this module's).
"""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync
from django.conf import settings

from interview.domain.broadcast import publications_collected, publications_send

P = ParamSpec("P")
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None


def _db_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.DB_THREADS, thread_name_prefix="interview-db"
        )
    return _executor


def in_db_thread(func: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """``func`` made awaitable, run in a pooled thread with its own database connection."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_db_executor())


async def perform(service: Callable[..., T], /, **kwargs: object) -> T:
    """Run a sync service in a database thread, then publish what it committed.

    The way every asynchronous caller (a socket, the clock) runs a service.
    """
    result, publications = await performed(service, **kwargs)
    await publications_send(publications)
    return result


async def performed(service: Callable[..., T], /, **kwargs: object) -> tuple[T, list]:
    """``perform`` without the publishing: the result, and the publications to send with
    ``broadcast.publications_send`` (a socket acknowledges its command in between)."""

    def run() -> tuple[T, list]:
        with publications_collected() as pending:
            return service(**kwargs), pending

    return await in_db_thread(run)()
