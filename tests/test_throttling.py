"""Join-code guesses: the address they count against (as DRF's throttles find it), and the
pages and endpoints that count them."""

import asyncio

import pytest
import redis
from django.conf import settings

from interview.domain.throttling import TooManyGuessesError, client_address, session_id_for_guess

from .factories import session_for


def scope(forwarded: str | None = None) -> dict:
    headers = [(b"origin", b"http://testserver")]
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return {"client": ("10.0.0.2", 40000), "headers": headers}


def test_without_proxies_the_address_is_the_peers_whatever_the_header_says(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_address(scope("203.0.113.9")) == "10.0.0.2"


def test_behind_one_proxy_the_address_is_the_one_the_proxy_appended(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_address(scope("198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_address(scope()) == "10.0.0.2"


def test_a_scope_without_a_client_counts_as_one_unknown_address():
    assert client_address({"headers": []}) == "unknown"


# --- join-code guesses over HTTP: pages, my-results and joins share the sockets' limit ------

GUESSABLE = [
    "/s/{code}/",
    "/s/{code}/watch",
    "/dashboard/join/{code}/",
    "/api/sessions/{code}/my-results",
]


@pytest.fixture
def three_guesses(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "join": "3/min",
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("guessed", GUESSABLE)
def test_past_the_limit_of_unknown_codes_every_code_is_429_from_that_address_only(
    client, interviewer, three_guesses, guessed
):
    session = session_for(interviewer)
    for guess in ("NOSUCH22", "NOSUCH33", "NOSUCH44"):
        assert client.get(guessed.format(code=guess)).status_code == 404
    for path in GUESSABLE:
        refused = client.get(path.format(code=session.code))
        assert refused.status_code == 429, path
        assert int(refused["Retry-After"]) > 0
        if path.startswith("/api/"):
            assert refused.json()["error"]["code"] == "rate_limited"
        else:
            assert "Too many tries" in refused.content.decode()
    join = client.post(
        f"/api/sessions/{session.code}/join",
        {"display_name": "Ann", "role": "candidate"},
        content_type="application/json",
    )
    assert join.status_code == 429
    with pytest.raises(TooManyGuessesError):
        session_id_for_guess(session.code, "127.0.0.1")  # the test client's address
    elsewhere = client.get(f"/s/{session.code}/", REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 200


@pytest.mark.django_db
def test_a_known_code_is_not_a_guess(client, interviewer, three_guesses):
    session = session_for(interviewer)
    for _ in range(5):
        assert client.get(f"/s/{session.code}/").status_code == 200


# --- the counters' cache client -------------------------------------------------------------


@pytest.fixture
def redis_counters(settings, redis_url):
    """The guess counters in a Redis database of their own, with a fresh client."""
    from interview.domain import throttling

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url.rsplit("/", 1)[0] + "/14",
            "KEY_PREFIX": "counters-test",
        }
    }
    throttling._counters.cache_clear()
    yield redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    throttling._counters().clear()
    throttling._counters.cache_clear()


@pytest.mark.django_db(transaction=True)
async def test_sockets_count_their_guesses_through_one_redis_client(redis_counters):
    """Every socket is an asyncio task of its own: none may open a connection of its own."""
    from interview.domain import throttling
    from interview.live.dbcalls import in_db_thread

    def connections() -> int:
        return sum(1 for c in redis_counters.client_list() if c["db"] == "14")

    # The client's first use makes its pool: made before the sockets race for it.
    throttling._counters().get("warm")
    before = connections()
    await asyncio.gather(
        *(
            asyncio.create_task(in_db_thread(session_id_for_guess)("NOSUCH22", f"10.0.0.{n}"))
            for n in range(30)
        )
    )
    # At most one connection per database thread, not one per socket.
    assert connections() - before <= settings.DB_THREADS
