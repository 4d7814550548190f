"""interview/adapters/django.py: one cache client per process.

A failure here means the framework changed under an adaptation: it may no longer be needed
(remove it) or no longer work (rework it)."""

import asyncio
import contextvars

from django.core.cache import caches

from interview.adapters.django import shared_cache

# --- Django: one cache client per process ---------------------------------------------------


async def test_the_shared_cache_is_one_client_across_tasks():
    async def in_a_task():
        return shared_cache(), caches["default"]

    # Each socket's task starts from daphne's context, where no cache was made yet.
    (shared_a, own_a), (shared_b, own_b) = await asyncio.gather(
        *(asyncio.create_task(in_a_task(), context=contextvars.Context()) for _ in range(2))
    )
    assert shared_a is shared_b
    assert own_a is not own_b  # Django's own: one per task, the reason for the adaptation
