"""Join-code guesses: the address they count against (as DRF's throttles find it), and the
pages and endpoints that count them."""

import pytest

from interview.throttling import TooManyGuessesError, client_address, session_id_for_guess

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
        "DEFAULT_THROTTLE_RATES": {"join": "3/min"},
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
