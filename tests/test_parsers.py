"""The API's JSON parser (``interview.api.parsers``): a body it cannot decode, nested too
deeply or over Django's upload limit is a 400 in the API's shape, never a server error."""

import pytest

from interview.models import Question

from .factories import session_for
from .test_errors import error_of

pytestmark = pytest.mark.django_db


def test_malformed_json_is_a_bad_json_error(api):
    response = api.post("/api/questions/", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response, 400)["code"] == "bad_json"


# 60 KB: 30,000 nested arrays, beyond what Python's json decodes without a RecursionError.
DEEP = "[" * 30_000 + "]" * 30_000


def test_deeply_nested_json_on_an_anonymous_join_is_bad_json(anonymous, interviewer):
    session = session_for(interviewer)
    response = anonymous.post(
        f"/api/sessions/{session.code}/join", DEEP, content_type="application/json"
    )
    assert error_of(response, 400)["code"] == "bad_json"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/questions/"),
        ("put", "/api/questions/{question}/"),
        ("patch", "/api/questions/{question}/"),
        ("post", "/api/sessions/"),
        ("post", "/api/sessions/{code}/join"),
    ],
)
def test_deeply_nested_json_is_bad_json_on_every_endpoint_with_a_body(
    api, interviewer, bank, method, path
):
    mine = Question.objects.first()
    Question.objects.filter(pk=mine.pk).update(owner=interviewer)  # else 403 before parsing
    url = path.format(code=session_for(interviewer).code, question=mine.id)
    response = getattr(api, method)(url, DEEP, content_type="application/json")
    assert error_of(response, 400)["code"] == "bad_json"


def test_json_nested_just_within_the_parsers_reach_is_no_server_error(api, bank):
    """Parsed, then handed to fields that walk it again deeper in the stack."""
    for depth in range(700, 1000, 2):
        nested = "[" * depth + "]" * depth
        body = '{"slug": "deep", "key_points": ' + nested + ', "tags": ' + nested + "}"
        response = api.post("/api/questions/", body, content_type="application/json")
        assert error_of(response, 400)["code"] in ("bad_json", "invalid")


def test_a_body_over_the_upload_limit_is_too_large(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = api.post("/api/sessions/", {"title": "x" * 2_000}, "json")
    error = error_of(response, 400)
    assert error["code"] == "too_large"
    small = api.post("/api/sessions/", {"title": "x" * 100}, "json")
    assert small.status_code == 201
