"""What operators rely on: metrics, structured logs without secrets, graceful draining."""

import json
import logging

import pytest

from interview.lifecycle import lifecycle
from interview.models import Connection, Question
from interview.telemetry import ContextFilter

from .live import Client, room_create

live = pytest.mark.django_db(transaction=True)


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


@live
async def test_metrics_count_sockets_commands_and_fanout(layer, interviewer, bank, async_client):
    room = await room_create(interviewer)
    sockets = sample("interview_open_sockets")
    owner = Client(room.code)
    await owner.hello(room.owner)
    assert sample("interview_open_sockets") == sockets + 1
    question_id = await Question.objects.values_list("id", flat=True).afirst()
    await owner.command("question.push", {"question_id": question_id})
    await owner.command("question.close")
    await owner.command("question.close")  # nothing open: not_found
    text = (await async_client.get("/metrics")).content.decode()
    assert "interview_open_sockets" in text
    assert 'interview_commands_total{outcome="ack",type="question.push"}' in text
    assert 'interview_commands_total{outcome="not_found",type="question.close"}' in text
    assert "interview_fanout_seconds_count" in text
    await owner.disconnect()
    assert sample("interview_open_sockets") == sockets


def test_json_logs_carry_session_and_participant_and_never_a_token():
    from pythonjsonlogger.json import JsonFormatter

    from interview import telemetry

    record = logging.LogRecord("interview", logging.INFO, __file__, 1, "hello", None, None)
    telemetry.session_code.set("ABCD2345")
    telemetry.participant_id.set(42)
    ContextFilter().filter(record)
    line = json.loads(
        JsonFormatter("%(asctime)s %(levelname)s %(message)s %(session)s %(participant)s").format(
            record
        )
    )
    assert (line["session"], line["participant"], line["message"]) == ("ABCD2345", 42, "hello")


@live
async def test_a_token_never_reaches_the_logs(layer, interviewer, caplog):
    room = await room_create(interviewer)
    caplog.set_level(logging.DEBUG)
    client = Client(room.code)
    await client.hello(room.seats["Ann"])
    await client.command("answer.submit", {"round_id": 1, "text": "x"})
    await client.disconnect()
    assert room.seats["Ann"].token not in caplog.text


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


def test_nginx_does_not_expose_metrics():
    from pathlib import Path

    template = (Path(__file__).parent.parent / "deploy/nginx/default.conf.template").read_text()
    assert "location = /metrics" in template


@live
async def test_the_layer_probe_answers_while_sockets_wait_for_messages(layer, interviewer):
    """On Redis, a probe behind the sockets' shared receive loop would time out (a bug)."""
    import asyncio

    from interview.lifecycle import LAYER_CHECK_S, layer_probe

    room = await room_create(interviewer)
    clients = [Client(room.code) for _ in range(3)]
    for client, name in zip(clients, ("Ann", "Ben", "Wall"), strict=True):
        await client.hello(room.seats[name])
    await asyncio.sleep(0.2)  # every socket is now blocked in its receive
    for _ in range(3):
        await asyncio.wait_for(layer_probe(), LAYER_CHECK_S)
    for client in clients:
        await client.disconnect()


async def test_the_layer_probe_answers_on_the_pubsub_layer_too(redis_url, settings):
    """Pub/sub loses a message sent before anyone subscribed: the probe subscribes first."""
    import asyncio

    from channels.layers import channel_layers

    from interview.lifecycle import LAYER_PROBE_TIMEOUT_S, layer_probe

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "test-probe"},
        }
    }
    channel_layers.backends.clear()
    try:
        await asyncio.wait_for(layer_probe(), LAYER_PROBE_TIMEOUT_S)
    finally:
        channel_layers.backends.clear()
