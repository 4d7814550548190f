"""Every error under /api/ in the API's JSON shape, whatever raised it."""

import pytest

from interview.fields import ID_MAX
from interview.models import Question

from .factories import session_for

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    """The error of a JSON error response of this status, in the contract's shape."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


# --- bodies the parser refuses ------------------------------------------------------------

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
    url = path.format(code=session_for(interviewer).code, question=Question.objects.first().id)
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


# --- ids beyond the database's keys -------------------------------------------------------


@pytest.mark.parametrize("question_id", [ID_MAX + 1, 2**64, 10**30, 0, -1])
def test_a_session_planning_an_id_beyond_the_keys_is_invalid(api, question_id):
    response = api.post("/api/sessions/", {"title": "x", "question_ids": [question_id]}, "json")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert error["message"].startswith("question_ids")


def test_the_largest_id_is_looked_up_and_missing(api):
    response = api.post("/api/sessions/", {"title": "x", "question_ids": [ID_MAX]}, "json")
    assert error_of(response, 400)["details"] == {"question_ids": [ID_MAX]}
    assert error_of(api.get(f"/api/questions/{ID_MAX}/"), 404)["code"] == "not_found"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("question_id", [str(ID_MAX + 1), "1" + "0" * 30, "0", "abc"])
def test_a_question_id_in_the_path_beyond_the_keys_is_invalid(api, method, question_id):
    response = getattr(api, method)(f"/api/questions/{question_id}/")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert error["message"].startswith("id: ")


def test_a_body_that_is_not_json_is_an_unsupported_media_type(api):
    response = api.post("/api/sessions/", {"title": "x"}, format="multipart")
    assert error_of(response, 415)["code"] == "unsupported_media_type"
