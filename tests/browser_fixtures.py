"""The browser tests' fixtures, one copy for every tests/test_browser*.py module.

Registered as a pytest plugin by ``conftest`` (``pytest_plugins``): one daphne per test
(``server``), the system Chromium (``browser``), a browser context per person (``tabs``),
protocol sockets standing in for people the test is not about (``peers``), the first bank
questions and a session in the lobby (``room``). The helpers tests call are in ``browser``.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, async_playwright

from interview.domain import services
from interview.models import Question

from .browser import CHROMIUM_ARGS, Tabs, chromium_path
from .servers import DaphneServer, Peers, one_server


@dataclass(frozen=True)
class Room:
    code: str
    owner_token: str
    panel_invite: str


@pytest.fixture
def chromium() -> str:
    """The Chromium executable, looked for first: a missing one skips before a server starts."""
    return chromium_path()


@pytest.fixture
def server(chromium, redis_url, transactional_db, tmp_path) -> Iterator[DaphneServer]:
    """One daphne for the test (Chromium found first: every browser test asks for this)."""
    with one_server(redis_url, tmp_path) as daphne:
        yield daphne


@pytest.fixture
async def browser(chromium) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def tabs(browser, server) -> AsyncIterator[Tabs]:
    """The test's tabs; no page may open a dialog or throw, whatever the test checked."""
    opened = Tabs(browser, server)
    yield opened
    await opened.close()
    assert opened.dialogs == [], opened.dialogs
    assert opened.errors == [], opened.errors


@pytest.fixture
async def peers(server) -> AsyncIterator[Peers]:
    """Protocol sockets standing in for an interviewer when the test is about the candidate."""
    opened = Peers()
    yield opened
    await opened.close_all()


@pytest.fixture
def questions(bank) -> list[Question]:
    """The first bank entries, in the order the dashboard lists them."""
    return list(Question.objects.order_by("id")[:2])


@pytest.fixture
def room(interviewer) -> Room:
    """A session in the lobby, owned by alice."""
    created = services.session_create(owner=interviewer, title="Python panel")
    return Room(
        code=created.session.code,
        owner_token=created.owner.token,
        panel_invite=created.panel_invite,
    )
