"""Sign-in lockouts: a few wrong passwords pause a username and an address, on both pages."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ATTACKER = "203.0.113.7"


def sign_in(client, path: str, username: str, password: str, address: str = ATTACKER):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, path: str, username: str, address: str = ATTACKER) -> None:
    """Wrong passwords up to the limit: each answered with the form, the last with the lockout."""
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = sign_in(client, path, username, "wrong-password", address)
        if attempt < settings.AXES_FAILURE_LIMIT:
            assert response.status_code == 200, attempt
            assert b"Too many failed sign-ins" not in response.content
    assert_locked_out(response)


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Try again in {minutes} minutes" in page
    # The site's own page, with the site's stylesheet and policy.
    assert 'class="topbar"' in page
    assert "interview/css/app.css" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def after_the_cool_down():
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    return time_machine.travel(later, tick=False)


def test_wrong_passwords_lock_the_sign_in_page_even_for_the_right_password(client, interviewer):
    fail_until_locked(client, LOGIN, "alice")
    assert_locked_out(sign_in(client, LOGIN, "alice", "pw-alice"))
    assert not signed_in(client)


def test_after_the_cool_down_the_right_password_signs_in(client, interviewer):
    fail_until_locked(client, LOGIN, "alice")
    with after_the_cool_down():
        response = sign_in(client, LOGIN, "alice", "pw-alice")
        assert response.status_code == 302
        assert response["Location"] == settings.LOGIN_REDIRECT_URL
        assert signed_in(client)


def test_the_admin_sign_in_is_locked_out_the_same_way(client, admin_user):
    fail_until_locked(client, ADMIN_LOGIN, "admin")
    assert_locked_out(sign_in(client, ADMIN_LOGIN, "admin", "password"))
    assert not signed_in(client)
    with after_the_cool_down():
        response = sign_in(client, ADMIN_LOGIN, "admin", "password")
        assert response.status_code == 302
        assert signed_in(client)


def test_a_locked_username_is_refused_from_every_address(client, interviewer):
    fail_until_locked(client, LOGIN, "alice")
    assert_locked_out(sign_in(client, LOGIN, "alice", "pw-alice", address="198.51.100.20"))


def test_a_locked_address_is_refused_for_every_username(client, interviewer, other_interviewer):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, LOGIN, f"guess-{attempt}", "wrong-password")
    assert_locked_out(sign_in(client, LOGIN, "bob", "pw-bob"))
    response = sign_in(client, LOGIN, "bob", "pw-bob", address="198.51.100.20")
    assert response.status_code == 302


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_forwarded(
    client, settings, other_interviewer
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.1"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"guess-{attempt}", "password": "wrong-password"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.1, {ATTACKER}",
        )
    locked = client.post(
        LOGIN,
        {"username": "bob", "password": "pw-bob"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )
    assert locked.status_code == 429
    # Everyone else behind the same proxy still signs in.
    neighbour = client.post(
        LOGIN,
        {"username": "bob", "password": "pw-bob"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert neighbour.status_code == 302
