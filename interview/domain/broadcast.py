"""Fan-out: committed events and presence changes to the processes holding a session's sockets.

Every process with sockets of a session has its hub in the session's group (see
``delivery``). An event goes to that group once, serialised once per lens (see
``visibility``): the panel's text, the public's, and the author's when the author sees more.
Each hub writes each of its sockets the text of its lens; the database holds every event
too, so a message the layer loses is read from there by seq.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from interview import telemetry
from interview.domain.protocol import EventType, event_frame, frame_text, timestamp
from interview.domain.visibility import Lens, event_author, presence_visible, project
from interview.models import Event

log = logging.getLogger(__name__)


def group_session(session_id: int) -> str:
    """The group of the hubs (one per process) holding sockets of the session."""
    return f"session.{session_id}"


def event_text(event: Event, data: dict | None) -> str | None:
    """The frame of a persisted event as one lens sees it (``data``), or None for nothing."""
    if data is None:
        return None
    return frame_text(event_frame(event.type, data, seq=event.seq, ts=timestamp(event.created_at)))


def event_message(event: Event) -> dict:
    """The layer message of a persisted event: its text through each lens."""
    author = event_author(event.type, event.payload)
    lenses = (
        (Lens.PANEL, Lens.PUBLIC, Lens.AUTHOR) if author is not None else (Lens.PANEL, Lens.PUBLIC)
    )
    message = {
        "type": "session.event",
        "session": event.session_id,
        "seq": event.seq,
        "texts": {
            str(lens): event_text(
                event, project(event.type, event.payload, lens, audience=event.audience)
            )
            for lens in lenses
        },
    }
    if author is not None:
        message["author"] = author
    return message


async def event_publish(event: Event) -> None:
    """Send a committed event to every process holding sockets of its session."""
    started = time.perf_counter()
    await get_channel_layer().group_send(group_session(event.session_id), event_message(event))
    telemetry.FANOUT_SECONDS.observe(time.perf_counter() - started)
    telemetry.EVENTS.labels(type=event.type).inc()


def event_publish_on_commit(event: Event) -> None:
    """Publish the event once the transaction that appended it has committed."""
    _after_commit(event_publish, event=event)


async def presence_publish(*, session_id: int, participant: dict, online: bool) -> None:
    """``participant.joined`` or ``participant.left``, to whom it concerns in the session."""
    event_type = EventType.PARTICIPANT_JOINED if online else EventType.PARTICIPANT_LEFT
    text = frame_text(event_frame(event_type, {**participant, "online": online}))
    texts = {
        str(lens): text if presence_visible(participant["role"], lens) else None
        for lens in (Lens.PANEL, Lens.PUBLIC)
    }
    await get_channel_layer().group_send(
        group_session(session_id),
        {"type": "session.presence", "session": session_id, "texts": texts},
    )


def presence_publish_on_commit(*, session_id: int, participant: dict, online: bool) -> None:
    _after_commit(presence_publish, session_id=session_id, participant=participant, online=online)


async def sockets_displace(*, session_id: int, sockets: list[str]) -> None:
    """Tell whichever process holds these sockets (by their ``Connection`` names) to close
    them: their participant opened newer ones (``connection_open``)."""
    await get_channel_layer().group_send(
        group_session(session_id),
        {"type": "session.displace", "session": session_id, "sockets": sockets},
    )


def sockets_displace_on_commit(*, session_id: int, sockets: list[str]) -> None:
    _after_commit(sockets_displace, session_id=session_id, sockets=sockets)


# The publications a service committed, collected per database thread while
# ``dbcalls.perform`` runs it, and sent from the event loop once the service has returned.
# The thread never waits on the event loop, so a shutting-down loop can never leave a
# database thread hanging.
_outbox = threading.local()


def _after_commit(publish: Callable[..., Awaitable[None]], **kwargs: object) -> None:
    def queue() -> None:
        pending = getattr(_outbox, "pending", None)
        if pending is None:  # a caller outside ``perform`` (a shell, a management command)
            _publish_blocking(publish, **kwargs)
        else:
            pending.append((publish, kwargs))

    transaction.on_commit(queue)


@contextlib.contextmanager
def publications_collected() -> Iterator[list]:
    """Collect, instead of sending, what the services in this block commit (see ``perform``)."""
    _outbox.pending = pending = []
    try:
        yield pending
    finally:
        _outbox.pending = None


async def publications_send(pending: list) -> None:
    """Send collected publications. A failed send loses nothing: the events are in the
    database, and every client fills gaps from there on its next event or reconnect. So it
    is counted and logged, not raised."""
    for publish, arguments in pending:
        try:
            await publish(**arguments)
        except Exception:
            telemetry.FANOUT_FAILURES.inc()
            log.exception("fan-out failed; clients will catch up from the database")


def _publish_blocking(publish: Callable[..., Awaitable[None]], **kwargs: object) -> None:
    try:
        async_to_sync(publish)(**kwargs)
    except Exception:
        telemetry.FANOUT_FAILURES.inc()
        log.exception("fan-out failed; clients will catch up from the database")
