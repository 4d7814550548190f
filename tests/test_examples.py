"""The example client in examples/ keeps working: it is the contract, run end to end."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from .servers import (
    ROOT,
    DaphneServer,
    database_url_for_servers,
    redis_flush,
    redis_prefix,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def server(redis_url, transactional_db, tmp_path) -> Iterator[DaphneServer]:
    prefix = redis_prefix()
    env = server_environment(
        database_url=database_url_for_servers(connection.settings_dict),
        redis_url=redis_url,
        prefix=prefix,
    )
    # The client joins its whole room from one address.
    env["JOIN_RATE"] = "1000/min"
    try:
        with running_servers(1, env=env, log_dir=tmp_path) as (daphne,):
            yield daphne
    finally:
        redis_flush(redis_url, prefix)


def test_the_example_session_client_finds_that_the_server_keeps_the_contract(
    server, interviewer, bank
):
    token = Token.objects.create(user=interviewer).key
    run = subprocess.run(
        [
            sys.executable,
            "examples/session_client.py",
            "--server",
            server.http_url,
            "--token",
            token,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "all steps passed" in run.stdout
