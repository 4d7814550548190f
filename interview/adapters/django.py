"""Django's cache shared by every task of a process.

Upstream: ``BaseConnectionHandler`` in
https://github.com/django/django/blob/98e05ccde440cc9b768952cc10bc8285f4924e1f/django/utils/connection.py
"""

import functools

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache


@functools.cache
def shared_cache(alias: str = "default") -> BaseCache:
    """The cache ``alias``, one client for the whole process.

    Django keeps its cache connections in an asgiref ``Local`` that is not thread-critical
    (``CacheHandler.thread_critical`` is False), so ``caches[alias]``, and
    ``django.core.cache.cache`` with it, is a new instance in every asyncio task; every socket
    is a task of its own, and under Redis each instance opens a connection pool of its own.
    ``caches.create_connection`` builds the instance outside that ``Local``; kept here, it
    is one client whichever task asks.
    """
    return caches.create_connection(alias)
