"""DRF throttles of the HTTP API, with their rates read from the settings at each request."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class SettingsRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle with its rate as the settings say at each request: DRF reads
    its class attribute once, at import."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super(ScopedRateThrottle, self).allow_request(request, view)


class ReadThrottle(SettingsRateThrottle):
    """The session's reads, counted per client address whoever is signed in: a read costs
    the server the same whichever token asks (HTTP 429 with ``Retry-After`` past
    ``READ_RATE``)."""

    scope = "read"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SessionCreateThrottle(SettingsRateThrottle):
    """New sessions, counted per interviewer (``SESSION_CREATE_RATE``)."""

    scope = "sessions"
