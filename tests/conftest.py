"""Shared fixtures: interviewers, API clients, the loaded bank and the test services."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from interview.api.question_bank import BUILT_IN_BANK, bank_load, bank_read_files
from interview.domain.roles import INTERVIEWERS_GROUP

# The browser tests' fixtures (server, chromium, browser, tabs, peers, questions, room), in one
# module for every tests/test_browser*.py; a module's own fixture of the same name wins.
pytest_plugins = ["tests.browser_fixtures"]


def service_url(variable: str, what: str) -> str:
    """A test service's URL; skipped when absent, except under CI where absence fails."""
    url = os.environ.get(variable, "")
    if not url:
        message = f"{variable} is not set: run the suite with `make test` to get {what}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


# What makes a test's outcome depend on the pass it runs in: its database, its channel layer.
PASS_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server", "layer"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``dbless`` every test that asks for no database and no channel layer: it answers
    the same in both passes, so `make test-postgres` leaves it to the SQLite pass."""
    for item in items:
        if item.get_closest_marker("django_db") is None and not PASS_FIXTURES & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.dbless)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``postgres`` are about PostgreSQL itself: they run in its pass only
    (`make test-sqlite` leaves them out; a run that selects them anyway skips them)."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("about PostgreSQL: runs in the PostgreSQL pass (make test-postgres)")


@pytest.fixture
def redis_url() -> str:
    return service_url("TEST_REDIS_URL", "Redis")


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at a thousand iterations: a test user's password costs a millisecond, not most
    of a second. Same algorithm name, so the tests' server processes check these hashes too."""

    iterations = 1_000


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    with override_settings(PASSWORD_HASHERS=["tests.conftest.QuickPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_interviewer(username: str):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    group, _ = Group.objects.get_or_create(name=INTERVIEWERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def interviewer(db):
    return make_interviewer("alice")


@pytest.fixture
def unbounded_sessions(settings) -> None:
    """No cap on an interviewer's live sessions: for properties that open one per example
    (the cap itself is tested in test_views.py)."""
    settings.MAX_LIVE_SESSIONS_PER_USER = 10**9


@pytest.fixture
def other_interviewer(db):
    return make_interviewer("bob")


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(interviewer) -> APIClient:
    """An API client signed in as the interviewer alice, by token."""
    return client_for(interviewer)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def bank_entries() -> list[dict]:
    """The built-in bank's files (questions, exercises), read and validated once for the run."""
    return bank_read_files(BUILT_IN_BANK)


@pytest.fixture
def bank(db, bank_entries) -> None:
    """The built-in question bank, loaded."""
    bank_load(bank_entries)


REDIS_LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


def layer_settings(kind: str) -> dict:
    """The in-memory layer, or the Redis layer that CHANNEL_LAYER picks (as the server does)."""
    if kind == "memory":
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return {
        "default": {
            "BACKEND": REDIS_LAYERS[os.environ.get("CHANNEL_LAYER", "pubsub")],
            "CONFIG": {
                "hosts": [os.environ["TEST_REDIS_URL"]],
                "prefix": f"{os.environ.get('REDIS_PREFIX', 'test')}:asgi",
            },
        }
    }


def live_layers() -> list[str]:
    """The layers live tests run on: TEST_LAYERS, comma-separated, both by default.

    `make test` runs each configuration people run: the in-memory layer in its SQLite pass
    (`make run`), Redis in its PostgreSQL pass (production).
    """
    return os.environ.get("TEST_LAYERS", "memory,redis").split(",")


@pytest.fixture(params=live_layers())
async def layer(request, settings):
    """Each live test runs on the layers TEST_LAYERS names: in-memory, real Redis or both."""
    from channels.db import database_sync_to_async
    from channels.layers import channel_layers, get_channel_layer
    from django.db import close_old_connections

    if request.param == "redis":
        request.getfixturevalue("redis_url")
    settings.CHANNEL_LAYERS = layer_settings(request.param)
    channel_layers.backends.clear()
    yield request.param
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    channel_layers.backends.clear()
    await database_sync_to_async(close_old_connections)()


@pytest.fixture
async def clock():
    """The server's clock running in the test's loop, stopped afterwards."""
    from interview.live.clock import clock as server_clock

    server_clock.start()
    yield server_clock
    await server_clock.stop()


@pytest.fixture(scope="session", autouse=True)
def _database_pools_closed(django_db_setup, django_db_blocker):
    """Close every thread's connections and PostgreSQL's pool before the test database is
    dropped.

    A connection left open makes DROP DATABASE fail ("being accessed by other users") and
    leaves the test database behind. Django's connections belong to the thread that opened
    them, so each is closed in its own thread: asgiref's one thread for the async ORM
    (``aupdate``, ``afirst`` in tests; it never closes its connection) and the threads of
    ``dbcalls``' pool. A pool's close leaves a checked-out connection open.
    """
    yield
    import threading

    from asgiref.sync import SyncToAsync
    from django.conf import settings
    from django.db import connections

    from interview.live import dbcalls

    with django_db_blocker.unblock():
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
        if dbcalls._executor is not None:
            # One task per thread: each waits at the barrier until all the threads hold one.
            together = threading.Barrier(settings.DB_THREADS)

            def close_here() -> None:
                together.wait(timeout=30)
                connections.close_all()

            tasks = [dbcalls._executor.submit(close_here) for _ in range(settings.DB_THREADS)]
            for task in tasks:
                task.result()
        connections.close_all()
        for connection in connections.all(initialized_only=True):
            if hasattr(connection, "close_pool"):
                connection.close_pool()
