"""Sign-in lockouts: a few wrong passwords pause a username at one address, many pause the
address, on both pages."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.50"  # a whole office behind one address


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


def test_a_lockout_holds_that_username_at_that_address_only(client, interviewer):
    fail_until_locked(client, LOGIN, "alice")
    assert_locked_out(sign_in(client, LOGIN, "alice", "pw-alice"))
    response = sign_in(client, LOGIN, "alice", "pw-alice", address="198.51.100.20")
    assert response.status_code == 302


def test_one_persons_failures_do_not_stop_a_colleague_at_the_same_address(
    client, interviewer, other_interviewer
):
    fail_until_locked(client, LOGIN, "alice", address=OFFICE)
    assert_locked_out(sign_in(client, LOGIN, "alice", "pw-alice", address=OFFICE))
    response = sign_in(client, LOGIN, "bob", "pw-bob", address=OFFICE)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_few_guesses_at_many_usernames_do_not_lock_the_address(client, other_interviewer):
    below_each_limit = settings.AXES_FAILURE_LIMIT - 1
    for attempt in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        response = sign_in(client, LOGIN, f"guess-{attempt // below_each_limit}", "wrong")
        assert response.status_code == 200, attempt
    response = sign_in(client, LOGIN, "bob", "pw-bob")
    assert response.status_code == 302


def test_many_failures_from_one_address_lock_it_for_every_username(client, other_interviewer):
    below_each_limit = settings.AXES_FAILURE_LIMIT - 1
    for attempt in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        response = sign_in(client, LOGIN, f"guess-{attempt // below_each_limit}", "wrong")
    # The failure that reaches the address's ceiling is answered with the lockout already.
    assert_locked_out(response)
    assert_locked_out(sign_in(client, LOGIN, "bob", "pw-bob"))
    assert not signed_in(client)
    response = sign_in(client, LOGIN, "bob", "pw-bob", address="198.51.100.20")
    assert response.status_code == 302
    client.logout()
    with after_the_cool_down():
        assert sign_in(client, LOGIN, "bob", "pw-bob").status_code == 302


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_forwarded(
    client, settings, interviewer
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.1"

    def sign_in_through_proxy(forwarded_for: str):
        return client.post(
            LOGIN,
            {"username": "alice", "password": "pw-alice"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong-password"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.1, {ATTACKER}",
        )
    assert sign_in_through_proxy(ATTACKER).status_code == 429
    # The same username from another client behind the same proxy still signs in.
    assert sign_in_through_proxy("203.0.113.8").status_code == 302
