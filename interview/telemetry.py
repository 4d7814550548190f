"""What operators see: log context (session code, participant id) and Prometheus metrics.

The consumer sets the context once per socket; every log line written while it serves that
socket, in its task or in a database thread, carries the session code and participant id.
Tokens never go into the context, the logs or the metrics.
"""

import contextvars
import logging

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


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition of this process's metrics; scrape each process directly."""
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
