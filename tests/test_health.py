"""``/healthz`` (interview/live/health.py): 200 when the database and the layer answer."""

import asyncio

import pytest

from interview.live import health as module
from interview.live.lifecycle import lifecycle

live = pytest.mark.django_db(transaction=True)


@live
async def test_a_process_whose_database_and_layer_answer_is_healthy(layer, async_client):
    response = await async_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }


@live
async def test_a_layer_that_fails_makes_the_process_unavailable(layer, async_client, monkeypatch):
    async def layer_probe() -> None:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(module, "layer_probe", layer_probe)
    response = await async_client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "error: ConnectionError"},
    }


@live
async def test_a_database_that_fails_makes_the_process_unavailable(
    layer, async_client, monkeypatch
):
    def database_answers() -> None:
        raise OSError("no route to the database")

    monkeypatch.setattr(module, "_database_answers", database_answers)
    response = await async_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "error: OSError", "channel_layer": "ok"}


@live
async def test_a_check_that_does_not_answer_in_time_fails(layer, async_client, monkeypatch):
    never = asyncio.Event()

    async def layer_probe() -> None:
        await never.wait()

    monkeypatch.setattr(module, "layer_probe", layer_probe)
    monkeypatch.setattr(module, "CHECK_TIMEOUT_S", 0.05)
    response = await async_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "error: TimeoutError"


@live
async def test_a_draining_process_is_unavailable(layer, async_client):
    lifecycle.draining = True
    try:
        response = await async_client.get("/healthz")
    finally:
        lifecycle.draining = False
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "channel_layer": "ok",
        "process": "draining",
    }
