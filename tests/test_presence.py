"""How long presence lasts (``interview.domain.presence``): the timings the reads and the
writes share, and what they promise each other."""

from datetime import timedelta

from interview.domain.presence import PRESENCE_GRACE, PRESENCE_HEARTBEAT, PRESENCE_STALE_AFTER


def test_a_socket_goes_stale_only_after_three_missed_heartbeats():
    assert PRESENCE_STALE_AFTER >= 3 * PRESENCE_HEARTBEAT
    assert timedelta(0) < PRESENCE_HEARTBEAT


def test_a_dropped_sockets_grace_is_shorter_than_a_silent_sockets_life():
    assert timedelta(0) < PRESENCE_GRACE < PRESENCE_STALE_AFTER
