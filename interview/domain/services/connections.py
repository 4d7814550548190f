"""Connections and presence: each open socket's row, who is online, the cap on a
participant's sockets, and the rows of sockets whose process died."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from interview.domain.broadcast import presence_publish_on_commit, sockets_displace_on_commit
from interview.domain.presence import PRESENCE_GRACE, PRESENCE_STALE_AFTER
from interview.domain.protocol import MAX_SOCKETS_PER_PARTICIPANT
from interview.domain.services.rounds import rounds_close_due
from interview.models import Connection, Participant


def _presence_card(participant: Participant) -> dict:
    """What the room is told of a participant coming or going."""
    return {
        "participant_id": participant.id,
        "name": participant.display_name,
        "role": participant.role,
    }


def _live_connections(participant_id: int, now: datetime) -> QuerySet[Connection]:
    """The participant's sockets heard from within ``PRESENCE_STALE_AFTER``."""
    return Connection.objects.filter(
        participant_id=participant_id, heartbeat_at__gt=now - PRESENCE_STALE_AFTER
    )


def connection_open(*, participant: Participant, channel_name: str, server_id: str) -> bool:
    """Record an open socket; True when it brought the participant online."""
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        was_online = _live_connections(participant.id, now).exists()
        # One upsert: a channel name is new with every socket, except where a test's
        # in-memory layer, reseeded, names a socket like one whose tombstone is still there.
        Connection.objects.bulk_create(
            [
                Connection(
                    channel_name=channel_name,
                    participant=participant,
                    server_id=server_id,
                    heartbeat_at=now,
                )
            ],
            update_conflicts=True,
            unique_fields=["channel_name"],
            update_fields=["participant", "server_id", "heartbeat_at"],
        )
        if not was_online:
            presence_publish_on_commit(
                session_id=participant.session_id,
                participant=_presence_card(participant),
                online=True,
            )
        _connections_displace(participant=participant, keep=channel_name, now=now)
    return not was_online


def _connections_displace(*, participant: Participant, keep: str, now: datetime) -> None:
    """Past ``MAX_SOCKETS_PER_PARTICIPANT`` open sockets (on any process), the oldest are
    told to close (``sockets_displace``). Decided here, under the participant's lock, so the
    cap holds across processes; a row stays until its socket closes, so a close that went
    astray is asked again at the next hello."""
    older = (
        _live_connections(participant.id, now)
        .exclude(server_id="")  # tombstones: closed sockets in their grace period
        .exclude(channel_name=keep)
        .order_by("-opened_at", "-id")
        .values_list("channel_name", flat=True)
    )
    displaced = list(older[MAX_SOCKETS_PER_PARTICIPANT - 1 :])
    if displaced:
        sockets_displace_on_commit(session_id=participant.session_id, sockets=displaced)


def participant_arrive(*, participant: Participant, channel_name: str, server_id: str) -> None:
    """A socket said hello: it is recorded, and a deadline that passed while no server ran
    closes now at the latest (the clock closes it within a tick otherwise)."""
    connection_open(participant=participant, channel_name=channel_name, server_id=server_id)
    rounds_close_due(session_id=participant.session_id)


def connection_close(*, channel_name: str, grace: timedelta | None = None) -> bool:
    """A socket closed; True when that took its participant offline now.

    With ``grace`` the socket's row stays as a tombstone that keeps its participant online
    for that long (no process refreshes it); a reconnect within it announces nothing, and the
    reaper announces the departure otherwise.
    """
    now = timezone.now()
    if grace:
        Connection.objects.filter(channel_name=channel_name).update(
            server_id="", heartbeat_at=now - PRESENCE_STALE_AFTER + grace
        )
        return False
    return _connection_forget(channel_name=channel_name, now=now)


def _connection_forget(*, channel_name: str, now: datetime) -> bool:
    """Delete a socket's row; announce the departure if it was the participant's last.

    Two processes may reap the same stale socket at once: only the one whose delete removed
    the row announces the departure.
    """
    participant_id = (
        Connection.objects.filter(channel_name=channel_name)
        .values_list("participant_id", flat=True)
        .first()
    )
    if participant_id is None:
        return False
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant_id)
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if not deleted:
            return False
        Participant.objects.filter(pk=participant.pk).update(last_seen_at=now)
        if _live_connections(participant.id, now).exists():
            return False
        presence_publish_on_commit(
            session_id=participant.session_id,
            participant=_presence_card(participant),
            online=False,
        )
    return True


def connections_heartbeat(*, server_id: str) -> int:
    """Mark this process's sockets as still open."""
    return Connection.objects.filter(server_id=server_id).update(heartbeat_at=timezone.now())


def connections_reap() -> int:
    """Forget sockets of processes that died without closing them; announce who went offline."""
    now = timezone.now()
    stale = Connection.objects.filter(heartbeat_at__lte=now - PRESENCE_STALE_AFTER)
    reaped = 0
    for channel_name in stale.values_list("channel_name", flat=True):
        _connection_forget(channel_name=channel_name, now=now)
        reaped += 1
    return reaped


def connections_forget(*, server_id: str) -> int:
    """A process is shutting down: its sockets go, their participants get the grace period."""
    return Connection.objects.filter(server_id=server_id).update(
        server_id="", heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER + PRESENCE_GRACE
    )
