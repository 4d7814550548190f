"""The HTTP API's DRF throttles (``interview.api.throttles`` and the join's scoped one):
joins per address, the session's reads per address whoever asks, new sessions per user."""

import pytest

from interview.domain import services

from .conftest import client_for, make_interviewer
from .factories import session_for
from .test_views import error_of
from .test_views_results import played_session

pytestmark = pytest.mark.django_db


def join_limit() -> int:
    """Joins a minute one address may make, as configured (JOIN_RATE)."""
    from rest_framework.throttling import ScopedRateThrottle

    return int(ScopedRateThrottle.THROTTLE_RATES["join"].split("/")[0])


def test_joins_are_rate_limited_per_address(anonymous, interviewer):
    session = session_for(interviewer)
    url = f"/api/sessions/{session.code}/join"
    for number in range(join_limit()):
        body = {"display_name": f"Guess {number}", "role": "spectator"}
        assert anonymous.post(url, body, "json").status_code == 201
    limited = anonymous.post(url, {"display_name": "One more", "role": "spectator"}, "json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert error_of(limited)["code"] == "rate_limited"
    other_address = anonymous.post(
        url, {"display_name": "Elsewhere", "role": "spectator"}, "json", REMOTE_ADDR="10.0.0.9"
    )
    assert other_address.status_code == 201


def test_guessing_codes_counts_against_the_limit(anonymous):
    for _ in range(join_limit()):
        anonymous.post("/api/sessions/AAAAAAAA/join", {"role": "candidate"}, "json")
    response = anonymous.post("/api/sessions/AAAAAAAB/join", {"role": "candidate"}, "json")
    assert response.status_code == 429


def test_the_sessions_reads_share_one_limit_per_address_whoever_asks(
    api, anonymous, interviewer, bank, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "read": "4/min",
        },
    }
    session, panel, ann, _ = played_session(interviewer)
    services.session_finish(session=session, participant=panel)
    base = f"/api/sessions/{session.code}"
    for path in ("timeline", "results", "results.csv"):
        assert api.get(f"{base}/{path}").status_code == 200, path
    mine = anonymous.get(f"{base}/my-results", HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert mine.status_code == 200
    # The fifth read from this address, by another reader, waits.
    later = anonymous.get(f"{base}/timeline", HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert (later.status_code, error_of(later)["code"]) == (429, "rate_limited")
    assert int(later["Retry-After"]) > 0
    elsewhere = api.get(f"{base}/timeline", REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 200


def test_an_interviewer_opens_sessions_at_a_limited_rate_counted_per_user(api, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "sessions": "3/min"},
    }
    for number in range(3):
        assert api.post("/api/sessions/", {"title": f"P{number}"}, "json").status_code == 201
    refused = api.post("/api/sessions/", {"title": "P4"}, "json")
    assert (refused.status_code, error_of(refused)["code"]) == (429, "rate_limited")
    assert api.get("/api/sessions/").status_code == 200  # reading is not creating
    colleague = client_for(make_interviewer("carol"))
    assert colleague.post("/api/sessions/", {"title": "Hers"}, "json").status_code == 201
