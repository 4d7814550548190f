"""Every close code the server means reaches a client through daphne and autobahn.

Channels' communicator takes any code; autobahn under daphne takes 1000 and 3000-4999 from
an application and raises for the rest, which lost the close. So each code is checked here
over a real daphne socket (4012 on SIGTERM and daphne's own 1009 are in test_processes.py).
"""

import asyncio
from collections.abc import Iterator

import pytest
from autobahn.websocket.protocol import WebSocketProtocol
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from interview.adapters import application_close_code
from interview.domain.protocol import CloseCode

from .live import room_create
from .servers import (
    DAPHNE_FLAGS,
    DaphneServer,
    database_url_for_servers,
    redis_flush,
    redis_prefix,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

GUESSES = 3


@pytest.fixture
def server(redis_url, transactional_db, tmp_path, monkeypatch) -> Iterator[DaphneServer]:
    """One daphne without the frame limit, allowing ``GUESSES`` unknown codes a minute."""
    prefix = redis_prefix()
    env = server_environment(
        database_url=database_url_for_servers(connection.settings_dict),
        redis_url=redis_url,
        prefix=prefix,
    )
    env["JOIN_RATE"] = f"{GUESSES}/min"
    # Without the frame limit, as someone might run it: the consumer's own check answers.
    at = DAPHNE_FLAGS.index("--websocket-max-message-size")
    monkeypatch.setattr("tests.servers.DAPHNE_FLAGS", DAPHNE_FLAGS[:at] + DAPHNE_FLAGS[at + 2 :])
    try:
        with running_servers(1, env=env, log_dir=tmp_path) as (daphne,):
            yield daphne
    finally:
        redis_flush(redis_url, prefix)


async def closed_with(server: DaphneServer, code: str, *frames: str) -> int:
    """The close code a socket to ``code`` receives after sending ``frames``."""
    async with connect(server.ws_url(code), origin=server.http_url, max_size=None) as ws:
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 15)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


async def test_each_refusal_reaches_the_client_with_its_code(server, interviewer):
    room = await room_create(interviewer, candidates=("Ann",), spectators=())
    ann = room.seats["Ann"].token
    hello = f'{{"type": "hello", "data": {{"token": "{ann}", "last_seq": 0}}}}'
    assert await closed_with(server, room.code, '{"type": "ping"}') == CloseCode.UNAUTHENTICATED
    # An oversized frame, on a server without daphne's limit: the consumer's mirror of 1009.
    assert await closed_with(server, room.code, hello, "x" * 70_000) == 4009
    for _ in range(GUESSES):
        assert await closed_with(server, "NOSUCH22") == CloseCode.SESSION_NOT_FOUND
    assert await closed_with(server, room.code) == CloseCode.TOO_MANY_GUESSES


@pytest.mark.parametrize("code", [*CloseCode, 1001, 1009, 1011, 2000, 999, 5000])
def test_every_close_code_is_one_autobahn_takes_from_an_application(code):
    sent = application_close_code(int(code))
    WebSocketProtocol.sendClose(_ClosingProbe(), code=sent)  # raises for a refused code
    if code == 1000 or 3000 <= code <= 4999:
        assert sent == code
    elif code == CloseCode.MESSAGE_TOO_BIG:
        assert sent == 4009


class _ClosingProbe:
    """Just enough of a protocol for autobahn's ``sendClose``: it checks the code, then
    sends the frame."""

    def sendCloseFrame(self, **frame) -> None:  # noqa: N802 - autobahn's name
        pass
