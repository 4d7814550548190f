"""What operators see: log context (session code, participant id) and Prometheus metrics.

The consumer sets the context once per socket; every log line written while it serves that
socket, in its task or in a database thread, carries the session code and participant id.
Tokens never go into the context, the logs or the metrics.
"""

import contextvars
import hmac
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

session_code: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "session_code", default=None
)
participant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "participant_id", default=None
)


class ContextFilter(logging.Filter):
    """Adds ``session`` and ``participant`` to every record, from the socket being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.session = session_code.get()
        record.participant = participant_id.get()
        return True


OPEN_SOCKETS = Gauge("interview_open_sockets", "WebSocket connections open in this process")
COMMANDS = Counter(
    "interview_commands_total",
    "Commands received, by type and outcome (ack, pong, or the error code)",
    ["type", "outcome"],
)
CLOSES = Counter(
    "interview_socket_closes_total", "Sockets closed by the server, by close code", ["code"]
)
EVENTS = Counter("interview_events_total", "Persisted events fanned out, by type", ["type"])
FANOUT_SECONDS = Histogram(
    "interview_fanout_seconds",
    "Time to hand one event to the channel layer for every audience",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
FANOUT_FAILURES = Counter(
    "interview_fanout_failures_total", "Events whose fan-out failed (clients catch up by seq)"
)
GAP_FILLS = Counter(
    "interview_gap_fills_total",
    "Reads of missing events from the database, when the layer's copy came late or not at all",
)


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _bearer_token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken says nothing about how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.encode(), token.encode())


def _sent_from_this_machine(request: HttpRequest) -> bool:
    """The peer is a loopback address and no proxy forwarded the request.

    Under ``daphne --proxy-headers`` REMOTE_ADDR is taken from X-Forwarded-For, which anyone
    reaching daphne can write, and a proxy on this machine connects from loopback on behalf
    of the world: a forwarded request is never local.
    """
    return "x-forwarded-for" not in request.headers and _is_loopback(
        request.META.get("REMOTE_ADDR", "")
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition of this process's metrics; scrape each process directly.

    With ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` is answered; without
    it, only requests from this machine.
    """
    token = settings.METRICS_TOKEN
    if token and not _bearer_token_matches(request, token):
        response = HttpResponse(
            "Send Authorization: Bearer <METRICS_TOKEN>.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not token and not _sent_from_this_machine(request):
        return HttpResponse(
            "Metrics answer this machine only; set METRICS_TOKEN to scrape from elsewhere.\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
