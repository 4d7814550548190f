"""Reads: who is online, by participant and by role (``interview.domain.selectors.online``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from interview.domain import services
from interview.domain.presence import PRESENCE_STALE_AFTER
from interview.domain.selectors.online import online_ids, presence_counts
from interview.models import Connection

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


def test_the_online_are_those_with_a_fresh_socket_counted_once_per_participant(interviewer):
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    wall = seat(session, "Wall", role="spectator")
    seat(session, "Cid")  # never connects
    for participant, channel in (
        (panel, "p1"),
        (ann, "a1"),
        (ann, "a2"),
        (ben, "b1"),
        (wall, "w1"),
    ):
        services.connection_open(participant=participant, channel_name=channel, server_id="s1")
    assert online_ids(session) == {panel.id, ann.id, ben.id, wall.id}
    assert online_ids(session, roles=["candidate"]) == {ann.id, ben.id}
    assert presence_counts(session.id) == {"interviewers": 1, "candidates": 2, "spectators": 1}

    stale = timezone.now() - PRESENCE_STALE_AFTER - timedelta(seconds=1)
    Connection.objects.filter(channel_name="b1").update(heartbeat_at=stale)
    assert online_ids(session, roles=["candidate"]) == {ann.id}
    assert presence_counts(session.id)["candidates"] == 1


def test_nobody_is_online_in_a_session_without_sockets(interviewer):
    session = session_for(interviewer)
    other = session_for(interviewer, "Other")
    services.connection_open(participant=owner_seat(other), channel_name="o1", server_id="s1")
    assert online_ids(session) == set()
    assert presence_counts(session.id) == {"interviewers": 0, "candidates": 0, "spectators": 0}
