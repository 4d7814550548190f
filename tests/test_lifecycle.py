"""A server process's life (interview/live/lifecycle.py): the start, the layer's watch, the drain.

That server/run.py starts the clock and the watch with the reactor, and drains on SIGTERM
after it stops listening, is tested on a real daphne in test_adapters.py.
"""

import asyncio
import time

import pytest

from interview.domain.protocol import CloseCode
from interview.live import lifecycle as module
from interview.live.lifecycle import Lifecycle, lifecycle, with_lifecycle
from interview.models import Connection

from .live import Client, room_create
from .waiting import eventually

live = pytest.mark.django_db(transaction=True)


class Socket:
    """A consumer as the lifecycle sees it: something to close with a code."""

    def __init__(self) -> None:
        self.codes: list[int] = []

    async def close(self, code: int) -> None:
        self.codes.append(code)


class Clock:
    def __init__(self) -> None:
        self.started = self.stopped = 0

    def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(module, "clock", fake)
    return fake


@pytest.fixture
def probe(monkeypatch) -> dict:
    """The layer's probe, answering as ``probe["ok"]`` says; ``probe["calls"]`` counts."""
    state = {"ok": True, "calls": 0}

    async def layer_probe() -> None:
        state["calls"] += 1
        if not state["ok"]:
            raise ConnectionError("Redis is away")

    monkeypatch.setattr(module, "layer_probe", layer_probe)
    monkeypatch.setattr(module, "LAYER_CHECK_S", 0.01)
    return state


async def test_the_watch_closes_sockets_with_4013_after_three_failed_probes_and_recovers(
    clock, probe
):
    process = Lifecycle()
    socket = Socket()
    process.sockets.add(socket)
    process.start()
    try:
        assert clock.started == 1
        await eventually(lambda: probe["calls"] >= 2)
        assert (process.layer_ok, process.refusal()) == (True, None)
        probe["ok"], failed_from = False, probe["calls"]
        await eventually(lambda: not process.layer_ok)
        assert probe["calls"] - failed_from >= module.LAYER_FAILURES
        assert socket.codes == [CloseCode.TRY_AGAIN_LATER]
        assert process.refusal() == CloseCode.TRY_AGAIN_LATER
        probe["ok"] = True
        await eventually(lambda: process.layer_ok)  # one answer is enough
        assert process.refusal() is None
        assert socket.codes == [CloseCode.TRY_AGAIN_LATER]  # closed once
    finally:
        process.watch.cancel()


async def test_fewer_failed_probes_than_the_limit_close_nothing(clock, probe, monkeypatch):
    answers = iter([False] * (module.LAYER_FAILURES - 1) + [True] * 1000)
    state = {"calls": 0}

    async def layer_probe() -> None:
        state["calls"] += 1
        if not next(answers):
            raise ConnectionError("a blip")

    monkeypatch.setattr(module, "layer_probe", layer_probe)
    process = Lifecycle()
    socket = Socket()
    process.sockets.add(socket)
    process.start()
    try:
        await eventually(lambda: state["calls"] > module.LAYER_FAILURES + 2)
        assert process.layer_ok
        assert socket.codes == []
    finally:
        process.watch.cancel()


async def test_start_twice_keeps_one_watch(clock, probe):
    process = Lifecycle()
    process.start()
    watch = process.watch
    process.start()
    try:
        assert process.watch is watch
    finally:
        watch.cancel()


async def test_drain_refuses_closes_with_4012_forgets_and_stops_the_clock(
    clock, probe, monkeypatch
):
    forgotten = []
    monkeypatch.setattr(module, "_forget_own_sockets", lambda: forgotten.append(True))
    process = Lifecycle()
    sockets = [Socket(), Socket()]
    process.sockets.update(sockets)
    process.start()
    watch = process.watch
    await process.drain()
    assert process.refusal() == CloseCode.SERVICE_RESTART
    assert [s.codes for s in sockets] == [[CloseCode.SERVICE_RESTART]] * 2
    assert forgotten == [True]
    assert clock.stopped == 1
    await eventually(watch.done)
    assert watch.cancelled()


async def test_the_wrapped_application_starts_the_process_at_its_first_request(
    clock, probe, monkeypatch
):
    process = Lifecycle()
    monkeypatch.setattr(module, "lifecycle", process)
    served = []

    async def app(scope, receive, send) -> None:
        served.append(scope["type"])

    application = with_lifecycle(app)
    try:
        await application({"type": "http"}, None, None)
        assert (served, clock.started) == (["http"], 1)
        assert process.watch is not None
    finally:
        process.watch.cancel()
    process.draining = True  # a draining process serves on, but starts nothing again
    await application({"type": "http"}, None, None)
    assert (served, clock.started) == (["http", "http"], 1)


@live
async def test_draining_closes_sockets_with_4012_and_refuses_new_ones(
    layer, interviewer, async_client
):
    room = await room_create(interviewer)
    ann = Client(room.code)
    await ann.hello(room.seats["Ann"])
    try:
        await lifecycle.drain()
        assert await ann.closed() == 4012
        # Forgotten by this process, kept as tombstones: online for the grace period only.
        assert not await Connection.objects.exclude(server_id="").aexists()
        health = await async_client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["process"] == "draining"
        late = Client(room.code)
        await late.connect()
        assert await late.closed() == 4012
    finally:
        lifecycle.draining = False


@live
async def test_the_layer_probe_pings_the_layers_redis_and_nothing_for_the_memory_layer(layer):
    from interview.live.lifecycle import layer_probe

    await layer_probe()


async def test_the_layer_probe_fails_when_the_layers_redis_does_not_answer(settings):
    import redis

    from interview.live.lifecycle import layer_probe

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0"}]},
        }
    }
    with pytest.raises(redis.ConnectionError):
        await layer_probe()


@live
async def test_a_busy_event_loop_does_not_make_the_watch_judge_redis_away(layer, monkeypatch):
    """Blocked longer than the probe's timeout, three times: Redis answered all along."""

    from interview.live import lifecycle as module
    from interview.live.lifecycle import LAYER_FAILURES, LAYER_PROBE_TIMEOUT_S, Lifecycle

    monkeypatch.setattr(module, "LAYER_CHECK_S", 0.05)
    watched = Lifecycle()
    watch = asyncio.create_task(watched.watch_layer())
    try:
        for _ in range(LAYER_FAILURES + 1):
            await asyncio.sleep(0.01)  # a probe is under way
            time.sleep(LAYER_PROBE_TIMEOUT_S + 0.2)  # noqa: ASYNC251 - the loop is busy on purpose
        await asyncio.sleep(0.3)
        assert watched.layer_ok
    finally:
        watch.cancel()
