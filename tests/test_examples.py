"""The example client in examples/ keeps working: it is the contract, run end to end."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from rest_framework.authtoken.models import Token

from .servers import (
    ROOT,
    DaphneServer,
    one_server,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.end_to_end]


@pytest.fixture
def server(redis_url, transactional_db, tmp_path) -> Iterator[DaphneServer]:
    with one_server(redis_url, tmp_path) as daphne:
        yield daphne


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
