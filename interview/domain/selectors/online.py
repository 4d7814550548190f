"""Reads: who is online, from the sockets their server processes keep refreshing
(``presence``)."""

from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from interview.domain.presence import PRESENCE_STALE_AFTER
from interview.models import Connection, InterviewSession, Participant


def online_ids(session: InterviewSession, roles: Iterable[str] | None = None) -> set[int]:
    """Participants (of these roles, if given) with a socket open on a live server process."""
    fresh = timezone.now() - PRESENCE_STALE_AFTER
    sockets = Connection.objects.filter(participant__session=session, heartbeat_at__gt=fresh)
    if roles is not None:
        sockets = sockets.filter(participant__role__in=roles)
    return set(sockets.values_list("participant_id", flat=True))


def presence_counts(session_id: int) -> dict[str, int]:
    """How many participants of each role are online: ``presence.counts``'s data."""
    fresh = timezone.now() - PRESENCE_STALE_AFTER
    online = (
        Connection.objects.filter(participant__session_id=session_id, heartbeat_at__gt=fresh)
        .values("participant__role")
        .annotate(n=Count("participant_id", distinct=True))
        .values_list("participant__role", "n")
    )
    return _counts(dict(online))


def _counts(by_role: dict[str, int]) -> dict[str, int]:
    return {
        "interviewers": by_role.get(Participant.Role.INTERVIEWER, 0),
        "candidates": by_role.get(Participant.Role.CANDIDATE, 0),
        "spectators": by_role.get(Participant.Role.SPECTATOR, 0),
    }
