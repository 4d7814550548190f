"""Services of connections: presence, the grace period, the reaper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from interview.domain import services

from .services_kit import (
    live,  # noqa: F401 (fixture)
)


@pytest.mark.django_db
def test_presence_comes_with_the_first_socket_and_goes_with_the_last(live):
    _, _, ann, _ = live
    assert services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    assert not services.connection_open(participant=ann, channel_name="a2", server_id="s2")
    assert not services.connection_close(channel_name="a1")
    assert services.connection_close(channel_name="a2")
    assert not services.connection_close(channel_name="a2")  # already gone: no second "left"


@pytest.mark.django_db
def test_sockets_of_a_dead_process_are_reaped_and_their_owner_goes_offline(live):
    from interview.domain.presence import PRESENCE_STALE_AFTER
    from interview.domain.selectors import online_ids
    from interview.models import Connection

    session, _, ann, ben = live
    services.connection_open(participant=ann, channel_name="dead", server_id="gone")
    services.connection_open(participant=ben, channel_name="alive", server_id="here")
    assert online_ids(session) == {ann.id, ben.id}
    Connection.objects.filter(server_id="gone").update(
        heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER - timedelta(seconds=1)
    )
    assert online_ids(session) == {ben.id}
    assert services.connections_reap() == 1
    assert list(Connection.objects.values_list("channel_name", flat=True)) == ["alive"]


@pytest.mark.django_db
def test_a_dropped_socket_keeps_its_participant_online_for_the_grace_period(live):
    from interview.domain.presence import PRESENCE_GRACE
    from interview.domain.selectors import online_ids

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    assert not services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    assert online_ids(session) == {ann.id}
    # Back within the grace period: no second arrival is announced.
    assert not services.connection_open(participant=ann, channel_name="a2", server_id="s1")
    assert services.connections_reap() == 0


@pytest.mark.django_db
def test_after_the_grace_period_the_reaper_announces_the_departure(live):
    from interview.domain.presence import PRESENCE_GRACE, PRESENCE_STALE_AFTER
    from interview.domain.selectors import online_ids
    from interview.models import Connection

    session, _, ann, _ = live
    services.connection_open(participant=ann, channel_name="a1", server_id="s1")
    services.connection_close(channel_name="a1", grace=PRESENCE_GRACE)
    Connection.objects.update(heartbeat_at=timezone.now() - PRESENCE_STALE_AFTER)
    assert online_ids(session) == set()
    assert services.connections_reap() == 1
    assert not Connection.objects.exists()
