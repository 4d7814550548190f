"""The address a socket's code guesses count against: as DRF's throttles find it."""

from interview.throttling import client_address


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
