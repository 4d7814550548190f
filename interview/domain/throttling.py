"""Limits per client address and per participant: join-code guesses, commands.

Guessing join codes: every place that answers differently for a known code and an unknown one
counts the unknown ones (misses) against the client's address. That is the HTTP join, the
session pages (``/s/{code}/``, ``/s/{code}/watch``, ``/dashboard/join/{code}/``, ...), the
candidate's ``my-results`` and sockets to ``/ws/sessions/{code}/`` (closed with 4404 for an
unknown session). Misses are counted in the shared cache over the join rate's window
(``JOIN_RATE``, 60 a minute by default); past it, every one of them from that address, for a
known session or not, is refused until the window ends (HTTP 429, WebSocket 4429), so the
answer says nothing about the code. The HTTP join is also rate-limited as a whole by DRF's
``join`` throttle, and the session's reads (results, CSV, a candidate's results, the
timeline) by ``interview.api.throttles.ReadThrottle``, per address (``READ_RATE``).

Commands: a participant's sockets in one process share one budget (``SharedRateLimits``), so
more sockets do not buy more commands. Across processes each process counts on its own; with
at most ``MAX_SOCKETS_PER_PARTICIPANT`` sockets (``services.connection_open``), a participant
spread over three processes gets at most three budgets.
"""

import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from interview.adapters.django import shared_cache
from interview.domain.selectors import session_for_code, session_id_for
from interview.models import InterviewSession

Found = TypeVar("Found")


class TooManyGuessesError(Exception):
    """This address missed too many join codes lately; try again in ``wait_s`` at most."""

    def __init__(self, address: str, wait_s: int) -> None:
        super().__init__(address)
        self.wait_s = wait_s


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


def request_address(request: HttpRequest) -> str:
    """An HTTP request's client address, exactly as DRF's throttles count it
    (the join-code guesses and the sign-in lockouts count it)."""
    return BaseThrottle().get_ident(request)


# Where misses are counted: the shared cache, one client for the whole process.
_counters = shared_cache


def _window() -> tuple[int, int]:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["join"]
    return ScopedRateThrottle().parse_rate(rate)


def _guess(address: str, find: Callable[[], Found | None]) -> Found | None:
    """What ``find`` finds for a code this address sent, or None (a miss, counted); raise
    ``TooManyGuessesError`` when the address is over, before looking."""
    limit, window_s = _window()
    key = f"code-misses:{address}"
    cache = _counters()
    if (cache.get(key) or 0) >= limit:
        raise TooManyGuessesError(address, window_s)
    found = find()
    if found is None:
        cache.add(key, 0, timeout=window_s)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=window_s)
    return found


def session_id_for_guess(code: str, address: str) -> int | None:
    """The id of the session with this (normalised) code, or None; a miss counts."""
    return _guess(address, lambda: session_id_for(code))


def session_for_guess(code: str, address: str) -> InterviewSession | None:
    """The session with this code as typed (any case, dashes ignored), or None; a miss
    counts."""
    return _guess(address, lambda: session_for_code(code))


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


class SharedRateLimits:
    """One ``RateLimit`` per key (a participant), shared by whoever holds it, kept while
    anyone does: a participant's sockets in this process draw on one budget."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: dict[Hashable, tuple[RateLimit, int]] = {}

    def hold(self, key: Hashable) -> RateLimit:
        limit, holders = self.held.get(key) or (RateLimit(self.limit), 0)
        self.held[key] = (limit, holders + 1)
        return limit

    def release(self, key: Hashable) -> None:
        limit, holders = self.held[key]
        if holders > 1:
            self.held[key] = (limit, holders - 1)
        else:
            del self.held[key]
