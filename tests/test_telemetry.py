"""What operators rely on: metrics, and structured logs without secrets.

Graceful draining and the channel layer's watch are in test_lifecycle.py, /healthz in
test_health.py.
"""

import json
import logging

import pytest

from interview.models import Question
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


METRICS_TOKEN = "scrape-token-of-the-tests"


def test_metrics_with_a_token_answer_only_that_bearer_token(settings, client):
    settings.METRICS_TOKEN = METRICS_TOKEN
    right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status_code == 200
    assert b"interview_open_sockets" in right.content
    # A token replaces the loopback rule: this machine needs it too.
    for headers in ({"Authorization": "Bearer wrong-token"}, {}, {"Authorization": METRICS_TOKEN}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused["WWW-Authenticate"].startswith("Bearer")
        assert b"interview_" not in refused.content


def test_metrics_without_a_token_answer_loopback_addresses_only(settings, client):
    settings.METRICS_TOKEN = ""
    for address in ("127.0.0.1", "127.0.0.53", "::1"):
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200, address
    for address in ("10.0.0.2", "203.0.113.9", "::ffff:10.0.0.2"):
        refused = client.get("/metrics", REMOTE_ADDR=address)
        assert refused.status_code == 403, address
        assert b"interview_" not in refused.content


def test_metrics_without_a_token_refuse_a_forwarded_request_even_from_loopback(settings, client):
    # nginx on this machine connects from 127.0.0.1 on a stranger's behalf, and daphne's
    # --proxy-headers turns a forged X-Forwarded-For into REMOTE_ADDR.
    settings.METRICS_TOKEN = ""
    for forwarded in ("203.0.113.9", "127.0.0.1"):
        response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 403, forwarded


def test_nginx_does_not_expose_metrics():
    from pathlib import Path

    from .test_deploy import nginx_blocks

    template = (Path(__file__).parent.parent / "deploy/nginx/default.conf.template").read_text()
    assert nginx_blocks(template, "location")["= /metrics"].split() == ["return", "404;"]
