"""The server's clock (interview/live/clock.py): its ticks, its heartbeats, its stop.

That a due round closes within a second with nobody connected is tested with the services
(test_services.py, ``rounds_close_due``) and end to end (test_processes.py).
"""

import asyncio

import pytest

from interview.domain import services
from interview.live import clock as module
from interview.live.clock import SERVER_ID, Clock

from .waiting import eventually


@pytest.fixture
def performed(monkeypatch) -> list:
    """The services the clock runs, recorded instead of run; a tick every 10 ms."""
    calls: list = []

    async def perform(service, /, **kwargs):
        calls.append((service, kwargs))

    monkeypatch.setattr(module, "perform", perform)
    monkeypatch.setattr(module, "TICK_S", 0.01)
    return calls


def count(calls: list, service) -> int:
    return sum(1 for called, _ in calls if called is service)


async def test_each_tick_closes_due_rounds_and_the_first_beats_and_reaps(performed):
    clock = Clock()
    clock.start()
    try:
        await eventually(lambda: count(performed, services.rounds_close_due) >= 3)
        # The heartbeat comes every PRESENCE_HEARTBEAT, far longer than these ticks.
        assert count(performed, services.connections_heartbeat) == 1
        assert count(performed, services.connections_reap) == 1
        assert (services.connections_heartbeat, {"server_id": SERVER_ID}) in performed
    finally:
        await clock.stop()


async def test_a_failed_tick_does_not_stop_the_clock(performed, monkeypatch):
    failures = []

    async def perform(service, /, **kwargs):
        if not failures:
            failures.append(service)
            raise ConnectionError("the database is away")
        performed.append((service, kwargs))

    monkeypatch.setattr(module, "perform", perform)
    clock = Clock()
    clock.start()
    try:
        await eventually(lambda: count(performed, services.rounds_close_due) >= 2)
        assert failures == [services.rounds_close_due]
    finally:
        await clock.stop()


async def test_start_twice_runs_one_clock_and_stop_ends_it(performed):
    clock = Clock()
    clock.start()
    task = clock.task
    clock.start()
    assert clock.task is task
    await clock.stop()
    assert clock.task is None
    assert task.cancelled()
    ticks = len(performed)
    await asyncio.sleep(0)  # a stopped clock has nothing left to run
    assert len(performed) == ticks
    clock.start()  # and starts again
    try:
        await eventually(lambda: len(performed) > ticks)
    finally:
        await clock.stop()
