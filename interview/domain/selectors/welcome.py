"""Reads: what a socket is welcomed with after ``hello``, the snapshot and the replay read
from one snapshot of the database."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from interview.domain.protocol import event_frame, frame_text, timestamp
from interview.domain.selectors.events import events_after
from interview.domain.selectors.snapshot import snapshot_for
from interview.domain.visibility import Viewer
from interview.models import InterviewSession, Participant


@dataclass(frozen=True)
class Welcome:
    """What a socket gets after ``hello``, all read from one snapshot of the database.

    ``data`` is the ``welcome`` event's; ``replay`` the frames since the client's last seq
    as (seq, text), the text None where the viewer is not in the event's audience (the
    socket then marks the next frame with ``prev``, ``delivery``); live events continue after
    ``resume_from``.
    """

    data: dict
    replay: list[tuple[int, str | None]]
    resume_from: int


def welcome_for(participant: Participant, viewer: Viewer, last_seq: int) -> Welcome:
    """The welcome of a participant's socket that has seen events up to ``last_seq``.

    ``last_seq``, the snapshot and the replay come from one consistent read, so the client
    never applies an event that its snapshot already holds.
    """
    with consistent_read():
        session = InterviewSession.objects.get(pk=participant.session_id)
        snapshot = snapshot_for(session, viewer)
        replay = [
            (
                event["seq"],
                None
                if event["data"] is None
                else frame_text(
                    event_frame(event["type"], event["data"], seq=event["seq"], ts=event["ts"])
                ),
            )
            for event in events_after(session.id, last_seq, viewer)
        ]
    me = {"participant_id": participant.id, "name": participant.display_name}
    me |= {"role": participant.role, "is_owner": participant.user_id == session.owner_id}
    data = {"participant": me, "session": {"code": session.code, "title": session.title}}
    data |= {"snapshot": snapshot, "server_now": timestamp(), "last_seq": session.last_seq}
    # A last_seq from the future (a client of a reset database) must not mute live events.
    return Welcome(data=data, replay=replay, resume_from=min(last_seq, session.last_seq))


@contextlib.contextmanager
def consistent_read() -> Iterator[None]:
    """A transaction whose reads all see one snapshot of the database.

    PostgreSQL's default, READ COMMITTED, gives each statement its own snapshot; REPEATABLE
    READ gives the transaction one. SQLite's transactions begin IMMEDIATE here (see
    settings): holding the one write lock, they read one state.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
