"""Fan-out: committed events and presence changes to the sockets of a session.

Every socket of a session sits in one audience group (the panel, or the public of candidates
and spectators) and in its participant's own group. An event is serialised once per lens
(see ``visibility``) and sent to the group of that lens; the public copy names the author it
skips, since the author gets their own copy. Consumers drop what they have already delivered,
so a copy arriving twice, or after a replay, is harmless.
"""

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import telemetry
from .dbcalls import in_db_thread
from .models import Event
from .protocol import event_frame, frame_text, timestamp
from .visibility import Lens, author_lens_differs, project

log = logging.getLogger(__name__)
T = TypeVar("T")


def group_panel(session_id: int) -> str:
    return f"session.{session_id}.panel"


def group_public(session_id: int) -> str:
    return f"session.{session_id}.public"


def group_participant(participant_id: int) -> str:
    return f"participant.{participant_id}"


def groups_for(*, session_id: int, participant_id: int, role: str) -> list[str]:
    """The groups a socket of this participant joins."""
    audience = group_panel(session_id) if role == "interviewer" else group_public(session_id)
    return [audience, group_participant(participant_id)]


def event_text(event: Event, data: dict | None) -> str | None:
    """The frame of a persisted event as one lens sees it (``data``), or None for nothing."""
    if data is None:
        return None
    return frame_text(event_frame(event.type, data, seq=event.seq, ts=timestamp(event.created_at)))


async def event_publish(event: Event) -> None:
    """Send a committed event to every socket of its session, once per lens."""
    started = time.perf_counter()
    layer = get_channel_layer()
    payload, audience = event.payload, event.audience
    author = payload.get("participant_id") if author_lens_differs(event.type) else None
    sends = [
        (group_panel(event.session_id), project(event.type, payload, Lens.PANEL), None),
        (
            group_public(event.session_id),
            project(event.type, payload, Lens.PUBLIC, audience=audience),
            author,
        ),
    ]
    if author is not None:
        sends.append(
            (
                group_participant(author),
                project(event.type, payload, Lens.AUTHOR, audience=audience),
                None,
            )
        )
    for group, data, skip in sends:
        # A None text still carries the seq, so the receivers know nothing is missing.
        message = {"type": "session.event", "seq": event.seq, "text": event_text(event, data)}
        if skip is not None:
            message["skip"] = skip
        await layer.group_send(group, message)
    telemetry.FANOUT_SECONDS.observe(time.perf_counter() - started)
    telemetry.EVENTS.labels(type=event.type).inc()


def event_publish_on_commit(event: Event) -> None:
    """Publish the event once the transaction that appended it has committed."""
    _after_commit(event_publish, event=event)


async def presence_publish(*, session_id: int, participant: dict, online: bool) -> None:
    """``participant.joined`` or ``participant.left`` to everyone in the session."""
    event_type = "participant.joined" if online else "participant.left"
    text = frame_text(event_frame(event_type, {**participant, "online": online}))
    layer = get_channel_layer()
    for group in (group_panel(session_id), group_public(session_id)):
        await layer.group_send(group, {"type": "session.presence", "text": text})


def presence_publish_on_commit(*, session_id: int, participant: dict, online: bool) -> None:
    _after_commit(presence_publish, session_id=session_id, participant=participant, online=online)


# The publications a service committed, collected per database thread while ``perform`` runs
# it, and sent from the event loop once the service has returned. The thread never waits on
# the event loop, so a shutting-down loop can never leave a database thread hanging.
_outbox = threading.local()


def _after_commit(publish: Callable[..., Awaitable[None]], **kwargs: object) -> None:
    def queue() -> None:
        pending = getattr(_outbox, "pending", None)
        if pending is None:  # a caller outside ``perform`` (a shell, a management command)
            _publish_blocking(publish, **kwargs)
        else:
            pending.append((publish, kwargs))

    transaction.on_commit(queue)


async def perform(service: Callable[..., T], /, **kwargs: object) -> T:
    """Run a sync service in the database thread, then publish what it committed.

    A failed send loses nothing: the events are in the database, and every client fills gaps
    from there on its next event or reconnect. So it is counted and logged, not raised.
    """

    def run() -> tuple[T, list]:
        _outbox.pending = pending = []
        try:
            return service(**kwargs), pending
        finally:
            _outbox.pending = None

    result, pending = await in_db_thread(run)()
    for publish, arguments in pending:
        try:
            await publish(**arguments)
        except Exception:
            telemetry.FANOUT_FAILURES.inc()
            log.exception("fan-out failed; clients will catch up from the database")
    return result


def _publish_blocking(publish: Callable[..., Awaitable[None]], **kwargs: object) -> None:
    try:
        async_to_sync(publish)(**kwargs)
    except Exception:
        telemetry.FANOUT_FAILURES.inc()
        log.exception("fan-out failed; clients will catch up from the database")
