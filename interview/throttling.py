"""Limits of the WebSocket endpoint: join-code guesses per address, commands per socket.

Guessing join codes over ``/ws/``: misses count against the address, as joins do over HTTP.

A socket to an unknown session is closed with 4404 and one to a known session is not, so the
WebSocket endpoint would tell a guesser which codes exist, around the rate-limited HTTP join.
Misses from one address are counted in the shared cache over the join rate's window
(``JOIN_RATE``, 60 a minute by default); past it, every socket from that address, to a known
session or not, is closed with 4429 until the window ends, so the answer says nothing about
the code.
"""

import time
from collections import deque

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from .selectors import session_id_for


class TooManyGuessesError(Exception):
    """This address missed too many join codes lately."""


def client_address(scope: dict) -> str:
    """The client's address as DRF's throttles see it: behind ``NUM_PROXIES`` proxies, the
    address that many hops back in X-Forwarded-For."""
    remote = (scope.get("client") or ("unknown", 0))[0]
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    forwarded = dict(scope.get("headers") or []).get(b"x-forwarded-for")
    if not proxies or not forwarded:
        return remote
    hops = forwarded.decode("latin-1").split(",")
    return hops[-min(proxies, len(hops))].strip()


def request_client_address(request: HttpRequest) -> str:
    """An HTTP request's client address, as DRF's throttles see it (sign-in lockouts count it)."""
    return BaseThrottle().get_ident(request)


def _window() -> tuple[int, int]:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["join"]
    return ScopedRateThrottle().parse_rate(rate)


def session_id_for_guess(code: str, address: str) -> int | None:
    """The session with this code, or None (a miss, counted); raise when the address is over."""
    limit, window_s = _window()
    key = f"ws-code-misses:{address}"
    if (cache.get(key) or 0) >= limit:
        raise TooManyGuessesError(address)
    session_id = session_id_for(code)
    if session_id is None:
        cache.add(key, 0, timeout=window_s)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=window_s)
    return session_id


class RateLimit:
    """At most ``limit`` commands in any one second: a sliding window of accepted times.

    Exactly the contract's "more than 20 commands a second are refused". A token bucket of 20
    refilling at 20 a second would let a burst spread over a few hundred milliseconds through
    with more than 20.
    """

    def __init__(self, limit: int, window_s: float = 1.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self.accepted: deque[float] = deque()

    def take(self) -> bool:
        now = time.monotonic()
        while self.accepted and now - self.accepted[0] >= self.window_s:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            return False
        self.accepted.append(now)
        return True
